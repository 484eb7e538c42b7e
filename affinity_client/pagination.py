"""One page shape for both pagination styles, and the opaque page tokens the tools hand out.

V1 pages carry ``next_page_token``; V2 pages carry an absolute ``pagination.nextUrl``. A
:class:`Page` holds either as ``next``; :class:`PageCursor` knows which. Tools wrap a cursor in an
opaque token that also records the API version and a digest of the inputs it belongs to, so a
token replayed with other inputs is refused with a clear message instead of Affinity's 422.
"""

from __future__ import annotations

import base64
import hashlib
import json
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from .errors import ToolInputError


@dataclass(frozen=True)
class PageCursor:
    """Where the next page starts: a V1 page token, or a V2 path+query taken from nextUrl."""

    api_version: str  # "v1" | "v2"
    value: str


@dataclass(frozen=True)
class Page:
    items: list[Any]
    next: PageCursor | None


def v1_page(body: Any, items_key: str) -> Page:
    """Read a V1 page: ``{items_key: [...], next_page_token}`` or a bare array."""
    if isinstance(body, list):
        return Page(body, None)
    token = body.get("next_page_token")
    return Page(list(body.get(items_key) or []), PageCursor("v1", token) if token else None)


def v2_page(body: Any) -> Page:
    """Read a V2 page ``{data, pagination: {nextUrl}}``; keep nextUrl's path and query only."""
    next_url = (body.get("pagination") or {}).get("nextUrl")
    cursor = None
    if next_url:
        parts = urlsplit(next_url)
        cursor = PageCursor("v2", parts.path + (f"?{parts.query}" if parts.query else ""))
    return Page(list(body.get("data") or []), cursor)


def _digest(tool: str, inputs: dict[str, Any]) -> str:
    canonical = json.dumps([tool, inputs], sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()[:16]


def encode_page_token(cursor: PageCursor | None, tool: str, inputs: dict[str, Any]) -> str | None:
    """Wrap ``cursor`` in an opaque token bound to ``tool`` and ``inputs`` (minus page_token
    and skip)."""
    if cursor is None:
        return None
    payload = {"v": cursor.api_version, "c": cursor.value, "q": _digest(tool, _query(inputs))}
    raw = json.dumps(payload, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def page_token_version(token: str | None) -> str | None:
    """The API version ("v1" or "v2") a token from :func:`encode_page_token` pages through, or
    None (no token, or not one of ours: :func:`decode_page_token` says why)."""
    if not token:
        return None
    try:
        payload = json.loads(base64.urlsafe_b64decode((token + "=" * (-len(token) % 4)).encode()))
        version = payload["v"]
    except (ValueError, KeyError, TypeError):
        return None
    return version if version in ("v1", "v2") else None


def decode_page_token(
    token: str | None, tool: str, inputs: dict[str, Any], *, path: str
) -> PageCursor | None:
    """Unwrap a token from :func:`encode_page_token`, refusing foreign or mismatched tokens.

    ``path`` is the collection the tool pages through: the token must be for its API version,
    and a V2 cursor must point at that same collection (a forged token cannot steer the
    client, and the user's key, to another endpoint).
    """
    if not token:
        return None
    try:
        padded = token + "=" * (-len(token) % 4)
        payload = json.loads(base64.urlsafe_b64decode(padded.encode()))
        cursor = PageCursor(str(payload["v"]), str(payload["c"]))
        digest = payload["q"]
    except (ValueError, KeyError, TypeError) as exc:
        raise ToolInputError(
            "page_token is not a token this tool returned; omit it to start from the first page.",
            field="page_token",
            tool=tool,
        ) from exc
    version = "v2" if path.startswith("/v2/") else "v1"
    target = cursor.value.split("?", 1)[0]
    if cursor.api_version != version or (
        version == "v2" and (not target.endswith(path) or ".." in target)
    ):
        raise ToolInputError(
            "page_token is malformed; omit it to start from the first page.",
            field="page_token",
            tool=tool,
        )
    if digest != _digest(tool, _query(inputs)):
        raise ToolInputError(
            "page_token belongs to a different query (other inputs or page_size); "
            "pass the same inputs as the call that returned it, or omit page_token.",
            field="page_token",
            tool=tool,
        )
    return cursor


_POSITION = ("page_token", "skip")  # where in the query, not which query


def _query(inputs: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in inputs.items() if k not in _POSITION}
