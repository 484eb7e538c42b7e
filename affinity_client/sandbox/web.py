"""HTTP plumbing shared by the V1, V2 and control routes: errors, JSON, dates, params, paging."""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta, timezone
from typing import Any
from urllib.parse import urlencode

from werkzeug.wrappers import Request, Response

from .seed import API_VERSION, World
from .store import SandboxState

PACIFIC = timezone(timedelta(hours=-8))

V2_CODES = {
    400: "bad-request",
    401: "authentication",
    403: "authorization",
    404: "not-found",
    405: "method-not-allowed",
    409: "conflict",
    415: "unsupported-media-type",
    422: "unprocessable-entity",
    429: "rate-limit",
    501: "not-implemented",
}


LIST_DENIED = "You do not have permission to access this list"
OPPORTUNITY_DENIED = "You do not have permission to access this opportunity's list"


class ApiError(Exception):
    """An error answer; rendered in the V1 or V2 body shape by the app."""

    def __init__(self, status: int, message: str, param: str | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.param = param


def error_body(api: str, status: int, message: str, param: str | None = None) -> Any:
    if api != "v2":
        return {"message": message}
    if status == 400 and param is not None:
        return {"errors": [{"code": "validation", "message": message, "param": param}]}
    code = V2_CODES.get(status, "server" if status >= 500 else "bad-request")
    return {"errors": [{"code": code, "message": message}]}


def json_response(body: Any, status: int = 200) -> Response:
    return Response(
        json.dumps(body, separators=(",", ":")), status=status, mimetype="application/json"
    )


@dataclass
class Ctx:
    """What a route handler gets: the request, the caller, the state and the path arguments."""

    request: Request
    user: dict[str, Any]
    state: SandboxState
    api: str
    version: str = API_VERSION
    """The V2 version this request is answered in (see app.answer_version)."""

    @property
    def legacy(self) -> bool:
        """True when answering in the 2024-01-01 shapes."""
        return self.version == "2024-01-01"

    @property
    def world(self) -> World:
        return self.state.world

    @property
    def is_admin(self) -> bool:
        return bool(self.user["role"] == "admin")

    def can_see_list(self, list_rec: dict[str, Any]) -> bool:
        pid = self.user["person_id"]
        return (
            list_rec["public"]
            or list_rec["owner_id"] == pid
            or any(
                p["internal_person_id"] == pid for p in list_rec.get("additional_permissions", [])
            )
        )

    def visible_list(self, list_id: int) -> dict[str, Any]:
        """The list `list_id`: 404 when there is none, 403 when the caller may not see it."""
        rec = self.world.lists.get(list_id)
        if rec is None:
            raise ApiError(404, "List not found")
        if not self.can_see_list(rec):
            raise ApiError(403, LIST_DENIED)
        return rec

    def can_see_opportunity(self, opp: dict[str, Any]) -> bool:
        """A deal is as visible as its list: Affinity shares deals by sharing their list."""
        return self.can_see_list(self.world.lists[opp["list_id"]])

    def visible_opportunity(self, opportunity_id: int) -> dict[str, Any]:
        """The deal `opportunity_id`: 404 when there is none, 403 when its list is hidden."""
        opp = self.world.opportunities.get(opportunity_id)
        if opp is None:
            raise ApiError(404, "Opportunity not found")
        if not self.can_see_opportunity(opp):
            raise ApiError(403, OPPORTUNITY_DENIED)
        return opp

    def hidden_opportunity_ids(self, ids: list[int]) -> list[int]:
        """The ids among `ids` of existing deals whose list the caller may not see."""
        table = self.world.opportunities
        return [i for i in ids if i in table and not self.can_see_opportunity(table[i])]

    def can_see_note(self, note: dict[str, Any]) -> bool:
        """False for a note attached only to deals on lists the caller may not see (a reply
        follows its parent). A note that is also on a person or organization stays visible,
        with the hidden deals left out of it."""
        if note["parent_id"] is not None:
            parent = self.world.notes.get(note["parent_id"])
            return parent is None or self.can_see_note(parent)
        if note["person_ids"] or note["organization_ids"] or not note["opportunity_ids"]:
            return True
        return len(self.hidden_opportunity_ids(note["opportunity_ids"])) < len(
            note["opportunity_ids"]
        )

    def visible_note(self, note_id: int) -> dict[str, Any]:
        """The note `note_id`: 404 when there is none, 403 when only hidden deals carry it."""
        note = self.world.notes.get(note_id)
        if note is None:
            raise ApiError(404, "Note not found")
        if not self.can_see_note(note):
            raise ApiError(403, OPPORTUNITY_DENIED)
        return note

    def body(self) -> dict[str, Any]:
        """The JSON or form body (form `a[]=1&a[]=2` becomes a list)."""
        req = self.request
        if req.mimetype == "application/json" or (req.data and req.data[:1] in (b"{", b"[")):
            try:
                data = json.loads(req.get_data(as_text=True) or "{}")
            except ValueError:
                raise ApiError(
                    422 if self.api == "v1" else 400,
                    "Malformed JSON body",
                    None if self.api == "v1" else "body",
                ) from None
            if not isinstance(data, dict):
                raise ApiError(
                    422 if self.api == "v1" else 400,
                    "Body must be a JSON object",
                    None if self.api == "v1" else "body",
                )
            return data
        out: dict[str, Any] = {}
        for key, values in req.form.to_dict(flat=False).items():
            if key.endswith("[]"):
                out[key[:-2]] = values
            else:
                out[key] = values[-1]
        return out


# -- dates -------------------------------------------------------------------
def v1_date(value: datetime | None) -> str | None:
    if value is None:
        return None
    return value.astimezone(PACIFIC).isoformat(timespec="milliseconds")


def v2_date(value: datetime | None) -> str | None:
    if value is None:
        return None
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_date(text: Any) -> datetime | None:
    """ISO 8601 with or without time, fraction or offset; naive means UTC. None if invalid."""
    if not isinstance(text, str) or not text:
        return None
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


# -- parameters ---------------------------------------------------------------
def v1_bool(ctx: Ctx, name: str) -> bool:
    raw = ctx.request.args.get(name)
    if raw is None:
        return False
    if raw.lower() in ("true", "1"):
        return True
    if raw.lower() in ("false", "0"):
        return False
    raise ApiError(422, f"{name} must be true or false")


def v1_int(ctx: Ctx, name: str, *, required: bool = False) -> int | None:
    raw = ctx.request.args.get(name)
    if raw is None or raw == "":
        if required:
            raise ApiError(422, f"{name} is required")
        return None
    try:
        return int(raw)
    except ValueError:
        raise ApiError(422, f"{name} must be an integer") from None


def as_int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        return int(value)
    return None


def int_list(value: Any, name: str) -> list[int]:
    """A body array of ids (JSON list or form list); 422 on anything else."""
    if value is None:
        return []
    if not isinstance(value, list):
        raise ApiError(422, f"{name} must be an array of integers")
    out = []
    for item in value:
        number = as_int(item)
        if number is None:
            raise ApiError(422, f"{name} must be an array of integers")
        out.append(number)
    return out


def v2_int_list(ctx: Ctx, name: str) -> list[int]:
    out = []
    for raw in ctx.request.args.getlist(name):
        number = as_int(raw)
        if number is None or number < 1:
            raise ApiError(400, f"{name} must be a list of positive integers", name)
        out.append(number)
    return out


def v2_enum_list(ctx: Ctx, name: str, allowed: tuple[str, ...]) -> list[str]:
    values = ctx.request.args.getlist(name)
    for value in values:
        if value not in allowed:
            raise ApiError(400, f"{name} must be one of: {', '.join(allowed)}", name)
    return values


# -- V1 pagination ------------------------------------------------------------
def _encode_token(payload: dict[str, Any]) -> str:
    return base64.b64encode(json.dumps(payload, separators=(",", ":")).encode()).decode()


def v1_page(ctx: Ctx, items: list[Any], *, max_size: int = 500) -> tuple[list[Any], str | None]:
    """Slice `items` by page_size/page_token; the token embeds the other params and the offset."""
    args = ctx.request.args
    params = {
        k: (v[0] if len(v) == 1 else v)
        for k, v in args.to_dict(flat=False).items()
        if k not in ("page_token", "page_size")
    }
    size = v1_int(ctx, "page_size")
    if size is not None and not 1 <= size <= max_size:
        raise ApiError(422, f"page_size must be between 1 and {max_size}")
    offset = 0
    token = args.get("page_token")
    if token:
        try:
            decoded = json.loads(base64.b64decode(token + "=" * (-len(token) % 4)))
            offset = int(decoded["offset"])
            token_params = decoded["params"]
            token_size = int(decoded["page_size"])
        except (ValueError, KeyError, TypeError, binascii.Error):
            raise ApiError(422, "Invalid page_token variable") from None
        if token_params != params or (size is not None and size != token_size):
            raise ApiError(422, "Invalid page_token variable")
        size = token_size
    size = size or max_size
    page = items[offset : offset + size]
    nxt = None
    if offset + size < len(items):
        nxt = _encode_token({"params": params, "page_size": size, "offset": offset + size})
    return page, nxt


# -- V2 pagination ------------------------------------------------------------
def _cursor(direction: str, offset: int) -> str:
    return base64.b64encode(f"{direction}:::{offset}".rjust(16).encode()).decode().rstrip("=")


def _decode_cursor(cursor: str) -> int:
    try:
        text = base64.b64decode(cursor + "=" * (-len(cursor) % 4)).decode().strip()
        direction, _, number = text.partition(":::")
        if direction not in ("after", "before"):
            raise ValueError(direction)
        return int(number)
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise ApiError(400, "Invalid cursor", "cursor") from None


def v2_limit(ctx: Ctx, default: int, minimum: int = 1) -> int:
    raw = ctx.request.args.get("limit")
    if raw is None:
        return default
    number = as_int(raw)
    if number is None or not minimum <= number <= 100:
        raise ApiError(400, f"limit must be an integer between {minimum} and 100", "limit")
    return number


def v2_page(
    ctx: Ctx,
    items: list[Any],
    *,
    default_limit: int = 100,
    minimum: int = 1,
    total_count: bool = False,
) -> dict[str, Any]:
    """`{data, pagination}` with absolute next/prev URLs that keep the original query params."""
    limit = v2_limit(ctx, default_limit, minimum)
    cursor = ctx.request.args.get("cursor")
    offset = _decode_cursor(cursor) if cursor else 0
    offset = max(0, min(offset, len(items)))
    data = items[offset : offset + limit]
    kept = [(k, v) for k, v in ctx.request.args.items(multi=True) if k != "cursor"]
    base = ctx.request.host_url.rstrip("/") + ctx.request.path

    def url(direction: str, at: int) -> str:
        return f"{base}?{urlencode([*kept, ('cursor', _cursor(direction, at))])}"

    end = offset + limit
    pagination: dict[str, Any] = {
        "nextUrl": url("after", end) if limit and end < len(items) else None,
        "prevUrl": url("before", max(0, offset - limit)) if offset > 0 else None,
    }
    if total_count:
        pagination["totalCount"] = len(items)
    return {"data": data, "pagination": pagination}


def newer_than_2024(routes: list[Any]) -> list[Any]:
    """Routes of operations the 2024-01-01 spec does not have: whichever version a request
    names, they answer in the 2026-07-15 shapes, the only ones their spec defines."""

    def modern(func: Any) -> Any:
        def run(ctx: Ctx, **args: Any) -> Any:
            return func(replace(ctx, version=API_VERSION), **args)

        return run

    return [(path, methods, modern(func)) for path, methods, func in routes]
