"""Work done once across processes, claimed by a row in `connector_claims`.

`claim_once` is insert-or-ignore (the first caller ever wins); `claim_lease` is that, or a
compare-and-set on an expired `claimed_until`, so "at most once per interval" holds however many
processes share the database (SQLite or PostgreSQL).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Engine, delete, update

from bot.database import delete_older_than, insert_ignoring_conflicts
from bot.models import ConnectorClaim

NOTICE_TTL = timedelta(days=90)


class Claims:
    """Work done once across processes, claimed by a row in `connector_claims`."""

    def __init__(self, engine: Engine, clock: Any) -> None:
        self.engine = engine
        self.clock = clock

    def claim_once(self, key: str, ttl: timedelta = NOTICE_TTL) -> bool:
        """True for the first caller ever to claim `key` (insert-or-ignore)."""
        now = self.clock()
        return self._insert(key, now + ttl, now)

    def claim_lease(self, key: str, lease: timedelta) -> bool:
        """True if `key` is free (never claimed, or its lease ran out); holds it for `lease`."""
        now = self.clock()
        if self._insert(key, now + lease, now):
            return True
        with self.engine.begin() as connection:  # compare-and-set on an expired lease
            result = connection.execute(
                update(ConnectorClaim)
                .where(ConnectorClaim.key == key, ConnectorClaim.claimed_until <= now)
                .values(claimed_until=now + lease)
            )
            return result.rowcount == 1

    def release(self, key: str) -> None:
        with self.engine.begin() as connection:
            connection.execute(delete(ConnectorClaim).where(ConnectorClaim.key == key))

    def prune(self) -> int:
        return delete_older_than(self.engine, ConnectorClaim.claimed_until, self.clock())

    def _insert(self, key: str, until: datetime, now: datetime) -> bool:
        values = {"key": key[:320], "claimed_until": until, "created_at": now}
        statement = insert_ignoring_conflicts(self.engine, ConnectorClaim, values).returning(
            ConnectorClaim.key
        )
        with self.engine.begin() as connection:
            return connection.execute(statement).first() is not None
