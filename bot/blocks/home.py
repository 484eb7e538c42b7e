"""The App Home tab: connection status with its buttons, the user's lists, recent activity."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from bot.blocks import kit, limits
from bot.blocks.connection import (
    TOOL_LABELS,
    ConnectionView,
    connect_button,
    disconnect_button,
    status_lines,
)
from bot.blocks.lists import list_line
from bot.blocks.text import Links, escape_clip, one_line, pack_lines

MAX_ACTIVITY = 10  # lines; a run of calls made for one brief is one line
OUTCOME_ICONS = {"ok": ":white_check_mark:", "success": ":white_check_mark:"}


def _when(value: Any) -> str:
    """A timestamp Slack shows in the reader's own time zone (UTC in the fallback)."""
    try:
        when = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return escape_clip(value, 40)
    when = when if when.tzinfo else when.replace(tzinfo=UTC)
    fallback = f"{when.astimezone(UTC):%Y-%m-%d %H:%M} UTC"
    return f"<!date^{int(when.timestamp())}^{{date_short_pretty}} {{time}}|{fallback}>"


def grouped_by_via(rows: Sequence[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    """Audit rows (newest first) with each run of calls made for the same `via` (the reads of
    one brief) as one row: `{"at" (the newest), "via", "calls": [its rows]}`."""
    out: list[Mapping[str, Any]] = []
    for row in rows:
        via = row.get("via")
        last = out[-1] if out else None
        if via and last is not None and last.get("via") == via and "calls" in last:
            last["calls"].append(row)
        elif via:
            out.append({"at": row.get("at"), "via": via, "calls": [row]})
        else:
            out.append(row)
    return out


def activity_line(row: Mapping[str, Any], links: Links | None = None) -> str:
    """`{"at", "tool", "outcome"}` from the audit log -> one line; with the `term` searched
    and the `records` the call was about (bot.features.activity), they are named and linked.
    A group of calls made for the same thing (`grouped_by_via`) is one line that counts them."""
    if "calls" in row:
        return _group_line(row)
    outcome = str(row.get("outcome") or "unknown")
    icon = OUTCOME_ICONS.get(outcome.lower(), ":warning:")
    tool = str(row.get("tool") or "")
    label = TOOL_LABELS.get(tool) or escape_clip(tool, 100)
    detail = "" if outcome.lower() in OUTCOME_ICONS else f" · {escape_clip(outcome, 100)}"
    return f"{icon} {_when(row.get('at'))} · {label}{_subjects(row, links or Links())}{detail}"


VIA_LABELS = {"brief": "for your daily brief", "prep": "for meeting prep"}
"""What made a call the user did not ask for there and then (the audit row's `via`)."""


def _group_line(group: Mapping[str, Any]) -> str:
    """`✅ <when> · 9 reads for your daily brief: Read notes, View people, …`."""
    calls = group["calls"]
    failed = [c for c in calls if str(c.get("outcome") or "").lower() not in OUTCOME_ICONS]
    icon = ":warning:" if failed else OUTCOME_ICONS["ok"]
    kinds = list(dict.fromkeys(TOOL_LABELS.get(str(c.get("tool"))) or "Other" for c in calls))
    via = VIA_LABELS.get(str(group.get("via")), "made for you")
    count = f"{len(calls)} read{'s' if len(calls) != 1 else ''}"
    problems = f" ({len(failed)} failed)" if failed else ""
    return f"{icon} {_when(group.get('at'))} · {count} {via}{problems}: {', '.join(kinds)}"


RECORD_WORDS = {"person": "person", "organization": "organization", "opportunity": "deal"}


def _subjects(row: Mapping[str, Any], links: Links) -> str:
    """` “acme”: Acme, Acme Robotics` — what the call searched for and was about."""
    term = row.get("term")
    text = f" “{escape_clip(term, 60)}”" if term else ""
    names = []
    for record in row.get("records") or []:
        kind = str(record.get("kind") or "")
        if kind not in ("person", "organization", "opportunity", "list"):
            continue
        label = record.get("name") or f"{RECORD_WORDS.get(kind, kind)} #{record.get('id')}"
        names.append(links.link(kind, record.get("id"), label, 60))
    return f"{text}: {', '.join(names)}" if names else text


def app_home(
    conn: ConnectionView,
    lists: Sequence[Mapping[str, Any]] = (),
    activity: Sequence[Mapping[str, Any]] = (),
) -> dict[str, Any]:
    """The Home tab view, for `views_publish(user_id=..., view=...)`."""
    links = Links(conn.subdomain)
    buttons = [connect_button(conn)] if not conn.connected else [disconnect_button()]
    if conn.status == "REVOKED":
        buttons.append(disconnect_button())
    blocks: list[kit.Block | None] = [
        kit.header("Affinity for Slack"),
        kit.section(status_lines(conn)),
        kit.actions(buttons),
        kit.context("Type `/affinity help` anywhere, or message me in plain language."),
    ]
    if conn.connected:  # a disconnected user has no lists to show, not an empty section
        ordered = sorted(lists, key=lambda e: (str(e.get("type")), one_line(e.get("name"))))
        body = pack_lines([list_line(links, e) for e in ordered], limits.SECTION_TEXT - 40)
        blocks += [
            kit.divider(),
            kit.section("*Your lists*\n" + (body if ordered else "_none yet_")),
        ]
    if activity:
        rows = [activity_line(r, links) for r in grouped_by_via(activity)[:MAX_ACTIVITY]]
        blocks += [
            kit.divider(),
            kit.section("*Recent activity*\n" + pack_lines(rows, limits.SECTION_TEXT - 40)),
        ]
    return {"type": "home", "blocks": [b for b in blocks if b][: limits.VIEW_BLOCKS]}
