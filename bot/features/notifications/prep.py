"""Meeting prep: before a meeting, who is in it and what the firm knows — for each external
attendee their organizations, each organization's open deals (with stage), the last note on the
organization (else on the person), and the colleague with the strongest relationship to them.
Read with the asking user's own key, through an executor bound to it.

Three uses of one `gather`: `/affinity prep [next|<meeting id>]` (rendered as Block Kit by
`render`), the daily brief (today's meetings), and the assistant's read tool
`affinity_prepare_meeting` (`PrepTool`, the JSON as the model reads it).

Cost: one meetings read (the next two weeks, or a month either side to find an id), then per
external attendee (at most four) one person read, one relationships read (two requests), and per
organization one read and one notes read.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from affinity_client.errors import AffinityError, ToolInputError
from bot.blocks import error_message, kit
from bot.blocks.text import Links, escape_clip, one_line
from bot.connector import Connector
from bot.features.notifications.changes import parse_time

Execute = Callable[[str, dict[str, Any]], dict[str, Any]]
ATTENDEES = 4
ORGANIZATIONS = 2
DEALS = 3
CLOSED = {"closed won", "passed", "closed lost", "lost"}
NEXT_DAYS = 14
SECTION_LIMIT = 2900
FIND_DAYS = 30


def meetings_between(execute: Execute, start: date, end: date) -> list[dict[str, Any]]:
    found = execute(
        "affinity_list_meetings", {"from_date": start.isoformat(), "to_date": end.isoformat()}
    )
    return list(found.get("meetings") or [])


def find_meeting(
    execute: Execute, which: int | None, now: datetime, zone: str
) -> dict[str, Any] | str:
    """Meeting `which` (None: the next one from now), or why there is none to prepare."""
    day = now.astimezone(ZoneInfo(zone)).date()
    if which is None:
        meetings = meetings_between(execute, day, day + timedelta(days=NEXT_DAYS))
        upcoming = [m for m in meetings if parse_time(str(m["start_time"])) >= now]
        meeting = min(upcoming, key=lambda m: parse_time(str(m["start_time"])), default=None)
        return meeting or f"You have no meeting in the next {NEXT_DAYS} days."
    meetings = meetings_between(
        execute, day - timedelta(days=FIND_DAYS), day + timedelta(days=FIND_DAYS)
    )
    meeting = next((m for m in meetings if int(m["id"]) == which), None)
    return meeting or f"I can't find meeting {which} among yours this month either side."


def gather(execute: Execute, meeting: dict[str, Any]) -> dict[str, Any]:
    """What to know before `meeting` (as `affinity_list_meetings` gives it), as plain data."""
    attendees = list(meeting.get("attendees") or [])
    external = [a for a in attendees if not a.get("internal")]
    seen: set[int] = set()
    return {
        "meeting": {
            key: meeting.get(key)
            for key in ("id", "title", "start_time", "end_time", "all_day")
            if key in meeting
        },
        "from_the_firm": [a.get("name") or a.get("email") for a in attendees if a.get("internal")],
        "attendees": [_attendee(execute, who, seen) for who in external[:ATTENDEES]],
        "more_attendees": max(0, len(external) - ATTENDEES),
    }


def _attendee(execute: Execute, who: dict[str, Any], seen: set[int]) -> dict[str, Any]:
    found: dict[str, Any] = {"name": who.get("name") or who.get("email") or "Someone"}
    if who.get("email"):
        found["email"] = who["email"]
    if not who.get("id"):
        found["in_affinity"] = False
        return found
    found["person_id"] = int(who["id"])
    try:
        person = execute("affinity_get_person", {"person_id": who["id"]})
    except AffinityError as error:
        found["error"] = f"could not read this person: {error}"
        return found
    organizations = []
    for org in (person.get("organizations") or [])[:ORGANIZATIONS]:
        org_id = int(org["id"])
        entry: dict[str, Any] = {"id": org_id, "name": org.get("name")}
        if org_id in seen:
            entry["described_above"] = True
        else:
            seen.add(org_id)
            entry.update(_organization(execute, org_id))
        organizations.append(entry)
    found["organizations"] = organizations
    if not organizations:
        found["last_note"] = _last_note(execute, {"person_id": who["id"]})
    found["warmest_connection"] = _warmest(execute, int(who["id"]))
    return found


def _organization(execute: Execute, org_id: int) -> dict[str, Any]:
    try:
        org = execute("affinity_get_organization", {"organization_id": org_id})
    except AffinityError as error:
        return {"error": f"could not read the organization: {error}"}
    deals = [
        {"id": d["id"], "name": d.get("name"), "stage": (d.get("stage") or {}).get("text")}
        for d in org.get("deals") or []
        if str((d.get("stage") or {}).get("text") or "").casefold() not in CLOSED
    ]
    note = _last_note(execute, {"organization_id": org_id})
    return {"open_deals": deals[:DEALS], "last_note": note}


def _last_note(execute: Execute, about: dict[str, Any]) -> dict[str, Any] | None:
    try:
        notes = execute("affinity_list_notes", {**about, "page_size": 1}).get("notes") or []
    except AffinityError:
        return None
    if not notes:
        return None
    note = notes[0]
    return {
        "by": (note.get("creator") or {}).get("name"),
        "created_at": str(note.get("created_at") or "")[:10],
        "text": one_line(note.get("content"))[:400],
    }


def _warmest(execute: Execute, person_id: int) -> dict[str, Any] | None:
    """The colleague who knows the attendee best (None when nobody, or it cannot be read)."""
    try:
        found = execute("affinity_get_relationship_strength", {"external_id": person_id})
    except AffinityError:
        return None
    best = next(iter(found.get("relationships") or []), None)
    if not best or not best.get("strength"):
        return None
    return {"name": best.get("name"), "strength": round(float(best["strength"]), 2)}


# -- Block Kit ---------------------------------------------------------------------------------


def prep(
    connector: Connector, identifier: str, which: int | None, now: datetime, zone: str = "UTC"
) -> kit.Message:
    """`/affinity prep`: the preparation for meeting `which` (None: the next one from now)."""
    account = connector.account(identifier)
    links = Links(account.profile.tenant_subdomain if account and account.profile else None)
    execute = connector.executor_for(identifier, via="prep")
    try:
        meeting = find_meeting(execute, which, now, zone)
    except AffinityError as error:
        return error_message(f"I couldn't read your meetings: {error}")
    if isinstance(meeting, str):
        hint = "`/affinity meetings week` lists them with their ids." if which else None
        return error_message(meeting, hint)
    return kit.message(
        f"Prep: {meeting.get('title') or 'meeting'}", render(gather(execute, meeting), links, zone)
    )


def render(found: dict[str, Any], links: Links, zone: str) -> list[dict[str, Any]]:
    """The blocks of one meeting's preparation (at most 40)."""
    meeting = found["meeting"]
    start = parse_time(str(meeting["start_time"])).astimezone(ZoneInfo(zone))
    title = escape_clip(meeting.get("title") or "Meeting", 150)
    blocks = [
        kit.section(f":spiral_calendar_pad: *{title}* — {start:%a} {start.day} {start:%b, %H:%M}")
    ]
    if found["from_the_firm"]:
        names = ", ".join(escape_clip(n, 60) for n in found["from_the_firm"])
        blocks.append(kit.context(f"From the firm: {names}"))
    for person in found["attendees"]:
        blocks.append(kit.section(fit(attendee_text(person, links).split("\n"))))
    if found["more_attendees"]:
        blocks.append(kit.context(f"…and {found['more_attendees']} more from outside the firm"))
    if not found["attendees"]:
        blocks.append(kit.context("No one from outside the firm is in this meeting."))
    return blocks[:40]


