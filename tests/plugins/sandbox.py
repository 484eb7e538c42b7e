"""Pytest fixtures that serve the Affinity sandbox over loopback HTTP (filled in with the sandbox)."""
