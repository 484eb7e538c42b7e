"""Rate-limit budgets read from response headers, and the per-key client-side limiter.

Affinity allows 900 requests a minute per user, shared by V1 and V2 (a client follows the
budget each response reports in ``x-ratelimit-limit-user``; header names are matched in any case,
and the ``x-ratelimit-limit-org*`` headers are absent for an account with no monthly cap). The
same windows can be asked for outright: V2 ``GET /v2/rate-limit`` (2026-07-15), or V1
``GET /rate-limit`` for a key pinned to an older V2 version; both are exempt from the monthly
quota or cheap against it. Every client built for the
same key in this process shares one sliding-window limiter, keyed by a hash of the key (the key
itself is never stored here), so a busy process cannot trip Affinity's limit on its own.
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

DEFAULT_REQUESTS_PER_MINUTE = 900
WINDOW_SECONDS = 60.0


@dataclass(frozen=True)
class RateLimitSnapshot:
    """What the last response said about the budgets. ``org_*`` may be ``"unlimited"``."""

    user_limit: int | None = None
    user_remaining: int | None = None
    user_reset_seconds: int | None = None
    org_limit: int | str | None = None
    org_remaining: int | str | None = None
    org_reset_seconds: int | None = None

    @classmethod
    def from_headers(cls, headers: Mapping[str, str]) -> RateLimitSnapshot | None:
        """Parse ``x-ratelimit-limit-*`` headers (any case); ``None`` if there are none."""
        lower = {k.lower(): v for k, v in headers.items()}
        prefix = "x-ratelimit-limit-"
        if not any(k.startswith(prefix) for k in lower):
            return None
        return cls(
            user_limit=_int(lower.get(prefix + "user")),
            user_remaining=_int(lower.get(prefix + "user-remaining")),
            user_reset_seconds=_int(lower.get(prefix + "user-reset")),
            org_limit=_int_or_text(lower.get(prefix + "org")),
            org_remaining=_int_or_text(lower.get(prefix + "org-remaining")),
            org_reset_seconds=_int(lower.get(prefix + "org-reset")),
        )

    @classmethod
    def from_v2_body(cls, body: Mapping[str, Any]) -> RateLimitSnapshot:
        """Parse V2 ``RateLimit`` (``callerPerMinute`` always, ``orgPerMonth`` only with a
        monthly cap) into the same snapshot the headers give."""
        return cls._from_windows(body.get("callerPerMinute") or {}, body.get("orgPerMonth") or {})

    @classmethod
    def from_v1_body(cls, body: Mapping[str, Any]) -> RateLimitSnapshot:
        """Parse V1 ``{"rate": {"api_key_per_minute": …, "org_monthly": …}}`` (the org limit
        may be the string ``"unlimited"``)."""
        rate = body.get("rate") or {}
        return cls._from_windows(
            rate.get("api_key_per_minute") or {}, rate.get("org_monthly") or {}
        )

    @classmethod
    def _from_windows(
        cls, minute: Mapping[str, Any], month: Mapping[str, Any]
    ) -> RateLimitSnapshot:
        """Both bodies give each window as `limit`, `remaining`, `reset` (seconds)."""
        return cls(
            user_limit=_int(minute.get("limit")),
            user_remaining=_int(minute.get("remaining")),
            user_reset_seconds=_int(minute.get("reset")),
            org_limit=_int_or_text(month.get("limit")),
            org_remaining=_int_or_text(month.get("remaining")),
            org_reset_seconds=_int(month.get("reset")),
        )


def _int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    try:
        return int(float(value)) if value is not None else None
    except (TypeError, ValueError):
        return None


def _int_or_text(value: Any) -> int | str | None:
    number = _int(value)
    return number if number is not None or value is None else str(value).strip()


class Limiter(Protocol):
    """A per-key request budget: this process's own (`SlidingWindowLimiter`), or one shared by
    every process through a store the caller provides (the bot's database)."""

    def try_acquire(self, now: float | None = None) -> float:
        """Take a slot and return 0, or return the seconds to wait before one frees up."""
        ...

    def resize(self, limit: int) -> None:
        """Follow a new per-minute budget (Affinity reports it in `X-Ratelimit-Limit-User`)."""
        ...


class SlidingWindowLimiter:
    """At most ``limit`` acquisitions in any ``window`` seconds. Thread-safe."""

    def __init__(
        self,
        limit: int = DEFAULT_REQUESTS_PER_MINUTE,
        window: float = WINDOW_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.limit = limit
        self.window = window
        self._clock = clock
        self._stamps: deque[float] = deque()
        self._lock = threading.Lock()

    def resize(self, limit: int) -> None:
        """Follow a new budget (Affinity reports it in ``X-Ratelimit-Limit-User``)."""
        if limit > 0 and limit != self.limit:
            with self._lock:
                self.limit = limit

    def try_acquire(self, now: float | None = None) -> float:
        """Take a slot and return 0, or return the seconds to wait before one frees up."""
        with self._lock:
            now = self._clock() if now is None else now
            while self._stamps and now - self._stamps[0] >= self.window:
                self._stamps.popleft()
            if len(self._stamps) < self.limit:
                self._stamps.append(now)
                return 0.0
            return max(self._stamps[0] + self.window - now, 0.001)


_registry: dict[tuple[str, int], SlidingWindowLimiter] = {}
_registry_lock = threading.Lock()


def key_fingerprint(api_key: str) -> str:
    """A stable, non-reversible id for a key: safe to log and to use as a dict key."""
    return hashlib.sha256(b"affinity-key:" + api_key.encode()).hexdigest()[:16]


def reset_limiters() -> None:
    """Forget every key's request history: for a test that starts against a fresh Affinity
    (the suite's hundreds of calls with one sandbox key would otherwise hit its own budget)."""
    with _registry_lock:
        _registry.clear()


def limiter_for_key(api_key: str, limit: int = DEFAULT_REQUESTS_PER_MINUTE) -> SlidingWindowLimiter:
    """The process-wide limiter of this key (created on first use)."""
    slot = (key_fingerprint(api_key), limit)
    with _registry_lock:
        limiter = _registry.get(slot)
        if limiter is None:
            limiter = _registry[slot] = SlidingWindowLimiter(limit)
        return limiter
