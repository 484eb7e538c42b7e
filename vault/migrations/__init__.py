"""Alembic migrations of the vault's tables (run through vault.db.upgrade)."""
