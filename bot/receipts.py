"""The `slack_event_receipts` table: each Slack delivery's key, claimed once across processes.

`bot.middleware.dedup` claims a delivery just before its listener runs; the first process to
insert the key handles it, every other copy is dropped.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy import Engine

from bot.database import delete_older_than, insert_ignoring_conflicts
from bot.models import SlackEventReceipt

RECEIPT_TTL = timedelta(days=1)  # Slack's last retry comes about 5 minutes after the first try


class DeliveryReceipts:
    """Claim a delivery key once; prune old keys."""

    def __init__(self, engine: Engine, clock: Callable[[], datetime]) -> None:
        self.engine = engine
        self.clock = clock

    def claim(self, kind: str, key: str) -> bool:
        """True if this call is the first to see `key` (in any process), False for a repeat."""
        values = {"key": key[:255], "kind": kind, "first_seen_at": self.clock()}
        statement = insert_ignoring_conflicts(self.engine, SlackEventReceipt, values)
        inserted = statement.returning(SlackEventReceipt.key)  # a row iff it was inserted
        with self.engine.begin() as connection:
            return connection.execute(inserted).first() is not None

    def prune(self, older_than: timedelta = RECEIPT_TTL) -> int:
        return delete_older_than(
            self.engine, SlackEventReceipt.first_seen_at, self.clock() - older_than
        )
