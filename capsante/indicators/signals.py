"""What the indicators tell the layers above them (which they do not import)."""

from django.dispatch import Signal

# Sent with `target` and `reference` (engine.Reference) when the catalogue's sync creates a
# target from a definition's reference: the roadmaps link it to the objective it names.
target_from_catalogue = Signal()
