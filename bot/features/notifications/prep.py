"""`/affinity prep [next|<meeting id>]`: before a meeting, who is in it and what the firm knows —
each external attendee's organizations, the organization's open deals (with stage) and the last
note on the organization (else on the person). Read with the asking user's key.

Cost: one meetings read (the next two weeks, or a month either side to find an id), then per
external attendee (at most four) one person read, and per organization one read and one notes read.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from affinity_client.errors import AffinityError
from bot.blocks import error_message, kit
from bot.blocks.text import Links, escape_clip, one_line
from bot.connector import Connector
from bot.features.notifications.changes import parse_time

ATTENDEES = 4
CLOSED = {"closed won", "passed", "closed lost", "lost"}


def prep(
    connector: Connector, identifier: str, which: int | None, now: datetime, zone: str = "UTC"
) -> kit.Message:
    """The preparation for meeting `which` (None: the next one from now)."""
    account = connector.account(identifier)
    links = Links(account.profile.tenant_subdomain if account and account.profile else None)
    day = now.astimezone(ZoneInfo(zone)).date()
    span = (
        (day - timedelta(days=30), day + timedelta(days=30))
        if which
        else (day, day + timedelta(days=14))
    )
    try:
        found = connector.execute_tool(
            identifier,
            "affinity_list_meetings",
            {"from_date": span[0].isoformat(), "to_date": span[1].isoformat()},
        )
    except AffinityError as error:
        return error_message(f"I couldn't read your meetings: {error}")
    meetings = found.get("meetings") or []
    if which is None:
        upcoming = [m for m in meetings if parse_time(str(m["start_time"])) >= now]
        meeting = min(upcoming, key=lambda m: str(m["start_time"]), default=None)
        if meeting is None:
            return error_message("You have no meeting in the next two weeks.")
    else:
        meeting = next((m for m in meetings if int(m["id"]) == which), None)
        if meeting is None:
            return error_message(
                f"I can't find meeting {which} among yours this month either side.",
                "`/affinity meetings week` lists them with their ids.",
            )
    return _render(connector, identifier, meeting, links, zone)


def _render(
    connector: Connector, identifier: str, meeting: dict[str, Any], links: Links, zone: str
) -> kit.Message:
    start = parse_time(str(meeting["start_time"])).astimezone(ZoneInfo(zone))
    title = escape_clip(meeting.get("title") or "Meeting", 150)
    blocks = [kit.section(f":spiral_calendar_pad: *{title}* — {start.strftime('%a %d %b, %H:%M')}")]
    external = [a for a in meeting.get("attendees") or [] if not a.get("internal")]
    internal = [a for a in meeting.get("attendees") or [] if a.get("internal")]
    if internal:
        names = ", ".join(escape_clip(a.get("name") or a.get("email"), 60) for a in internal)
        blocks.append(kit.context(f"From the firm: {names}"))
    orgs_done: set[int] = set()
    for person in external[:ATTENDEES]:
        blocks.append(
            kit.section(_attendee(connector, identifier, person, links, orgs_done)[:2900])
        )
    if not external:
        blocks.append(kit.context("No one from outside the firm is in this meeting."))
    return kit.message(f"Prep: {meeting.get('title') or 'meeting'}", blocks[:40])


def _attendee(
    connector: Connector, identifier: str, who: dict[str, Any], links: Links, orgs_done: set[int]
) -> str:
    name = who.get("name") or who.get("email") or "Someone"
    if not who.get("id"):
        return f"*{escape_clip(name, 80)}* — not in Affinity"
    head = f"*{links.link('person', who['id'], name, 80)}*"
    try:
        person = connector.execute_tool(identifier, "affinity_get_person", {"person_id": who["id"]})
    except AffinityError:
        return f"{head} — I couldn't read this person"
    lines = [head]
    organizations = person.get("organizations") or []
    for org in organizations[:2]:
        lines.append(f"  {links.link('organization', org['id'], org.get('name'), 80)}")
        if int(org["id"]) in orgs_done:
            continue
        orgs_done.add(int(org["id"]))
        lines += _organization(connector, identifier, int(org["id"]), links)
    if not organizations:
        lines += _last_note(connector, identifier, {"person_id": who["id"]})
    return "\n".join(lines)


def _organization(connector: Connector, identifier: str, org_id: int, links: Links) -> list[str]:
    try:
        org = connector.execute_tool(
            identifier, "affinity_get_organization", {"organization_id": org_id}
        )
    except AffinityError:
        return ["    _couldn't read the organization_"]
    deals = [
        d
        for d in org.get("deals") or []
        if str((d.get("stage") or {}).get("text") or "").casefold() not in CLOSED
    ]
    lines = [
        f"    • open deal {links.link('opportunity', d['id'], d.get('name'), 80)}"
        f" ({escape_clip((d.get('stage') or {}).get('text') or 'no stage', 40)})"
        for d in deals[:3]
    ]
    return lines + _last_note(connector, identifier, {"organization_id": org_id})


def _last_note(connector: Connector, identifier: str, about: dict[str, Any]) -> list[str]:
    try:
        notes = (
            connector.execute_tool(
                identifier, "affinity_list_notes", {**about, "page_size": 1}
            ).get("notes")
            or []
        )
    except AffinityError:
        return []
    if not notes:
        return ["    • no notes yet"]
    note = notes[0]
    by = (note.get("creator") or {}).get("name") or "someone"
    when = str(note.get("created_at") or "")[:10]
    text = escape_clip(one_line(note.get("content")), 200)
    return [f"    • last note ({escape_clip(by, 40)}, {when}): {text}"]
