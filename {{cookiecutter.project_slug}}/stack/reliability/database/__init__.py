"""Proofs for a module with a database (see suite.py)."""
