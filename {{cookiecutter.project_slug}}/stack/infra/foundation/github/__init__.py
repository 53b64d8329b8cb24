"""The GitHub settings program (its own stack, applied by a repository admin)."""
