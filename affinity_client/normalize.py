"""Turn V1 (snake_case, integer enums) and V2 (camelCase, string enums) records into the
shapes of docs/tool-results.md."""

from __future__ import annotations

import html
import re
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    from .tools.results import InteractionDates, OrgRef, PersonRef, Stage, UserRef

LIST_TYPES_V1 = {0: "person", 1: "organization", 8: "opportunity"}
LIST_TYPES_V2 = {"person": "person", "company": "organization", "opportunity": "opportunity"}
NOTE_TYPES_V1 = {0: "text", 1: "email", 2: "html", 3: "ai-notetaker"}
INTERACTION_KEYS = (
    "first_email",
    "last_email",
    "first_event",
    "last_event",
    "next_event",
    "last_chat_message",
    "last_interaction",
)


def full_name(first: str | None, last: str | None) -> str:
    return " ".join(p.strip() for p in (first, last) if p and p.strip())


def person_name(record: dict[str, Any]) -> str:
    """Name of a V1 or V2 person record."""
    first = record.get("first_name", record.get("firstName"))
    last = record.get("last_name", record.get("lastName"))
    return full_name(first, last)


def person_ref(record: dict[str, Any]) -> PersonRef:
    """``PersonRef`` from a V1 person, a V2 Person or a V2 PersonData."""
    email = record.get("primary_email", record.get("primaryEmailAddress"))
    if email is None and record.get("emails"):
        email = record["emails"][0]
    return {"id": record["id"], "name": person_name(record), "primary_email": email}


def person_type(record: dict[str, Any]) -> Literal["internal", "external"]:
    raw = record.get("type")
    if raw in (1, "internal"):
        return "internal"
    return "external"


def org_ref(record: dict[str, Any]) -> OrgRef:
    return {"id": record["id"], "name": record.get("name"), "domain": record.get("domain")}


def user_ref(record: dict[str, Any] | None) -> UserRef | None:
    if not record:
        return None
    return {"id": record["id"], "name": person_name(record)}


def interaction_dates(record: dict[str, Any]) -> InteractionDates | None:
    """``InteractionDates`` from a V1 record's ``interaction_dates`` (or ``None`` if absent)."""
    dates = record.get("interaction_dates")
    if dates is None:
        return None
    return {key: dates.get(f"{key}_date") for key in INTERACTION_KEYS}


def list_type(raw: Any) -> str | None:
    if isinstance(raw, int):
        return LIST_TYPES_V1.get(raw)
    return LIST_TYPES_V2.get(raw)


_TAG = re.compile(r"<[^>]+>")
_BLOCK_END = re.compile(r"</(p|div|li|h[1-6]|tr)>|<br\s*/?>", re.IGNORECASE)
_LOOKS_HTML = re.compile(r"<\s*(p|br|div|strong|em|b|i|u|ul|ol|li|span|a|h[1-6])\b[^>]*>", re.I)


def looks_like_html(text: str) -> bool:
    return bool(_LOOKS_HTML.search(text))


def html_to_text(content: str | None) -> str:
    """Reduce HTML to plain text: block ends become newlines, tags go, entities unescape."""
    if not content:
        return ""
    if not looks_like_html(content):
        return content.strip()
    text = _BLOCK_END.sub("\n", content)
    text = re.sub(r"<li[^>]*>", "• ", text, flags=re.IGNORECASE)
    text = html.unescape(_TAG.sub("", text))
    lines = [" ".join(line.split()) for line in text.splitlines()]
    return "\n".join(line for line in lines if line).strip()


_EMPHASIS = re.compile(r"(?<!\\)(\*{1,3}|_{2})(?=\S)(.+?)(?<=\S)(?<!\\)\1", re.S)
_ESCAPED = re.compile(r"\\([\\`*_{}\[\]()#+\-.!>~|])")
_BULLET = re.compile(r"^(\s*)[*-] ", re.M)


def v1_note_text(content: str | None, note_type: Any) -> str:
    """Plain text of a V1 note. V1 hands HTML notes back Markdown-ified (``**bold**``,
    ``* item``) and escapes Markdown characters (``test\\_note``): undo both."""
    if not content:
        return ""
    if looks_like_html(content):
        return html_to_text(content)
    text = content
    if note_type in (2, 3):
        text = _BULLET.sub(r"\1• ", _EMPHASIS.sub(r"\2", text))
        text = re.sub(r"\n{2,}", "\n", text)
    return _ESCAPED.sub(r"\1", text).strip()


def v1_note_type(raw: Any) -> str:
    return NOTE_TYPES_V1.get(raw, "text")


# ---- V2 field values ---------------------------------------------------------------------------


def field_value_data(field: dict[str, Any]) -> tuple[str | None, Any]:
    value = field.get("value") or {}
    return value.get("type"), value.get("data")


def render_value(value_type: str | None, data: Any) -> str | None:
    """A V2 field value rendered as plain text, ``None`` when empty."""
    if data is None or data == [] or data == "":
        return None
    if isinstance(data, list):
        parts = [render_value(_single(value_type), item) for item in data]
        joined = ", ".join(p for p in parts if p)
        return joined or None
    if isinstance(data, dict):
        if "text" in data:
            return data.get("text")
        if "firstName" in data or "lastName" in data:
            return person_name(data) or None
        if "name" in data:
            return data.get("name")
        if "calculatedValue" in data:
            return _number(data["calculatedValue"])
        if value_type and value_type.startswith("location"):
            parts = [data.get(k) for k in ("streetAddress", "city", "state", "country")]
            return ", ".join(p for p in parts if p) or None
        if value_type == "interaction":
            when = data.get("sentAt") or data.get("startTime") or data.get("createdAt")
            return f"{data.get('type', 'interaction')} {when}" if when else data.get("type")
        return None
    if isinstance(data, float | int) and not isinstance(data, bool):
        return _number(data)
    return str(data)


def _single(value_type: str | None) -> str | None:
    return value_type[:-6] if value_type and value_type.endswith("-multi") else value_type


def _number(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def stage_from_value(data: Any) -> Stage | None:
    """``Stage`` from a V2 ranked-dropdown value or a V1 ranked-dropdown field value."""
    if not isinstance(data, dict):
        return None
    option_id = data.get("dropdownOptionId", data.get("id"))
    if option_id is None:
        return None
    return {"id": option_id, "text": data.get("text"), "rank": data.get("rank")}
