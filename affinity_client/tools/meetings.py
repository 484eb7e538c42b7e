"""The meetings tool: past and upcoming meetings of a person, an organization, a deal, or the
user's own, in a date range.

V2's `GET /v2/meetings` (2026-07-15) filters by start time only, so the tool asks for the
range's meetings (100 a page, at most `MAX_PAGES` pages) and keeps those whose attendees are
the person, the organization's people or anyone at its domains, or the deal's people and
organizations. One read of the organization or deal says who that is.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from ..errors import PermissionDeniedError, ToolInputError, deal_list_denied
from ..normalize import person_name
from .base import Tool, obj, time_zone_prop, zone_of
from .common import companies_by_id
from .reminders import DATE, ENTITY_PROPS, my_id, parse_day
from .results import Attendee, ListMeetingsResult, Meeting

if TYPE_CHECKING:
    from ..client import AffinityClient

NAME = "affinity_list_meetings"
MAX_PAGES = 5
MAX_DAYS = 366
DEFAULT_BACK, DEFAULT_AHEAD = 7, 7
ATTENDEES_SHOWN = 20


def _zone(inp: dict[str, Any]) -> ZoneInfo:
    return zone_of(inp, NAME, "UTC")


def _range(inp: dict[str, Any], zone: ZoneInfo) -> tuple[date, date]:
    today = datetime.now(zone).date()
    start = parse_day(NAME, "from_date", inp["from_date"]) if inp.get("from_date") else None
    end = parse_day(NAME, "to_date", inp["to_date"]) if inp.get("to_date") else None
    start = start or (end - timedelta(days=DEFAULT_BACK + DEFAULT_AHEAD) if end else None)
    start = start or today - timedelta(days=DEFAULT_BACK)
    end = end or max(start, today) + timedelta(days=DEFAULT_AHEAD)
    if end < start:
        raise ToolInputError("from_date is after to_date.", field="from_date", tool=NAME)
    if (end - start).days > MAX_DAYS:
        raise ToolInputError(
            f"The range is {(end - start).days} days; ask for at most {MAX_DAYS}.",
            field="to_date",
            tool=NAME,
        )
    return start, end


def _domain(email: str | None) -> str | None:
    return email.rsplit("@", 1)[1].lower() if email and "@" in email else None


def _who(client: AffinityClient, inp: dict[str, Any]) -> tuple[set[int], set[str]]:
    """The person ids and email domains whose meetings are wanted."""
    given = [k for k in ENTITY_PROPS if inp.get(k) is not None]
    if len(given) > 1:
        raise ToolInputError(
            "Give at most one of person_id, organization_id or opportunity_id.",
            field=given[1],
            tool=NAME,
        )
    if not given:
        return {my_id(client)}, set()
    key = given[0]
    ident = inp[key]
    if key == "person_id":
        client.get(f"/persons/{ident}", resource=f"person {ident}")  # 404 for an unknown id
        return {ident}, set()
    if key == "organization_id":
        org = client.get(f"/organizations/{ident}", resource=f"organization {ident}")
        domains = {d.lower() for d in org.get("domains") or [org.get("domain")] if d}
        return set(org.get("person_ids") or []), domains
    try:
        deal = client.get(f"/opportunities/{ident}", resource=f"opportunity {ident}")
    except PermissionDeniedError as exc:
        raise deal_list_denied([ident], cause=exc) from None
    companies = companies_by_id(client, deal.get("organization_ids") or [])
    domains = {
        d.lower() for c in companies.values() for d in c.get("domains") or [c.get("domain")] if d
    }
    return set(deal.get("person_ids") or []), domains


def _attendee(a: dict[str, Any] | None) -> Attendee | None:
    if not a:
        return None
    person = a.get("person")
    return {
        "id": person["id"] if person else None,
        "name": person_name(person) if person else None,
        "email": a.get("emailAddress"),
        "internal": bool(person and person.get("type") == "internal"),
    }


def _matches(m: dict[str, Any], ids: set[int], domains: set[str]) -> bool:
    people = [*((m.get("attendeesPreview") or {}).get("data") or []), m.get("organizer")]
    for a in people:
        if not a:
            continue
        if a.get("person") and a["person"]["id"] in ids:
            return True
        if domains and _domain(a.get("emailAddress")) in domains:
            return True
    return False


def meeting_row(m: dict[str, Any]) -> Meeting:
    preview = m.get("attendeesPreview") or {}
    attendees = [x for a in preview.get("data") or [] if (x := _attendee(a))]
    return {
        "id": m["id"],
        "title": m.get("title"),
        "start_time": m["startTime"],
        "end_time": m.get("endTime"),
        "all_day": bool(m.get("allDay")),
        "organizer": _attendee(m.get("organizer")),
        "attendees": attendees[:ATTENDEES_SHOWN],
        "attendee_count": preview.get("totalCount", len(attendees)),
    }


def list_meetings(client: AffinityClient, inp: dict[str, Any]) -> ListMeetingsResult:
    zone = _zone(inp)
    start, end = _range(inp, zone)
    ids, domains = _who(client, inp)
    first = datetime.combine(start, time(), zone).astimezone(UTC)
    after = datetime.combine(end + timedelta(days=1), time(), zone).astimezone(UTC)
    condition = f"startTime>={first:%Y-%m-%dT%H:%M:%SZ}&startTime<{after:%Y-%m-%dT%H:%M:%SZ}"
    found: list[Meeting] = []
    truncated = False
    for n, page in enumerate(
        client.iter_pages("/v2/meetings", {"filter": condition, "limit": 100}, resource="meetings")
    ):
        found += [meeting_row(m) for m in page.items if _matches(m, ids, domains)]
        if n + 1 >= MAX_PAGES and page.next is not None:
            truncated = True
            break
    found.sort(key=lambda m: (m["start_time"], m["id"]))
    return {
        "meetings": found,
        "from_date": start.isoformat(),
        "to_date": end.isoformat(),
        "time_zone": zone.key,
        "truncated": truncated,
    }


TOOLS = [
    Tool(
        name=NAME,
        description=(
            "Meetings, past and upcoming, oldest first, with title, start and end time (UTC) "
            "and attendees: the user's own by default, or those with one person, one "
            "organization (its people or anyone at its domains) or one deal (its people and "
            "organizations). Dates are YYYY-MM-DD days in time_zone (default UTC; give the "
            "user's), from_date..to_date inclusive "
            f"(default: {DEFAULT_BACK} days back to {DEFAULT_AHEAD} days ahead; at most "
            f"{MAX_DAYS} days)."
        ),
        input_schema=obj(
            {
                **ENTITY_PROPS,
                "from_date": {**DATE, "description": "First day (YYYY-MM-DD)."},
                "to_date": {**DATE, "description": "Last day (YYYY-MM-DD)."},
                "time_zone": time_zone_prop("UTC"),
            }
        ),
        writes=False,
        function=list_meetings,
    ),
]
