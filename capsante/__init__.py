"""Cap e-santé: steering territorial digital-health roadmaps."""
