"""When to retry, and how long to wait.

Rules (documented in docs/client.md):
- 429: the request was refused before processing, so any method is retried, waiting
  ``Retry-After``, else ``x-ratelimit-limit-user-reset``, else exponential backoff with jitter.
- 5xx and transport errors: retried only for requests safe to repeat (reads, and writes the
  caller marks idempotent). For any other write they raise ``UnknownOutcomeError`` at once:
  a 500/502/503/504 can come from a proxy after the origin applied the change, so nothing
  proves the write did not happen.
- A connection that could not be opened (connect error/timeout, pool timeout) sent nothing,
  so it is retried for every method.
"""

from __future__ import annotations

import email.utils
import random
import time
from collections.abc import Mapping
from dataclasses import dataclass

import httpx

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

# Errors raised before any byte of the request left this process.
NOT_SENT_ERRORS: tuple[type[Exception], ...] = (
    httpx.ConnectError,
    httpx.ConnectTimeout,
    httpx.PoolTimeout,
)


@dataclass(frozen=True)
class RetryPolicy:
    max_attempts: int = 4
    base_delay: float = 0.5
    max_delay: float = 30.0

    def backoff(self, attempt: int) -> float:
        """Full-jitter exponential backoff for retry number ``attempt`` (1-based)."""
        ceiling = min(self.max_delay, self.base_delay * (2 ** (attempt - 1)))
        return random.uniform(ceiling / 2, ceiling)

    def rate_limit_delay(self, attempt: int, headers: Mapping[str, str]) -> float:
        """The server's hint if any (plus a little jitter), else the backoff."""
        hint = server_retry_after(headers)
        if hint is not None:
            return min(self.max_delay, hint + random.uniform(0, 0.1))
        return self.backoff(attempt)


def server_retry_after(headers: Mapping[str, str]) -> float | None:
    """Seconds from ``Retry-After`` (seconds or HTTP date), else the per-minute reset header."""
    lower = {k.lower(): v for k, v in headers.items()}
    raw = lower.get("retry-after")
    if raw:
        try:
            return max(float(raw), 0.0)
        except ValueError:
            parsed = email.utils.parsedate_to_datetime(raw) if raw else None
            if parsed is not None:
                return max(parsed.timestamp() - time.time(), 0.0)
    reset = lower.get("x-ratelimit-limit-user-reset")
    if reset:
        try:
            return max(float(reset), 0.0)
        except ValueError:
            return None
    return None
