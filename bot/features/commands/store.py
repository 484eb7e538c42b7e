"""Database helpers of the command layer: claims that make a write run once, and page keys.

Both work across processes sharing one database: a claim is an insert-or-ignore on a primary
key (or a conditional update of an expired one), so exactly one caller wins.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Engine, delete, insert, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError

from bot.database import delete_older_than
from bot.features.commands.models import CommandClaim, CommandPageKey

Clock = Callable[[], datetime]
CLAIM_TTL = timedelta(days=7)
PAGE_KEY_TTL = timedelta(days=7)


def claim_digest(*parts: str) -> str:
    """A fixed-length key for a claim (the parts may hold note text; only a hash is stored)."""
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()


class Claims:
    """`claim(key, window)`: True for the one caller that may run the write now."""

    def __init__(self, engine: Engine, clock: Clock) -> None:
        self.engine, self.clock = engine, clock

    def claim(self, key: str, window: timedelta | None = None) -> bool:
        """First caller wins. With `window`, a claim older than it may be taken again (a
        deliberate repeat of a typed command); without, the key is taken for good."""
        now = self.clock()
        if self._insert(key, now):
            return True
        if window is None:
            return False
        with self.engine.begin() as connection:
            result = connection.execute(
                update(CommandClaim)
                .where(CommandClaim.key == key, CommandClaim.claimed_at < now - window)
                .values(claimed_at=now)
            )
            return result.rowcount == 1

    def release(self, key: str) -> None:
        """Give a claim back (the write certainly did not happen), so that a retry may run."""
        with self.engine.begin() as connection:
            connection.execute(delete(CommandClaim).where(CommandClaim.key == key))

    def prune(self, older_than: timedelta = CLAIM_TTL) -> int:
        return delete_older_than(self.engine, CommandClaim.claimed_at, self.clock() - older_than)

    def _insert(self, key: str, now: datetime) -> bool:
        values = {"key": key, "claimed_at": now}
        dialect = self.engine.dialect.name
        statement: Any
        if dialect in ("postgresql", "sqlite"):
            make = pg_insert if dialect == "postgresql" else sqlite_insert
            statement = (
                make(CommandClaim)
                .values(values)
                .on_conflict_do_nothing()
                .returning(CommandClaim.key)
            )
        else:
            statement = insert(CommandClaim).values(values)
        try:
            with self.engine.begin() as connection:
                result = connection.execute(statement)
                if result.returns_rows:
                    return result.first() is not None
                return result.rowcount == 1
        except IntegrityError:
            return False


@dataclass(frozen=True)
class StoredPage:
    owner: str
    command: str
    page_token: str | None


class PageKeys:
    """Short keys for "More"/"Share" values too long for a button (command + page token)."""

    def __init__(self, engine: Engine, clock: Clock) -> None:
        self.engine, self.clock = engine, clock

    def store(self, owner: str, command: str, page_token: str | None) -> str:
        key = secrets.token_urlsafe(16)[:22]
        with self.engine.begin() as connection:
            connection.execute(
                insert(CommandPageKey).values(
                    key=key,
                    owner=owner,
                    command=command,
                    page_token=page_token,
                    created_at=self.clock(),
                )
            )
        return key

    def load(self, key: str) -> StoredPage | None:
        with self.engine.connect() as connection:
            row = connection.execute(
                select(
                    CommandPageKey.owner, CommandPageKey.command, CommandPageKey.page_token
                ).where(CommandPageKey.key == key[:32])
            ).first()
        return StoredPage(*row) if row else None

    def prune(self, older_than: timedelta = PAGE_KEY_TTL) -> int:
        return delete_older_than(self.engine, CommandPageKey.created_at, self.clock() - older_than)
