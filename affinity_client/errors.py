"""One error hierarchy for both API versions (see docs/tool-results.md).

Every message is a single line that is safe to show a user: it never carries the API key
(the client scrubs it) nor a stack trace.
"""

from __future__ import annotations

import json
import math
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

_MAX_MESSAGE = 300


class AffinityError(Exception):
    """Base of everything ``affinity_client`` raises."""

    default_message = "Affinity request failed."

    def __init__(
        self,
        message: str | None = None,
        *,
        status: int | None = None,
        api_version: str | None = None,
        request_id: str | None = None,
    ) -> None:
        self.message = _one_line(message or "") or _one_line(self.default_message)
        self.status = status
        self.api_version = api_version
        self.request_id = request_id
        super().__init__(self.message)

    def __str__(self) -> str:
        return self.message

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.message!r}, status={self.status!r})"


class ToolInputError(AffinityError):
    """The input failed the tool's schema or a pre-check; nothing was sent."""

    def __init__(self, message: str, *, field: str | None = None, tool: str | None = None) -> None:
        super().__init__(message)
        self.field = field
        self.tool = tool


class AuthenticationError(AffinityError):
    default_message = "Affinity rejected the API key (invalid or revoked)."


class _ResourceError(AffinityError):
    """An error about one resource (``resource``: what was asked for, when known)."""

    def __init__(self, message: str | None = None, *, resource: str | None = None, **kw: Any):
        super().__init__(message, **kw)
        self.resource = resource


class PermissionDeniedError(_ResourceError):
    default_message = "The Affinity user of this key lacks permission for this."


def deal_list_denied(
    opportunity_ids: list[int], *, cause: PermissionDeniedError | None = None
) -> PermissionDeniedError:
    """The answer when the key's user cannot see the list a deal is on.

    Affinity shares a deal only through its list: V2 answers 403, V1 either 403 or the
    opportunity with an empty ``list_entries`` (as its docs describe). Either way the deal's
    data is not this user's to read or write.
    """
    ids = ", ".join(str(i) for i in opportunity_ids)
    what = f"deal {ids} is" if len(opportunity_ids) == 1 else f"deals {ids} are"
    message = (
        f"You don't have access to this deal's list: {what} on a private Affinity list "
        "that is not shared with your Affinity user. Ask the list's owner to share it "
        "with you."
    )
    resource = f"opportunity {ids}" if len(opportunity_ids) == 1 else f"opportunities {ids}"
    return PermissionDeniedError(
        message,
        resource=resource,
        status=cause.status if cause else None,
        api_version=cause.api_version if cause else None,
        request_id=cause.request_id if cause else None,
    )


class NotFoundError(_ResourceError):
    default_message = "Not found in Affinity."


class InvalidRequestError(AffinityError):
    default_message = "Affinity refused the request as invalid."

    def __init__(self, message: str | None = None, *, param: str | None = None, **kw: Any):
        super().__init__(message, **kw)
        self.param = param


class RateLimitedError(AffinityError):
    default_message = "Affinity rate limit reached; try again shortly."

    def __init__(self, message: str | None = None, *, retry_after: float | None = None, **kw: Any):
        super().__init__(message, **kw)
        self.retry_after = retry_after


class MonthlyQuotaError(RateLimitedError):
    """The account's monthly request quota is used up (a 429 with ``X-Ratelimit-Limit-Org-Remaining:
    0``). Unlike the per-minute limit, retrying cannot help until the quota resets at the end of
    the calendar month (reference/affinity-api.md §3), so the client never retries it."""

    default_message = "Your firm's monthly Affinity API quota is used up."

    def __init__(
        self, *, reset_seconds: float | None = None, now: datetime | None = None, **kw: Any
    ) -> None:
        self.resets_at: datetime | None = None
        if reset_seconds is not None:
            # The header counts whole seconds: round to the minute the month actually ends.
            exact = (now or datetime.now(UTC)) + timedelta(seconds=reset_seconds)
            self.resets_at = (exact + timedelta(seconds=30)).replace(second=0, microsecond=0)
        super().__init__(monthly_quota_text(self.resets_at, now), retry_after=reset_seconds, **kw)


def monthly_quota_text(resets_at: datetime | None, now: datetime | None = None) -> str:
    """The one line for a used-up monthly quota: what happened and when it comes back."""
    base = (
        "Your firm's monthly Affinity API quota is used up, so Affinity refuses every "
        "request until it resets"
    )
    if resets_at is None:
        return base + " at the start of next month."
    left = resets_at - (now or datetime.now(UTC))
    hours = max(1, math.ceil(left.total_seconds() / 3600))
    within = f"{hours} h" if hours < 48 else f"{math.ceil(hours / 24)} days"
    return base + f" on {resets_at:%B} {resets_at.day}, {resets_at:%H:%M} UTC (in about {within})."


