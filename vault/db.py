"""The database: URL resolution, engine construction, and the Alembic upgrade.

`DATABASE_URL` selects the database; without it, a SQLite file `affinity-bot.db` in the data
directory. PostgreSQL URLs are normalised to the psycopg 3 driver. `upgrade()` brings the vault's
tables to the latest migration; it is idempotent and safe when several processes start at once.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Mapping
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, Engine, create_engine, event, make_url, text
from sqlalchemy.engine import URL

from vault.config import DEFAULT_DATABASE_FILE, VaultSettings, data_dir

MIGRATIONS_DIR = Path(__file__).parent / "migrations"
# Any constant works; it only has to be the same in every process that upgrades this schema.
_ADVISORY_LOCK_ID = 0x7661756C74  # "vault"
_SQLITE_BUSY_TIMEOUT_S = 30
TABLE_PREFIX = "vault_"


def include_vault_tables(name: str | None, type_: str, parent_names: object) -> bool:
    """Alembic `include_name` hook: the vault sees only its own tables in the shared database."""
    return type_ != "table" or bool(name and name.startswith(TABLE_PREFIX))


def database_url(environ: Mapping[str, str] | None = None) -> str:
    """`DATABASE_URL`, normalised; or the SQLite file in the data directory."""
    settings = VaultSettings.from_environ(environ)
    if settings.database_url:
        return normalise_url(settings.database_url)
    path = (data_dir(environ) / DEFAULT_DATABASE_FILE).resolve()
    return f"sqlite:///{path}"


def normalise_url(url: str) -> str:
    """`postgres://` and `postgresql://` become `postgresql+psycopg://` (psycopg 3)."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def make_engine(url: str | URL | None = None, **kwargs: object) -> Engine:
    """An engine for `url` (default: `database_url()`), tuned for the backend.

    SQLite: a busy timeout, WAL journal, foreign keys on, and every transaction begun with
    `BEGIN IMMEDIATE` so that concurrent writers queue instead of failing mid-transaction.
    """
    resolved = make_url(normalise_url(str(url)) if isinstance(url, str) else url or database_url())
    if resolved.get_backend_name() == "sqlite":
        kwargs.setdefault("connect_args", {"timeout": _SQLITE_BUSY_TIMEOUT_S})
        engine = create_engine(resolved, **kwargs)
        _tune_sqlite(engine)
        return engine
    kwargs.setdefault("pool_pre_ping", True)
    return create_engine(resolved, **kwargs)


def _tune_sqlite(engine: Engine) -> None:
    in_memory = engine.url.database in (None, "", ":memory:")

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: sqlite3.Connection, _record: object) -> None:
        dbapi_connection.isolation_level = None  # SQLAlchemy issues BEGIN itself (below)
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout = {_SQLITE_BUSY_TIMEOUT_S * 1000}")
        if not in_memory:
            _enable_wal(cursor)
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Connection) -> None:
        connection.exec_driver_sql("BEGIN IMMEDIATE")


def _enable_wal(cursor: sqlite3.Cursor) -> None:
    """Switch the file to WAL (persistent, so only the first connection ever does it).

    The switch needs an exclusive lock and SQLite may refuse it at once, without waiting, while
    another process is mid-transaction: retry briefly, then carry on (WAL is an optimisation).
    """
    for attempt in range(50):
        try:
            if cursor.execute("PRAGMA journal_mode").fetchone()[0].lower() == "wal":
                return
            cursor.execute("PRAGMA journal_mode = WAL")
            return
        except sqlite3.OperationalError:
            time.sleep(0.02 * (attempt + 1) ** 0.5)


def alembic_config(connection: object | None = None) -> Config:
    """Alembic configured in code: no alembic.ini needed. Pass a connection to run on it."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def upgrade(engine_or_url: Engine | str | URL | None = None, revision: str = "head") -> None:
    """Bring the vault's tables to `revision` (default: latest). Idempotent.

    The whole upgrade runs in one transaction that first takes a lock (a PostgreSQL advisory
    lock; on SQLite, BEGIN IMMEDIATE), so two processes starting together upgrade once.
    """
    owns_engine = not isinstance(engine_or_url, Engine)
    engine = engine_or_url if isinstance(engine_or_url, Engine) else make_engine(engine_or_url)
    try:
        with engine.begin() as connection:
            if connection.dialect.name == "postgresql":
                connection.execute(
                    text("SELECT pg_advisory_xact_lock(:lock)"), {"lock": _ADVISORY_LOCK_ID}
                )
            command.upgrade(alembic_config(connection), revision)
    finally:
        if owns_engine:
            engine.dispose()


def current_revision(engine: Engine) -> str | None:
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def schema_differences(engine: Engine) -> list[object]:
    """Alembic autogenerate's diff between the vault's tables in the database and the models.

    Empty when the migrations produced exactly the schema the code expects.
    """
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    from vault.models import Base

    with engine.connect() as connection:
        context = MigrationContext.configure(
            connection, opts={"include_name": include_vault_tables, "compare_type": True}
        )
        return list(compare_metadata(context, Base.metadata))
