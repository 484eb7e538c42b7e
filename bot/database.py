"""The bot's database: the engine, its Alembic environment, and `upgrade_all()`.

The bot shares one database with the vault. The vault owns the URL default (a SQLite file
`affinity-bot.db` in `AFFINITY_BOT_DATA_DIR`, default ./data) and the engine tuning; the bot keeps
its own tables (declared in bot/models.py and the packages' `models.py`) under its own Alembic
environment (`bot/migrations`, version table `bot_alembic_version`), so the two schemas evolve
independently.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any, cast

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, Engine, delete, text
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import URL, CursorResult

from vault import db as vault_db

MIGRATIONS_DIR = Path(__file__).parent / "migrations"
VERSION_TABLE = "bot_alembic_version"
# Distinct from the vault's lock id: both upgrades may run one after the other in one process.
_ADVISORY_LOCK_ID = 0x626F74  # "bot"

# ---------------------------------------------------------------------- engine and schema


def make_engine(url: str | URL | None = None) -> Engine:
    """The shared engine (default URL: `DATABASE_URL`, else the vault's SQLite file)."""
    return vault_db.make_engine(url)


def include_bot_tables(name: str | None, type_: str, parent_names: object) -> bool:
    """Alembic `include_name` hook: the bot sees everything but the vault and version tables."""
    if type_ != "table" or name is None:
        return True
    return not (
        name.startswith(vault_db.TABLE_PREFIX) or name in ("alembic_version", VERSION_TABLE)
    )


def load_models() -> None:
    """Import every module that declares bot tables, so Base.metadata is complete (a new
    `models.py` is added here; the schema test fails while it is missing)."""
    import bot.agent.models
    import bot.features.activity.models
    import bot.features.assistant_pane.models
    import bot.features.commands.models
    import bot.features.conversation.models
    import bot.features.notifications.models
    import bot.features.notifications.webhooks_models
    import bot.features.shortcuts.models
    import bot.features.unfurls.models
    import bot.models  # noqa: F401


def alembic_config(connection: object | None = None) -> Config:
    """The bot's Alembic configuration, in code (no alembic.ini)."""
    config = Config()
    config.set_main_option("path_separator", "os")
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("version_locations", str(MIGRATIONS_DIR / "versions"))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def upgrade_bot(engine: Engine, revision: str = "heads") -> None:
    """The bot's own tables to `revision`, under a lock so concurrent starts upgrade once.

    The default, "heads", applies every branch: each feature may add its own revision on top of
    `0002_agent` (with a `branch_labels` of its own) without ordering itself against the others.

    PostgreSQL: a transaction-scoped advisory lock. SQLite: the vault's engine begins every
    transaction with BEGIN IMMEDIATE, which already serialises writers.
    """
    with engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            connection.execute(
                text("SELECT pg_advisory_xact_lock(:lock)"), {"lock": _ADVISORY_LOCK_ID}
            )
        command.upgrade(alembic_config(connection), revision)


def upgrade_all(url: str | URL | Engine | None = None) -> None:
    """The whole database to the latest schema: the vault's tables, then the bot's. Idempotent.

    Without `url`, the configured one: `DATABASE_URL` from the environment or `.env`, else the
    vault's default SQLite file.
    """
    if url is None:
        from bot.config import Settings

        url = Settings.from_env().database_url
    engine = url if isinstance(url, Engine) else make_engine(url)
    try:
        vault_db.upgrade(engine)
        upgrade_bot(engine)
    finally:
        if not isinstance(url, Engine):
            engine.dispose()


def schema_differences(engine: Engine) -> list[object]:
    """Autogenerate's diff between the bot's tables in the database and the models."""
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    from bot.models import Base

    load_models()
    with engine.connect() as connection:
        context = MigrationContext.configure(
            connection,
            opts={
                "include_name": include_bot_tables,
                "compare_type": True,
                "version_table": VERSION_TABLE,
            },
        )
        return list(compare_metadata(context, Base.metadata))


def ping(engine: Engine) -> str | None:
    """None when the database answers a trivial query (for /healthz); else the kind of error
    (`OperationalError`), never its text, which can name the server and the user."""
    # A raw DBAPI cursor: no SQLAlchemy transaction, so on SQLite no BEGIN IMMEDIATE write lock
    # that would queue health checks behind every writer.
    try:
        connection = engine.raw_connection()
        try:
            cursor = connection.cursor()
            cursor.execute("SELECT 1")
            cursor.fetchall()
            cursor.close()
        finally:
            connection.close()
        return None
    except Exception as error:
        return type(error).__name__


def insert_ignoring_conflicts(
    engine: Engine | Connection, model: Any, values: dict[str, Any]
) -> Any:
    """`INSERT … ON CONFLICT DO NOTHING` of one row of `model`, in the engine's dialect
    (PostgreSQL or SQLite): a row another process inserted first is left as it is."""
    insert = pg_insert if engine.dialect.name == "postgresql" else sqlite_insert
    return insert(model).values(values).on_conflict_do_nothing()


def rows_affected(result: Any) -> int:
    """How many rows an UPDATE or DELETE changed (a `CursorResult`'s rowcount, 0 if unknown)."""
    return cast("CursorResult[Any]", result).rowcount or 0


def delete_older_than(engine: Engine, column: Any, cutoff: datetime) -> int:
    """Delete the rows of `column`'s table whose `column` is before `cutoff`; how many went.

    The one pruning step of every table that keeps rows for a while (receipts, claims, cards,
    held answers, page keys)."""
    with engine.begin() as connection:
        return rows_affected(connection.execute(delete(column.table).where(column < cutoff)))
