"""What the indicators tell the layers above them (which they do not import)."""

from django.dispatch import Signal

# Sent with `target` and `reference` (engine.Reference) when the catalogue's sync creates a
# target from a definition's reference: the roadmaps link it to the objective it names.
target_from_catalogue = Signal()

# Sent (no argument but `sender`) once what the figures or the targets say has changed: a
# computation stored new values, a target was set, a manual value came into force. Documents
# laid out once per edition (decision 0050) are laid out again in the background (decision 0051).
figures_changed = Signal()
