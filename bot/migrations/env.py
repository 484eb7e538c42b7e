"""Alembic environment for the bot's own tables, configured by bot.database.alembic_config().

The database is shared with the vault: this environment keeps its history in
`bot_alembic_version` and never looks at the vault's tables (`vault_*`). Every revision file in
`versions/` is picked up; features add theirs there (down_revision = the previous head).
"""

from __future__ import annotations

from alembic import context

from bot.database import VERSION_TABLE, include_bot_tables, load_models, make_engine
from bot.models import Base


def _configure_and_run(connection: object) -> None:
    load_models()
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        include_name=include_bot_tables,
        version_table=VERSION_TABLE,
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
    raise SystemExit("the bot's migrations run online only: use `affinity-bot db upgrade`")
run_migrations_online()
