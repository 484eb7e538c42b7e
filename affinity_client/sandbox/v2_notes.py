"""V2 note writes (2026-07-15): create, update and delete a note.

`POST /v2/notes` answers 201 with the note; `POST /v2/notes/{noteId}` and
`DELETE /v2/notes/{noteId}` answer 204. Notes written here are the same records V1's `/notes`
reads and writes (stored as HTML, V1 type 2). Content must keep to the spec's HTML allow-list
(`notes.ContentToBeSaved`); anything else is a 400 naming `content.html`.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from html.parser import HTMLParser
from typing import Any

from werkzeug.wrappers import Response

from . import events
from .v2 import v2_note
from .v2_bodies import date_time, json_object, only, reference, reference_list
from .web import OPPORTUNITY_DENIED, ApiError, Ctx, json_response

ALLOWED_TAGS = frozenset({"p", "br", "strong", "em", "u", "ol", "ul", "li", "span", "a"})
LINK_SCHEMES = ("http:", "https:", "mailto:")
CREATE_TYPES = ("entities", "interaction", "user-reply")
INTERACTION_TYPES = ("meeting", "call", "chat-message")
_ENTITY_ARRAYS = ("persons", "companies", "opportunities")
_COMMON = ("type", "content", "creator", "createdAt")
_ALLOWED_KEYS = {
    "entities": (*_COMMON, *_ENTITY_ARRAYS),
    "interaction": (*_COMMON, *_ENTITY_ARRAYS, "interaction"),
    "user-reply": (*_COMMON, "parent"),
}


class _AllowList(HTMLParser):
    """Finds the first tag, attribute or link the allow-list refuses."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.problem: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if self.problem:
            return
        if tag not in ALLOWED_TAGS:
            self.problem = f"the <{tag}> tag is not allowed"
            return
        for name, value in attrs:
            if tag == "a" and name == "href":
                if not (value or "").strip().lower().startswith(LINK_SCHEMES):
                    self.problem = "links must use http, https or mailto"
                    return
            elif name.startswith("data-note-mention") or (name, value) == (
                "data-type",
                "note-mention",
            ):
                self.problem = "mentions cannot be created or changed through the API"
                return
            else:
                self.problem = f"the {name} attribute is not allowed on <{tag}>"
                return

    handle_startendtag = handle_starttag


def allowed_html(value: Any, param: str = "content.html") -> str:
    """`value` if it is HTML within the allow-list, with every link opened safely; else 400."""
    if not isinstance(value, str) or not value.strip():
        raise ApiError(400, f"{param} must be a non-empty string", param)
    checker = _AllowList()
    checker.feed(value)
    checker.close()
    if checker.problem:
        raise ApiError(400, f"{param} is not allowed: {checker.problem}", param)
    # "the server appends rel="noopener noreferrer" and target="_blank" to every <a>"
    return re.sub(r"<a(\s[^>]*)?>", _safe_link, value, flags=re.I)


def _safe_link(match: re.Match[str]) -> str:
    attrs = match.group(1) or ""
    return f'<a{attrs} rel="noopener noreferrer" target="_blank">'


def _content(body: dict[str, Any]) -> str:
    content = body.get("content")
    if not isinstance(content, dict):
        raise ApiError(400, 'content is required: {"html": "<p>...</p>"}', "content")
    only(content, ("html",), "content.")
    return allowed_html(content.get("html"))


def _entities(ctx: Ctx, body: dict[str, Any]) -> dict[str, list[int] | None]:
    """The persons, companies and opportunities named (None for an absent array), checked."""
    w = ctx.world
    found = {
        "person_ids": reference_list(body, "persons"),
        "organization_ids": reference_list(body, "companies"),
        "opportunity_ids": reference_list(body, "opportunities"),
    }
    for key, table, what in (
        ("person_ids", w.persons, "Person"),
        ("organization_ids", w.organizations, "Company"),
        ("opportunity_ids", w.opportunities, "Opportunity"),
    ):
        missing = [i for i in found[key] or [] if i not in table]
        if missing:
            raise ApiError(404, f"{what} {missing[0]} not found")
    if ctx.hidden_opportunity_ids(found["opportunity_ids"] or []):
        raise ApiError(403, OPPORTUNITY_DENIED)
    return found


def _creator(ctx: Ctx, body: dict[str, Any]) -> int:
    if "creator" not in body:
        return int(ctx.user["person_id"])
    ident = reference(body["creator"], "creator")["id"]
    person = ctx.world.persons.get(ident)
    if person is None or person["type"] != 1:
        raise ApiError(400, "creator must be an internal person of your organization", "creator.id")
    return int(ident)


def _created_at(body: dict[str, Any]) -> datetime:
    if "createdAt" not in body:
        return datetime.now(UTC)
    created = date_time(body["createdAt"], "createdAt")
    if created > datetime.now(UTC):
        raise ApiError(400, "createdAt cannot be in the future", "createdAt")
    return created


