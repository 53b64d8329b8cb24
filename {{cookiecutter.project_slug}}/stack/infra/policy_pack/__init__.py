"""The repository's policy rules as a Pulumi CrossGuard policy pack (see pack.py)."""
