"""Meetings (2026-07-15): `GET /v2/meetings` with its `filter` and `GET /v2/meetings/{id}`.

Meetings are the team's: every key sees them, except a private meeting, which only its
internal attendees see (404 for anyone else). Attendees are the internal users and the
external people of the seeded meeting, with their email addresses.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from . import render
from .v2_bodies import path_id
from .v2_notes import can_see_meeting
from .web import ApiError, Ctx, as_int, parse_date, v2_date, v2_page

_CLAUSE = re.compile(r"^\s*(id|startTime|createdAt|updatedAt)\s*(<=|>=|=|<|>)\s*(.+?)\s*$")
_KEYS = {
    "id": "id",
    "startTime": "start_time",
    "createdAt": "created_at",
    "updatedAt": "updated_at",
}
_COMPARE: dict[str, Callable[[Any, Any], bool]] = {
    "=": lambda a, b: a == b,
    "<": lambda a, b: a is not None and a < b,
    "<=": lambda a, b: a is not None and a <= b,
    ">": lambda a, b: a is not None and a > b,
    ">=": lambda a, b: a is not None and a >= b,
}


def _clause(text: str) -> Callable[[dict[str, Any]], bool]:
    match = _CLAUSE.match(text)
    if not match:
        raise ApiError(400, f"Unsupported filter: {text.strip()}", "filter")
    name, op, raw = match.groups()
    if (name == "id") != (op == "="):
        raise ApiError(400, f"{name} does not support the {op} operator", "filter")
    value: Any = as_int(raw) if name == "id" else parse_date(raw.strip('"'))
    if value is None:
        raise ApiError(400, f"Invalid value in filter: {text.strip()}", "filter")
    key, compare = _KEYS[name], _COMPARE[op]
    return lambda rec: compare(rec[key], value)


def parse_filter(raw: str | None) -> Callable[[dict[str, Any]], bool]:
    """`&` joins conditions and `|` offers alternatives (`id=1|id=2`); kept in one function so
    that the sandbox's shared filter language can take its place."""
    if not raw or not raw.strip():
        return lambda rec: True
    groups = [[_clause(alt) for alt in part.split("|")] for part in raw.split("&")]
    return lambda rec: all(any(test(rec) for test in group) for group in groups)


def _attendee(p: dict[str, Any]) -> dict[str, Any]:
    return {
        "emailAddress": p["emails"][0] if p["emails"] else None,
        "person": render.v2_person_data(p),
    }


def v2_meeting(ctx: Ctx, m: dict[str, Any]) -> dict[str, Any]:
    persons = ctx.world.persons
    attendees = [
        _attendee(persons[i]) for i in [*m["internal_ids"], *m["person_ids"]] if i in persons
    ]
    organizer = persons.get(m["organizer_id"])
    creator = persons.get(m["creator_id"])
    return {
        "id": m["id"],
        "loggingType": m["logging_type"],
        "title": m["title"],
        "startTime": v2_date(m["start_time"]),
        "endTime": v2_date(m["end_time"]),
        "allDay": m["all_day"],
        "creator": _attendee(creator) if creator else None,
        "organizer": _attendee(organizer) if organizer else None,
        "createdAt": v2_date(m["created_at"]),
        "updatedAt": v2_date(m["updated_at"]),
        "attendeesPreview": {"data": attendees[:100], "totalCount": len(attendees)},
    }


def list_meetings(ctx: Ctx) -> Any:
    keep = parse_filter(ctx.request.args.get("filter"))
    chosen = sorted(
        (m for m in ctx.world.meetings.values() if can_see_meeting(ctx, m) and keep(m)),
        key=lambda m: (m["start_time"], m["id"]),
    )
    page = v2_page(ctx, chosen)
    page["data"] = [v2_meeting(ctx, m) for m in page["data"]]
    return page


def get_meeting(ctx: Ctx, meeting_id: str) -> Any:
    ident = path_id(meeting_id, "meetingId")
    meeting = ctx.world.meetings.get(ident)
    if meeting is None or not can_see_meeting(ctx, meeting):
        raise ApiError(404, "Meeting not found")
    return v2_meeting(ctx, meeting)


ROUTES = [
    ("/v2/meetings", ["GET"], list_meetings),
    ("/v2/meetings/<seg:meeting_id>", ["GET"], get_meeting),
]