def _interaction(ctx: Ctx, body: dict[str, Any]) -> dict[str, Any]:
    ref = reference(body.get("interaction"), "interaction", ("type", "id"))
    if ref.get("type") not in INTERACTION_TYPES:
        raise ApiError(
            400,
            f"interaction.type must be one of: {', '.join(INTERACTION_TYPES)}",
            "interaction.type",
        )
    meeting = ctx.world.meetings.get(ref["id"]) if ref["type"] == "meeting" else None
    if meeting is None or not can_see_meeting(ctx, meeting):
        raise ApiError(404, f"{ref['type'].capitalize()} {ref['id']} not found")
    return {"type": ref["type"], "id": ref["id"]}


def can_see_meeting(ctx: Ctx, meeting: dict[str, Any]) -> bool:
    """Meetings are shared with the team, except private ones (their internal attendees only)."""
    return not meeting["private"] or ctx.user["person_id"] in meeting["internal_ids"]


def _parent(ctx: Ctx, body: dict[str, Any]) -> int:
    ident = reference(body.get("parent"), "parent")["id"]
    parent = ctx.world.notes.get(ident)
    if parent is None or not ctx.can_see_note(parent):
        raise ApiError(404, f"Note {ident} not found")
    if parent["parent_id"] is not None:
        raise ApiError(400, "parent must be a root note, not a reply", "parent.id")
    return int(ident)


def create_note(ctx: Ctx) -> Any:
    body = json_object(ctx)
    kind = body.get("type")
    if kind not in CREATE_TYPES:
        raise ApiError(400, f"type must be one of: {', '.join(CREATE_TYPES)}", "type")
    only(body, _ALLOWED_KEYS[kind])
    content = _content(body)
    creator = _creator(ctx, body)
    created = _created_at(body)
    parent_id = _parent(ctx, body) if kind == "user-reply" else None
    interaction = _interaction(ctx, body) if kind == "interaction" else None
    found = _entities(ctx, body)
    if kind == "entities" and not any(found.values()):
        raise ApiError(
            400,
            "An entities note needs at least one of persons, companies or opportunities",
            "persons",
        )
    w = ctx.world
    note: dict[str, Any] = {
        "id": w.new_id("note"),
        "creator_id": creator,
        "person_ids": found["person_ids"] or [],
        "organization_ids": found["organization_ids"] or [],
        "opportunity_ids": found["opportunity_ids"] or [],
        "parent_id": parent_id,
        "content": content,
        "type": 2,
        "created_at": created,
        "updated_at": None,
    }
    if interaction is not None:
        note["interaction"] = interaction
    w.notes[note["id"]] = note
    ctx.state.emit("note.created", events.note(note))
    return json_response(v2_note(ctx, note, []), 201)


def _own(ctx: Ctx, note_id: int) -> dict[str, Any]:
    note = ctx.visible_note(note_id)
    if note["creator_id"] != ctx.user["person_id"]:
        raise ApiError(403, "Only the creator of a note can change or delete it")
    return note


def update_note(ctx: Ctx, note_id: int) -> Any:
    note = _own(ctx, note_id)
    body = json_object(ctx)
    only(body, ("content", *_ENTITY_ARRAYS))
    is_reply = note["parent_id"] is not None
    if is_reply and any(name in body for name in _ENTITY_ARRAYS):
        name = next(n for n in _ENTITY_ARRAYS if n in body)
        raise ApiError(400, "A reply has no persons, companies or opportunities", name)
    content = None
    if "content" in body:
        if note.get("mentioned_person_ids") or "note-mention" in note["content"]:
            raise ApiError(400, "The content of a note with @mentions cannot be updated", "content")
        content = _content(body)
    found = _entities(ctx, body)
    after = {key: note[key] if ids is None else ids for key, ids in found.items()}
    if not is_reply and not note.get("interaction") and not any(after.values()):
        raise ApiError(
            400,
            "A note must stay attached to at least one person, company or opportunity",
            next(n for n in _ENTITY_ARRAYS if n in body),
        )
    if content is not None:
        if note["type"] != 2:  # a plain-text note written through V1 becomes HTML
            note["type"] = 2
        note["content"] = content
    # Deals the caller cannot see stay attached: the caller never saw them to remove them.
    hidden = ctx.hidden_opportunity_ids(note["opportunity_ids"])
    for key, ids in found.items():
        if ids is not None:
            note[key] = (
                ids + [i for i in hidden if i not in ids] if key == "opportunity_ids" else ids
            )
    note["updated_at"] = datetime.now(UTC)
    ctx.state.emit("note.updated", events.note(note))
    return Response(status=204)


def delete_note(ctx: Ctx, note_id: int) -> Any:
    note = _own(ctx, note_id)
    notes = ctx.world.notes
    for reply in [n for n in notes.values() if n["parent_id"] == note_id]:
        del notes[reply["id"]]
    del notes[note_id]
    ctx.state.emit("note.deleted", events.note(note))
    return Response(status=204)


ROUTES = [
    ("/v2/notes", ["POST"], create_note),
    ("/v2/notes/<seg:note_id>", ["POST"], update_note),
    ("/v2/notes/<seg:note_id>", ["DELETE"], delete_note),
]
