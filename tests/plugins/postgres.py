"""Pytest fixtures that provide a throwaway PostgreSQL server (filled in with the vault)."""
