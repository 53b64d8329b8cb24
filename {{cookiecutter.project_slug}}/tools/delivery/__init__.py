"""Delivery planning for the GitHub workflows (standard library only: runs right after checkout)."""
