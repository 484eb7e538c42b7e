"""Anthropic API failures as one line a user can act on, and a per-turn time bound."""

from __future__ import annotations

import threading
import time
from typing import Any

import anthropic

BUSY = "Claude is overloaded right now; try again in a minute."
RATE_LIMITED = "Claude is getting too many requests right now; try again in a minute."
TIMED_OUT = "Claude took too long to answer; try again, or ask something narrower."
UNREACHABLE = "Could not reach Claude right now; try again in a minute."
MISCONFIGURED = (
    "The assistant's Anthropic credentials were refused; an admin needs to check "
    "ANTHROPIC_API_KEY. Commands still work."
)
REFUSED = "Claude could not process this request (it was rejected as invalid)."


class TurnDeadlineExceeded(Exception):
    """Raised by :class:`DeadlineMiddleware` when a turn's time budget is spent."""


def user_message(exc: BaseException) -> str:
    """One line for the user; never the exception text (which may carry request details)."""
    if isinstance(exc, TurnDeadlineExceeded | anthropic.APITimeoutError):
        return TIMED_OUT
    if isinstance(exc, anthropic.RateLimitError):
        return RATE_LIMITED
    if isinstance(exc, anthropic.InternalServerError):  # 5xx, 529 overloaded included
        return BUSY
    if isinstance(exc, anthropic.APIConnectionError):
        return UNREACHABLE
    if isinstance(exc, anthropic.AuthenticationError | anthropic.PermissionDeniedError):
        return MISCONFIGURED
    return REFUSED


class DeadlineMiddleware(anthropic.Middleware):
    """Refuses to start another attempt (first try or SDK retry) once the turn's time is spent.

    The deadline is per thread, set by the loop around each turn.
    """

    def __init__(self) -> None:
        self._local = threading.local()

    def set_deadline(self, deadline: float | None) -> None:
        self._local.deadline = deadline

    def remaining(self) -> float | None:
        deadline = getattr(self._local, "deadline", None)
        return None if deadline is None else deadline - time.monotonic()

    def handle(self, request: Any, call_next: Any) -> Any:
        remaining = self.remaining()
        if remaining is not None and remaining <= 0:
            raise TurnDeadlineExceeded
        return call_next(request)