def fit(lines: list[str], limit: int = SECTION_LIMIT) -> str:
    """Whole lines up to a section's limit (a cut link would show as broken markup)."""
    kept: list[str] = []
    used = 0
    for index, text in enumerate(lines):
        if used + len(text) + 1 > limit - 20:
            kept.append(f"…and {len(lines) - index} more lines")
            break
        kept.append(text)
        used += len(text) + 1
    return "\n".join(kept)


def attendee_text(person: dict[str, Any], links: Links) -> str:
    """One external attendee as mrkdwn lines."""
    if "person_id" not in person:
        return f"*{escape_clip(person['name'], 80)}* — not in Affinity"
    head = f"*{links.link('person', person['person_id'], person['name'], 80)}*"
    if "error" in person:
        return f"{head} — I couldn't read this person"
    warm = person.get("warmest_connection")
    if warm:
        head += f" · knows {escape_clip(warm['name'], 60)} best ({warm['strength']:.2f})"
    lines = [head]
    for org in person.get("organizations") or []:
        lines.append(f"  {links.link('organization', org['id'], org.get('name'), 80)}")
        if org.get("described_above"):
            continue
        if "error" in org:
            lines.append("    _couldn't read the organization_")
            continue
        lines += [
            f"    • open deal {links.link('opportunity', d['id'], d.get('name'), 80)}"
            f" ({escape_clip(d.get('stage') or 'no stage', 40)})"
            for d in org.get("open_deals") or []
        ]
        lines.append(_note_line(org.get("last_note")))
    if not person.get("organizations"):
        lines.append(_note_line(person.get("last_note")))
    return "\n".join(lines)


