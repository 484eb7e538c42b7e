"""Alembic environment for the bot's own tables, configured by bot.database.alembic_config().

The database is shared with the vault: this environment keeps its history in
`bot_alembic_version` and never looks at the vault's tables (`vault_*`). Every revision file in
`versions/` is picked up; features add theirs there (down_revision = the previous head).
"""

from __future__ import annotations

from bot.database import VERSION_TABLE, include_bot_tables, load_models
from bot.models import Base
from vault.migrations.online import run_migrations

load_models()
run_migrations("bot", Base.metadata, include_bot_tables, version_table=VERSION_TABLE)
