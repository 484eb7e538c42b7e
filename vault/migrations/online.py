"""The body of an Alembic `env.py` on the shared database, for the vault and the Slack app alike.

Both environments run online only, on the connection handed over in
`config.attributes["connection"]` (or on a fresh engine for the configured URL), and differ only
in their metadata, which tables they look at, and (for the Slack app) their version table.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from alembic import context
from sqlalchemy import Connection, MetaData

from vault.db import make_engine


def run_migrations(
    owner: str, metadata: MetaData, include_name: Callable[..., bool], **options: Any
) -> None:
    """Run the migrations of `owner` ("vault", "bot") online; offline mode is refused."""
    if context.is_offline_mode():
        raise SystemExit(f"the {owner}'s migrations run online only: use `affinity-bot db upgrade`")
    connection = context.config.attributes.get("connection")
    if connection is not None:
        _configure_and_run(connection, metadata, include_name, options)
        return
    engine = make_engine(context.config.get_main_option("sqlalchemy.url") or None)
    try:
        with engine.connect() as conn:
            _configure_and_run(conn, metadata, include_name, options)
    finally:
        engine.dispose()


def _configure_and_run(
    connection: Connection,
    metadata: MetaData,
    include_name: Callable[..., bool],
    options: dict[str, Any],
) -> None:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        include_name=include_name,
        compare_type=True,
        render_as_batch=True,  # SQLite needs table rebuilds for most ALTERs
        **options,
    )
    with context.begin_transaction():
        context.run_migrations()
