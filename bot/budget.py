"""Each Affinity key's per-minute budget, shared by every process on one PostgreSQL.

Affinity allows a user (a key) a number of requests a minute (900, or what
`X-Ratelimit-Limit-User` says), whatever the number of bot processes sending them. Each process
limiting itself to the full budget would let N processes send N times too many, and Affinity would
answer 429. On PostgreSQL, a key's budget is one row of `affinity_request_budgets`, a token bucket
that every process updates atomically:

- a request takes a token with one conditional `UPDATE` (refill by elapsed time, take one, only
  if one is there); PostgreSQL re-checks the condition under the row lock, so two processes can
  never take the same token; the clock is the database's, so hosts need not agree on the time;
- the bucket holds a tenth of the budget and refills at the rest per minute, so no 60-second
  window ever sees more than the budget (burst + 60 x rate = per-minute limit);
- a per-minute limit reported by Affinity is written to the row, so every process follows it.

The row is keyed by a fingerprint of the key, never the key. If the database cannot be reached,
the process falls back to its own limiter for the key (logged once), so Affinity calls go on.
On SQLite (one host, usually one process), each process keeps its own limiter.
"""

from __future__ import annotations

import logging
import threading
from typing import Any

from sqlalchemy import Engine, func, literal, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.exc import SQLAlchemyError

from affinity_client.ratelimit import (
    DEFAULT_REQUESTS_PER_MINUTE,
    Limiter,
    key_fingerprint,
    limiter_for_key,
)
from bot.models import AffinityRequestBudget

log = logging.getLogger(__name__)

BURST_SHARE = 0.1  # the bucket's size, as a share of the per-minute budget
MIN_WAIT_SECONDS = 0.001

TABLE = AffinityRequestBudget.__table__.c
NOW = func.extract("epoch", func.statement_timestamp())  # the database's clock, one per statement


def _capacity(per_minute: Any) -> Any:
    return func.greatest(1.0, per_minute * BURST_SHARE)


def _rate(per_minute: Any) -> Any:
    return (per_minute - _capacity(per_minute)) / 60.0


LEVEL = func.least(
    _capacity(TABLE.per_minute), TABLE.tokens + (NOW - TABLE.refilled_at) * _rate(TABLE.per_minute)
)


def _take(key: str) -> Any:
    """Refill by the time elapsed and take one token, only if one is there."""
    return (
        update(AffinityRequestBudget)
        .where(TABLE.key_fingerprint == key, LEVEL >= 1)
        .values(tokens=LEVEL - 1, refilled_at=NOW)
        .returning(TABLE.tokens)
    )


def _create(key: str, per_minute: int) -> Any:
    """A new key's bucket, full but for the token this request takes."""
    values = {
        "key_fingerprint": key,
        "per_minute": per_minute,
        "tokens": _capacity(literal(per_minute)) - 1,
        "refilled_at": NOW,
    }
    return (
        insert(AffinityRequestBudget)
        .values(values)
        .on_conflict_do_nothing()
        .returning(TABLE.tokens)
    )


def _wait(key: str) -> Any:
    """Seconds until the bucket holds one token."""
    return select((1 - LEVEL) / _rate(TABLE.per_minute)).where(TABLE.key_fingerprint == key)


class SharedLimiter:
    """One key's budget in the database (a `Limiter` for `AffinityClient`)."""

    def __init__(self, engine: Engine, api_key: str, per_minute: int) -> None:
        self.engine = engine
        self.key = key_fingerprint(api_key)
        self.limit = per_minute
        self._fallback = limiter_for_key(api_key, per_minute)
        self._failed = False

    def try_acquire(self, now: float | None = None) -> float:
        """Take a token and return 0, or the seconds until one is there (any process's)."""
        try:
            with self.engine.begin() as connection:
                if connection.execute(_take(self.key)).first() is not None:
                    return 0.0
                if connection.execute(_create(self.key, self.limit)).first() is not None:
                    return 0.0
                wait = connection.execute(_wait(self.key)).scalar()
        except SQLAlchemyError as error:
            return self._fall_back(error).try_acquire(now)
        return max(float(wait or 0.0), MIN_WAIT_SECONDS)

    def resize(self, limit: int) -> None:
        """Follow Affinity's per-minute limit, here and for every other process."""
        if limit <= 0 or limit == self.limit:
            return
        self.limit = limit
        self._fallback.resize(limit)
        try:
            with self.engine.begin() as connection:
                connection.execute(
                    update(AffinityRequestBudget)
                    .where(TABLE.key_fingerprint == self.key, TABLE.per_minute != limit)
                    .values(per_minute=limit)
                )
        except SQLAlchemyError as error:
            self._fall_back(error)

    def _fall_back(self, error: Exception) -> Limiter:
        if not self._failed:
            self._failed = True
            log.warning(
                "shared request budget unavailable (%s); this process limits itself",
                type(error).__name__,
            )
        return self._fallback


class RequestBudgets:
    """Makes each key's limiter: shared in the database on PostgreSQL, else None (the client
    then uses this process's own limiter)."""

    def __init__(self, engine: Engine, per_minute: int = DEFAULT_REQUESTS_PER_MINUTE) -> None:
        self.engine = engine
        self.per_minute = per_minute
        self.shared = engine.dialect.name == "postgresql"
        self._limiters: dict[str, SharedLimiter] = {}
        self._lock = threading.Lock()

    def limiter(self, api_key: str) -> SharedLimiter | None:
        if not self.shared:
            return None
        fingerprint = key_fingerprint(api_key)
        with self._lock:
            limiter = self._limiters.get(fingerprint)
            if limiter is None:
                limiter = SharedLimiter(self.engine, api_key, self.per_minute)
                self._limiters[fingerprint] = limiter
            return limiter
