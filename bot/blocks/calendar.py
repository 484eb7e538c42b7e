"""Reminders (list, saved, completed) and meetings (a day or a week, grouped by day)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.blocks import kit
from bot.blocks.paging import RenderContext, footer
from bot.blocks.text import Links, escape_clip, one_line

MAX_ROWS = 40  # one section each, under the 50-block limit with header, context and footer
STATUS_MARK = {
    "overdue": ":red_circle:",
    "active": ":white_circle:",
    "completed": ":white_check_mark:",
}
ENTITY_KIND = {"person": "person", "organization": "organization", "opportunity": "opportunity"}


def _day(value: Any) -> str:
    """`2026-12-01` -> `Tue 1 Dec 2026`; anything else as given."""
    try:
        day = datetime.fromisoformat(str(value)[:10])
    except ValueError:
        return escape_clip(value, 40)
    return f"{day:%a} {day.day} {day:%b %Y}"


def reminder_line(reminder: Mapping[str, Any], links: Links) -> str:
    mark = STATUS_MARK.get(str(reminder.get("status")), ":white_circle:")
    due = _day(reminder.get("due_date")) if reminder.get("due_date") else "no date"
    what = escape_clip(one_line(reminder.get("content")) or "(no text)", 500)
    entity = reminder.get("entity") or {}
    about = ""
    if entity.get("id") and entity.get("type") in ENTITY_KIND:
        about = " · " + links.link(ENTITY_KIND[entity["type"]], entity["id"], entity.get("name"))
    repeat = reminder.get("recurrence")
    every = f" · every {repeat['period_days']} days" if repeat else ""
    status = str(reminder.get("status") or "active")
    return f"{mark} *{due}* ({status}){every} · #{reminder.get('id')}\n{what}{about}"


def reminders_list(result: Mapping[str, Any], ctx: RenderContext) -> kit.Message:
    """`affinity_list_reminders` -> open ones first (soonest due), then a count of done ones."""
    rows = result.get("reminders") or []
    open_rows = [r for r in rows if r.get("status") != "completed"]
    done = len(rows) - len(open_rows)
    links = Links(ctx.subdomain)
    blocks: list[kit.Block | None] = [kit.header("Reminders")]
    blocks += [kit.section(reminder_line(r, links)) for r in open_rows[:MAX_ROWS]]
    if len(open_rows) > MAX_ROWS:
        blocks.append(kit.context(f"…and {len(open_rows) - MAX_ROWS} more on this page."))
    if not open_rows:
        blocks.append(kit.section("Nothing due: no open reminders."))
    if done:
        blocks.append(kit.context(f"{done} completed reminder{'s' if done != 1 else ''} hidden."))
    if open_rows:
        blocks.append(kit.context("Done with one? Type `/affinity done <id>`."))
    blocks += footer(ctx, page_token=result.get("next_page_token"))
    overdue = sum(1 for r in open_rows if r.get("status") == "overdue")
    return kit.message(f"{len(open_rows)} open reminders, {overdue} overdue", blocks)


def reminder_saved(reminder: Mapping[str, Any], ctx: RenderContext) -> kit.Message:
    """`affinity_create_reminder` / `affinity_complete_reminder` -> the reminder as it is now."""
    status = reminder.get("status")
    if status == "completed":
        title = ":white_check_mark: Reminder completed."
    elif reminder.get("recurrence") and reminder.get("completed_at") is None and status:
        title = ":white_check_mark: Reminder saved; it repeats."
    else:
        title = ":white_check_mark: Reminder saved in Affinity."
    line = reminder_line(reminder, Links(ctx.subdomain))
    return kit.message(title, [kit.section(title), kit.section(line)])


def _time(value: Any) -> str:
    try:
        when = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return escape_clip(value, 40)
    return f"<!date^{int(when.timestamp())}^{{time}}|{when:%H:%M} UTC>"


def _zone(name: Any) -> ZoneInfo:
    try:
        return ZoneInfo(str(name or "UTC"))
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def _local_day(value: Any, zone: ZoneInfo) -> str:
    """The day a meeting starts on in the user's zone (`YYYY-MM-DD`)."""
    try:
        when = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return str(value)[:10]
    return when.astimezone(zone).date().isoformat()


def meeting_line(meeting: Mapping[str, Any], links: Links) -> str:
    title = escape_clip(one_line(meeting.get("title")) or "(no title)", 300)
    when = "all day" if meeting.get("all_day") else _time(meeting.get("start_time"))
    people = [a for a in meeting.get("attendees") or [] if not a.get("internal")]
    names = ", ".join(
        links.link("person", a["id"], a.get("name"))
        if a.get("id")
        else escape_clip(a.get("email"), 100)
        for a in people[:5]
    )
    extra = meeting.get("attendee_count", 0) - len(meeting.get("attendees") or [])
    more = f" and {extra} more" if extra > 0 else ""
    return f"*{when}* {title}" + (f"\nwith {names}{more}" if names else "")


def meetings_list(result: Mapping[str, Any], ctx: RenderContext) -> kit.Message:
    """`affinity_list_meetings` -> meetings grouped under their day (UTC)."""
    meetings = result.get("meetings") or []
    first, last = result.get("from_date"), result.get("to_date")
    span = _day(first) if first == last else f"{_day(first)} to {_day(last)}"
    links = Links(ctx.subdomain)
    blocks: list[kit.Block | None] = [kit.header("Meetings"), kit.context(span)]
    zone = _zone(result.get("time_zone"))
    day = first if first == last else None  # one day: its date is the span above already
    for meeting in meetings[:MAX_ROWS]:
        this_day = _local_day(meeting.get("start_time"), zone)
        text = meeting_line(meeting, links)
        if this_day != day:
            day = this_day
            text = f"*{_day(this_day)}*\n{text}"
        blocks.append(kit.section(text))
    if len(meetings) > MAX_ROWS:
        blocks.append(
            kit.context(f"…and {len(meetings) - MAX_ROWS} more. Ask for a shorter range.")
        )
    if not meetings:
        blocks.append(kit.section("No meetings."))
    if result.get("truncated"):
        blocks.append(
            kit.context("There were more meetings than could be read; ask for fewer days.")
        )
    blocks += footer(ctx)
    return kit.message(f"{len(meetings)} meetings, {span}", blocks)
