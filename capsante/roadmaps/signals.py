"""What the roadmaps tell the layers above them (which they do not import)."""

from django.dispatch import Signal

# Sent with `roadmap` once its text changed (an action updated, the roadmap imported again): its
# document, laid out once per edition (decision 0050), is laid out again (decision 0051).
roadmap_changed = Signal()