def _note_line(note: dict[str, Any] | None) -> str:
    if not note:
        return "    • no notes yet"
    by = escape_clip(note.get("by") or "someone", 40)
    return f"    • last note ({by}, {note.get('created_at')}): {escape_clip(note['text'], 200)}"


# -- the assistant's read tool -----------------------------------------------------------------

NAME = "affinity_prepare_meeting"


@dataclass(frozen=True)
class PrepTool:
    """`affinity_prepare_meeting` for the assistant: a read built from several Affinity reads,
    each run with the asking user's key by the executor the agent is given (`compose`)."""

    clock: Callable[[], datetime]
    name: str = NAME
    writes: bool = False
    description: str = (
        "Prepare the user for a meeting on their Affinity calendar. Without meeting_id: their "
        f"next meeting in the coming {NEXT_DAYS} days; with meeting_id (from "
        "affinity_list_meetings): that meeting. Returns the meeting, who from the firm attends, "
        f"and for each outside attendee (up to {ATTENDEES}) their organizations, each "
        "organization's open deals with stage, the last note (on the organization, else on the "
        "person) and the colleague with the strongest relationship to them. Read-only; costs "
        "about five Affinity requests per outside attendee, so call it once per meeting."
    )
    input_schema: dict[str, Any] = field(
        default_factory=lambda: {
            "type": "object",
            "properties": {
                "meeting_id": {
                    "type": "integer",
                    "minimum": 1,
                    "description": "A meeting id from affinity_list_meetings; omit for the next.",
                }
            },
            "additionalProperties": False,
        }
    )

    def validate(self, tool_input: dict[str, Any]) -> int | None:
        """The meeting id asked for (None: the next); a `ToolInputError` for anything else."""
        extra = sorted(set(tool_input) - {"meeting_id"})
        if extra:
            raise ToolInputError(f"Unknown input {extra[0]!r}.", field=extra[0], tool=NAME)
        which = tool_input.get("meeting_id")
        if which is None:
            return None
        if isinstance(which, bool) or not isinstance(which, int) or which < 1:
            raise ToolInputError(
                "meeting_id must be a positive whole number.", field="meeting_id", tool=NAME
            )
        return which

    def compose(self, execute: Execute, tool_input: dict[str, Any]) -> dict[str, Any]:
        which = self.validate(tool_input)
        meeting = find_meeting(execute, which, self.clock(), "UTC")
        if isinstance(meeting, str):
            return {"meeting": None, "message": meeting}
        return gather(execute, meeting)
