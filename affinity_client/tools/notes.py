"""Note tools: log a note on people, organizations or deals, and read notes back."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

from ..errors import AffinityError, PermissionDeniedError, ToolInputError, deal_list_denied
from ..normalize import html_to_text, looks_like_html, user_ref, v1_note_text, v1_note_type
from ..note_html import NoteHtmlError, note_html
from ..pagination import decode_page_token, encode_page_token, page_token_version
from .base import PAGE_TOKEN, SKIP, Tool, exactly_one, id_list, id_prop, obj, page_size
from .common import user_refs
from .results import (
    CreatedNote,
    DeletedNote,
    ListNotesResult,
    Note,
    NoteAttachments,
    UpdatedNote,
    UserRef,
)

if TYPE_CHECKING:
    from ..client import AffinityClient

CREATE = "affinity_create_note"
LIST = "affinity_list_notes"
UPDATE = "affinity_update_note"
DELETE = "affinity_delete_note"
MAX_CONTENT = 100_000
TARGETS = ("person_ids", "organization_ids", "opportunity_ids")
V2_TARGETS = {
    "person_ids": "persons",
    "organization_ids": "companies",
    "opportunity_ids": "opportunities",
}
PREVIEWS = {
    "person_ids": "personsPreview",
    "organization_ids": "companiesPreview",
    "opportunity_ids": "opportunitiesPreview",
}


def note_row(note: dict[str, Any], creators: dict[int, UserRef | None]) -> Note:
    creator_id = note.get("creator_id")
    creator = creators.get(creator_id) if creator_id else None
    if creator is None and creator_id:
        creator = {"id": creator_id, "name": None}
    return {
        "id": note["id"],
        "content": v1_note_text(note.get("content"), note.get("type")),
        "type": v1_note_type(note.get("type")),
        "creator": creator,
        "created_at": note.get("created_at"),
    }


def _creators(client: AffinityClient, notes: list[dict[str, Any]]) -> dict[int, UserRef | None]:
    try:
        return user_refs(client, [n["creator_id"] for n in notes if n.get("creator_id")])
    except AffinityError:
        return {}  # names are a nicety: the notes themselves are the answer


def v2_note_row(note: dict[str, Any]) -> Note:
    """``Note`` from a V2 note (its creator's name comes with it: no extra read)."""
    creator = note.get("creator")
    kind = note.get("type")
    return {
        "id": note["id"],
        "content": html_to_text((note.get("content") or {}).get("html")),
        "type": "ai-notetaker" if kind in ("ai-notetaker", "ai-notetaker-reply") else "html",
        "creator": user_ref(creator) if creator else None,
        "created_at": note.get("createdAt"),
    }


def _content_html(tool: str, inp: dict[str, Any]) -> str:
    content = inp["content"]
    if not content.strip():
        raise ToolInputError(
            "content must not be empty or only whitespace.", field="content", tool=tool
        )
    fmt = inp.get("format") or ("html" if looks_like_html(content) else "text")
    try:
        return note_html(content, fmt)
    except NoteHtmlError as exc:
        raise ToolInputError(str(exc), field="content", tool=tool) from None


def _refs(ids: list[int]) -> list[dict[str, int]]:
    return [{"id": i} for i in ids]


def create_note(client: AffinityClient, inp: dict[str, Any]) -> CreatedNote:
    """One ``POST /v2/notes``: the answer carries the creator's name, so nothing else is read."""
    if not any(inp.get(k) for k in TARGETS):
        raise ToolInputError(
            "Attach the note to at least one of person_ids, organization_ids or opportunity_ids.",
            field="person_ids",
            tool=CREATE,
        )
    body: dict[str, Any] = {"type": "entities", "content": {"html": _content_html(CREATE, inp)}}
    for key, name in V2_TARGETS.items():
        if inp.get(key):
            body[name] = _refs(inp[key])
    try:
        note = client.post("/v2/notes", body, operation="create note")
    except PermissionDeniedError as exc:
        if not inp.get("opportunity_ids"):
            raise
        # The deals are what a note write can lack access to (through their lists).
        raise deal_list_denied(inp["opportunity_ids"], cause=exc) from None
    return _with_ids(v2_note_row(note), {k: list(inp.get(k) or []) for k in TARGETS})


def _read_v2_note(client: AffinityClient, note_id: int) -> dict[str, Any]:
    return cast(
        dict[str, Any],
        client.get(
            f"/v2/notes/{note_id}",
            {"includes": ["personsPreview", "companiesPreview", "opportunitiesPreview"]},
            resource=f"note {note_id}",
        ),
    )


def read_note(client: AffinityClient, note_id: int) -> Note:
    """One note as the notes tools give it (one V2 read): what a question about deleting it
    shows, and a note that does not exist is a `NotFoundError` before anything is asked."""
    return v2_note_row(_read_v2_note(client, note_id))


def _attached(note: dict[str, Any]) -> dict[str, list[int]]:
    return {
        key: [item["id"] for item in (note.get(preview) or {}).get("data") or []]
        for key, preview in PREVIEWS.items()
    }


def _with_ids(row: Note, ids: dict[str, list[int]]) -> CreatedNote:
    return {
        **row,
        "person_ids": ids["person_ids"],
        "organization_ids": ids["organization_ids"],
        "opportunity_ids": ids["opportunity_ids"],
    }


def update_note(client: AffinityClient, inp: dict[str, Any]) -> UpdatedNote:
    """Read the note (what it was), then one ``POST /v2/notes/{id}`` with what changes.

    A list left out keeps its records, ``[]`` detaches them all, a list replaces them.
    """
    note_id = inp["note_id"]
    body: dict[str, Any] = {}
    if "content" in inp:
        body["content"] = {"html": _content_html(UPDATE, inp)}
    for key, name in V2_TARGETS.items():
        if key in inp:
            body[name] = _refs(inp[key])
    if not body:
        raise ToolInputError(
            "Give the new content or the person_ids, organization_ids or opportunity_ids to set.",
            field="content",
            tool=UPDATE,
        )
    before = _read_v2_note(client, note_id)
    was = _attached(before)
    client.post(f"/v2/notes/{note_id}", body, resource=f"note {note_id}", operation="update note")
    row = v2_note_row(before)
    after = {key: list(inp[key]) if key in inp else ids for key, ids in was.items()}
    if "content" in body:
        row["content"] = html_to_text(body["content"]["html"])
    previous: NoteAttachments = {
        "content": v2_note_row(before)["content"],
        "person_ids": was["person_ids"],
        "organization_ids": was["organization_ids"],
        "opportunity_ids": was["opportunity_ids"],
    }
    return {**_with_ids(row, after), "previous": previous}


def delete_note(client: AffinityClient, inp: dict[str, Any]) -> DeletedNote:
    """Read the note (so the answer says what went), then ``DELETE /v2/notes/{id}``; its
    replies go with it."""
    note_id = inp["note_id"]
    before = _read_v2_note(client, note_id)
    client.request(
        "DELETE", f"/v2/notes/{note_id}", resource=f"note {note_id}", operation="delete note"
    )
    return {"deleted": True, "note": _with_ids(v2_note_row(before), _attached(before))}


V2_NOTES = {
    "person_id": "/v2/persons/{}/notes",
    "organization_id": "/v2/companies/{}/notes",
    "opportunity_id": "/v2/opportunities/{}/notes",
}
V2_NOTES_PAGE = 100  # the V2 maximum


def list_notes(client: AffinityClient, inp: dict[str, Any]) -> ListNotesResult:
    """One V2 request a page (``GET /v2/{persons|companies|opportunities}/{id}/notes``), whose
    notes name their creators; a page token from the V1 read (``GET /notes`` and a batch of
    creators' names) continues through V1."""
    target = exactly_one(LIST, inp, ("person_id", "organization_id", "opportunity_id"))
    record_id = inp[target]
    token = inp.get("page_token")
    v2_path = V2_NOTES[target].format(record_id)
    try:
        if token and page_token_version(token) == "v1":
            return _list_notes_v1(client, inp, target)
        cursor = decode_page_token(token, LIST, inp, path=v2_path)
        page = client.page(
            v2_path,
            {"limit": min(inp["page_size"], V2_NOTES_PAGE)},
            cursor=cursor,
            resource=f"{target.removesuffix('_id')} {record_id}",
        )
    except PermissionDeniedError as exc:
        if target != "opportunity_id":
            raise
        raise deal_list_denied([record_id], cause=exc) from None
    return {
        "notes": [v2_note_row(n) for n in page.items],
        "next_page_token": encode_page_token(page.next, LIST, inp),
    }


def _list_notes_v1(client: AffinityClient, inp: dict[str, Any], target: str) -> ListNotesResult:
    cursor = decode_page_token(inp.get("page_token"), LIST, inp, path="/notes")
    page = client.page(
        "/notes",
        {target: inp[target], "page_size": inp["page_size"]},
        items_key="notes",
        cursor=cursor,
        resource=f"{target.removesuffix('_id')} {inp[target]}",
    )
    creators = _creators(client, page.items) if page.items else {}
    return {
        "notes": [note_row(n, creators) for n in page.items],
        "next_page_token": encode_page_token(page.next, LIST, inp),
    }


TOOLS = [
    Tool(
        name=CREATE,
        description=(
            "Log a note in Affinity attached to people, organizations and/or deals (at least "
            "one id in person_ids, organization_ids or opportunity_ids; get ids from the search "
            "tools and affinity_list_opportunities). content is plain text or simple HTML "
            "(<p>, <br>, <strong>, <em>, <u>, <ul>/<ol>/<li>, <a href>); format is detected "
            "unless given. Other HTML tags are refused before anything is written."
        ),
        input_schema=obj(
            {
                "content": {
                    "type": "string",
                    "minLength": 1,
                    "maxLength": MAX_CONTENT,
                    "description": "The note text (plain text or HTML).",
                },
                "person_ids": id_list("People the note is about."),
                "organization_ids": id_list("Organizations the note is about."),
                "opportunity_ids": id_list("Deals the note is about."),
                "format": {
                    "type": "string",
                    "enum": ["text", "html"],
                    "description": "Force plain text or HTML (default: detected).",
                },
            },
            required=["content"],
        ),
        writes=True,
        function=create_note,
    ),
    Tool(
        name=LIST,
        description=(
            "Notes on exactly one person (person_id), organization (organization_id: its own "
            "notes and those on its people) or deal (opportunity_id), 20 per page by default "
            "(at most 100), each with plain-text content, type, creator name and creation "
            "date, plus a next_page_token. Replies are not listed. Get ids from "
            "affinity_search_persons, affinity_search_organizations or "
            "affinity_list_opportunities."
        ),
        input_schema=obj(
            {
                "person_id": id_prop("Person whose notes to list."),
                "organization_id": id_prop("Organization whose notes to list."),
                "opportunity_id": id_prop("Deal whose notes to list."),
                "page_size": page_size(V2_NOTES_PAGE, 20),
                "page_token": PAGE_TOKEN,
                "skip": SKIP,
            }
        ),
        writes=False,
        function=list_notes,
        page_items="notes",
    ),
    Tool(
        name=UPDATE,
        description=(
            "Change a note you wrote: its content and/or the people, organizations and deals it "
            "is attached to. A list left out stays as it is, an empty list detaches all of that "
            "kind, a list replaces them. Notes with @mentions cannot have their content changed, "
            "and only a note's creator may change it. Returns the note after the change and "
            "'previous' (content and attachments before). Get note ids from affinity_list_notes."
        ),
        input_schema=obj(
            {
                "note_id": id_prop("The note to change."),
                "content": {
                    "type": "string",
                    "minLength": 1,
                    "maxLength": MAX_CONTENT,
                    "description": "The new text (plain text or simple HTML); omit to keep it.",
                },
                "format": {
                    "type": "string",
                    "enum": ["text", "html"],
                    "description": "Force plain text or HTML (default: detected).",
                },
                "person_ids": {**id_list("People to attach instead ([] detaches all).")},
                "organization_ids": {
                    **id_list("Organizations to attach instead ([] detaches all).")
                },
                "opportunity_ids": {**id_list("Deals to attach instead ([] detaches all).")},
            },
            required=["note_id"],
        ),
        writes=True,
        function=update_note,
    ),
    Tool(
        name=DELETE,
        description=(
            "Delete a note you wrote, with its replies. Only a note's creator may delete it; "
            "this cannot be undone. Returns the deleted note (content and attachments)."
        ),
        input_schema=obj({"note_id": id_prop("The note to delete.")}, required=["note_id"]),
        writes=True,
        function=delete_note,
    ),
]
