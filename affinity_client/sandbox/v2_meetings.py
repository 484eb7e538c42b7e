"""Meetings (2026-07-15): `GET /v2/meetings` with its `filter` and `GET /v2/meetings/{id}`.

Meetings are the team's: every key sees them, except a private meeting, which only its
internal attendees see (404 for anyone else). Attendees are the internal users and the
external people of the seeded meeting, with their email addresses.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from . import render
from .filter_language import compile_filter, prop
from .v2_bodies import path_id
from .v2_notes import can_see_meeting
from .web import ApiError, Ctx, v2_date, v2_page

_TIMES = (">", "<", ">=", "<=")
MEETING_FILTER = {
    "id": prop("int", "id", "="),
    "startTime": prop("datetime", "start_time", *_TIMES),
    "createdAt": prop("datetime", "created_at", *_TIMES),
    "updatedAt": prop("datetime", "updated_at", *_TIMES),
}
"""The properties and operators of the spec's `GET /v2/meetings` table."""


def parse_filter(raw: str | None) -> Callable[[dict[str, Any]], bool]:
    """The `filter` parameter as a predicate, in the sandbox's shared filter language."""
    return compile_filter(raw, MEETING_FILTER)


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
