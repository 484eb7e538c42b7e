"""Alembic environment for the vault's tables, configured in code by vault.db.alembic_config().

The database is shared with the Slack app, which keeps its own tables and its own version table;
this environment uses Alembic's default `alembic_version` table and only ever looks at tables
whose names start with `vault_`.
"""

from __future__ import annotations

from alembic import context

from vault.db import include_vault_tables, make_engine
from vault.models import Base


def _configure_and_run(connection: object) -> None:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        include_name=include_vault_tables,
        compare_type=True,
        render_as_batch=True,  # SQLite needs table rebuilds for most ALTERs
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = context.config.attributes.get("connection")
    if connection is not None:
        _configure_and_run(connection)
        return
    engine = make_engine(context.config.get_main_option("sqlalchemy.url") or None)
    try:
        with engine.connect() as conn:
            _configure_and_run(conn)
    finally:
        engine.dispose()


if context.is_offline_mode():
    raise SystemExit("the vault's migrations run online only: use `affinity-bot db upgrade`")
run_migrations_online()
