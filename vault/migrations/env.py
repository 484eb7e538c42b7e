"""Alembic environment for the vault's tables, configured in code by vault.db.alembic_config().

The database is shared with the Slack app, which keeps its own tables and its own version table;
this environment uses Alembic's default `alembic_version` table and only ever looks at tables
whose names start with `vault_`.
"""

from __future__ import annotations

from vault.db import include_vault_tables
from vault.migrations.online import run_migrations
from vault.models import Base

run_migrations("vault", Base.metadata, include_vault_tables)
