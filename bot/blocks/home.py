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

MAX_ACTIVITY = 50
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


def activity_line(row: Mapping[str, Any], links: Links | None = None) -> str:
    """`{"at", "tool", "outcome"}` from the audit log -> one line; with the `term` searched
    and the `records` the call was about (bot.features.activity), they are named and linked."""
    outcome = str(row.get("outcome") or "unknown")
    icon = OUTCOME_ICONS.get(outcome.lower(), ":warning:")
    tool = str(row.get("tool") or "")
    label = TOOL_LABELS.get(tool) or escape_clip(tool, 100)
    detail = "" if outcome.lower() in OUTCOME_ICONS else f" · {escape_clip(outcome, 100)}"
    return f"{icon} {_when(row.get('at'))} · {label}{_subjects(row, links or Links())}{detail}"


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
        rows = [activity_line(r, links) for r in list(activity)[:MAX_ACTIVITY]]
        blocks += [
            kit.divider(),
            kit.section("*Recent activity*\n" + pack_lines(rows, limits.SECTION_TEXT - 40)),
        ]
    return {"type": "home", "blocks": [b for b in blocks if b][: limits.VIEW_BLOCKS]}