class ServerError(AffinityError):
    default_message = "Affinity had a server error; try again later."


class AffinityTransportError(AffinityError):
    default_message = "Could not reach Affinity (timeout or connection error)."


class UnknownOutcomeError(AffinityError):
    """A write whose outcome cannot be known. It was sent once and never repeated."""

    default_message = (
        "Affinity did not confirm the change; it may or may not have been applied. "
        "Check in Affinity before trying again."
    )

    def __init__(self, message: str | None = None, *, operation: str | None = None, **kw: Any):
        super().__init__(message, **kw)
        self.operation = operation


def _one_line(text: str) -> str:
    flat = " ".join(str(text).split())
    return flat if len(flat) <= _MAX_MESSAGE else flat[: _MAX_MESSAGE - 1] + "…"


def parse_error_body(response: httpx.Response) -> tuple[str | None, str | None, str | None]:
    """Return ``(message, param, code)`` from any V1 or V2 error body shape.

    Accepted: V2 ``{"errors": [{"code", "message", "param"?}]}``; V1 ``{"message"}``,
    ``{"error": "…"}``, ``{"error": {"message"}}``, ``{"errors": ["…"]}``, ``{"description"}``,
    a bare array of strings or objects, and plain text.
    """
    try:
        body: Any = response.json()
    except (json.JSONDecodeError, UnicodeDecodeError, ValueError):
        text = response.text.strip()
        if not text or text.lstrip().startswith("<"):  # empty or an HTML error page
            return None, None, None
        return text, None, None
    return _from_json(body)


def _from_json(body: Any) -> tuple[str | None, str | None, str | None]:
    if isinstance(body, str):
        return body, None, None
    if isinstance(body, list):
        parts = [_from_json(item) for item in body]
        messages = [m for m, _, _ in parts if m]
        param = next((p for _, p, _ in parts if p), None)
        code = next((c for _, _, c in parts if c), None)
        return ("; ".join(messages) or None), param, code
    if not isinstance(body, dict):
        return None, None, None
    if "errors" in body:
        return _from_json(body["errors"])
    if isinstance(body.get("error"), dict):
        return _from_json(body["error"])
    message = body.get("message") or body.get("error") or body.get("description")
    param = body.get("param")
    code = body.get("code")
    return (
        str(message) if message else None,
        str(param) if param else None,
        str(code) if code else None,
    )


_STATUS_CLASSES: dict[int, type[AffinityError]] = {
    400: InvalidRequestError,
    401: AuthenticationError,
    403: PermissionDeniedError,
    404: NotFoundError,
    405: InvalidRequestError,
    409: InvalidRequestError,
    422: InvalidRequestError,
    429: RateLimitedError,
}


def error_from_response(
    response: httpx.Response,
    *,
    api_version: str | None,
    resource: str | None = None,
    retry_after: float | None = None,
    scrub: str | None = None,
) -> AffinityError:
    """Build the matching :class:`AffinityError` for a non-2xx response."""
    status = response.status_code
    message, param, _code = parse_error_body(response)
    if message and scrub:
        message = message.replace(scrub, "***")
    cls = _STATUS_CLASSES.get(status) or (ServerError if status >= 500 else AffinityError)
    common: dict[str, Any] = {
        "status": status,
        "api_version": api_version,
        "request_id": _request_id(response),
    }
    text = _compose(cls, status, message, resource, retry_after)
    if cls is PermissionDeniedError or cls is NotFoundError:
        return cls(text, resource=resource, **common)
    if cls is InvalidRequestError:
        return cls(text, param=param, **common)
    if cls is RateLimitedError:
        return cls(text, retry_after=retry_after, **common)
    return cls(text, **common)


def _compose(
    cls: type[AffinityError],
    status: int,
    message: str | None,
    resource: str | None,
    retry_after: float | None = None,
) -> str:
    """A message a user can act on: ours where Affinity's adds nothing, else Affinity's."""
    if cls in (AuthenticationError, ServerError):
        return cls.default_message
    if cls is RateLimitedError:
        wait = f" in about {math.ceil(retry_after)} s" if retry_after else " shortly"
        return f"Affinity rate limit reached; try again{wait}."
    if cls is NotFoundError and resource:
        base = f"{resource.capitalize()} was not found in Affinity (or is not visible to this key)."
        return base
    if cls is PermissionDeniedError and resource:
        return f"This Affinity user has no permission for {resource}." + (
            f" Affinity said: {message}" if message else ""
        )
    if cls is AffinityError:
        return f"Affinity answered HTTP {status}." + (f" {message}" if message else "")
    return message or cls.default_message


def _request_id(response: httpx.Response) -> str | None:
    for name in ("x-request-id", "x-amzn-requestid", "request-id"):
        if name in response.headers:
            return response.headers[name]
    return None
