"""Reading V2 write bodies the way the 2026-07-15 spec describes them: JSON objects with no
unknown properties, `{"id": n}` references, date-times; every refusal a 400 naming the property."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from .web import ApiError, Ctx, parse_date

MAX_ID = 2**53 - 1
"""int64 ids are bounded at 2^53-1 in the 2026 spec (`maximum: 9007199254740991`)."""


def json_object(ctx: Ctx) -> dict[str, Any]:
    """The request body; V2 writes take JSON only."""
    if ctx.request.mimetype != "application/json":
        raise ApiError(400, "The body must be JSON (Content-Type: application/json)", "body")
    return ctx.body()


def only(body: dict[str, Any], allowed: Iterable[str], where: str = "") -> None:
    """400 for a property the schema does not define (`additionalProperties: false`)."""
    extra = sorted(set(body) - set(allowed))
    if extra:
        raise ApiError(400, f"Unknown property: {where}{extra[0]}", f"{where}{extra[0]}")


def positive_id(value: Any, param: str, maximum: int = MAX_ID) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= maximum:
        raise ApiError(400, f"{param} must be a positive integer", param)
    return value


def path_id(raw: Any, param: str) -> int:
    """A path id (a string from the router) as an int64, or a 400 naming the parameter."""
    if not isinstance(raw, str) or not raw.isdigit() or not 1 <= int(raw) <= MAX_ID:
        raise ApiError(400, f"{param} must be a positive integer", param)
    return int(raw)


def reference(value: Any, param: str, keys: tuple[str, ...] = ("id",)) -> dict[str, Any]:
    """An object such as `{"id": 1}`; its `id` checked."""
    if not isinstance(value, dict):
        raise ApiError(400, f"{param} must be an object", param)
    only(value, keys, f"{param}.")
    if "id" not in value:
        raise ApiError(400, f"{param}.id is required", f"{param}.id")
    positive_id(value["id"], f"{param}.id")
    return value


def reference_list(body: dict[str, Any], name: str, limit: int = 100) -> list[int] | None:
    """The ids of an array of references (`[{"id": 1}, ...]`), or None when it is absent."""
    if name not in body:
        return None
    items = body[name]
    if not isinstance(items, list) or len(items) > limit:
        raise ApiError(400, f"{name} must be an array of at most {limit} references", name)
    ids = [reference(item, f"{name}[{i}]")["id"] for i, item in enumerate(items)]
    return list(dict.fromkeys(ids))


def date_time(value: Any, param: str) -> datetime:
    parsed = parse_date(value) if isinstance(value, str) and "T" in value else None
    if parsed is None:
        raise ApiError(400, f"{param} must be an ISO 8601 date-time", param)
    return parsed
