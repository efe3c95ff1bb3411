"""tito: the TinyTorch course CLI (module progress, export, student versions, milestones, grading)."""
