"""Note tools: log a note on people, organizations or deals, and read notes back."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..errors import AffinityError, PermissionDeniedError, ToolInputError, deal_list_denied
from ..normalize import looks_like_html, v1_note_text, v1_note_type
from ..pagination import decode_page_token, encode_page_token
from .base import PAGE_TOKEN, SKIP, Tool, exactly_one, id_list, id_prop, obj, page_size
from .common import user_refs
from .results import CreatedNote, ListNotesResult, Note, UserRef

if TYPE_CHECKING:
    from ..client import AffinityClient

CREATE = "affinity_create_note"
LIST = "affinity_list_notes"
MAX_CONTENT = 100_000
TARGETS = ("person_ids", "organization_ids", "opportunity_ids")


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


def create_note(client: AffinityClient, inp: dict[str, Any]) -> CreatedNote:
    content = inp["content"]
    if not content.strip():
        raise ToolInputError(
            "content must not be empty or only whitespace.", field="content", tool=CREATE
        )
    if not any(inp.get(k) for k in TARGETS):
        raise ToolInputError(
            "Attach the note to at least one of person_ids, organization_ids or opportunity_ids.",
            field="person_ids",
            tool=CREATE,
        )
    fmt = inp.get("format") or ("html" if looks_like_html(content) else "text")
    body = {
        "content": content.strip(),
        "type": 2 if fmt == "html" else 0,
        **{k: inp[k] for k in TARGETS if inp.get(k)},
    }
    try:
        note = client.post("/notes", body, operation="create note")
    except PermissionDeniedError as exc:
        if not inp.get("opportunity_ids"):
            raise
        # The deals are what a note write can lack access to (through their lists).
        raise deal_list_denied(inp["opportunity_ids"], cause=exc) from None
    return {
        **note_row(note, _creators(client, [note])),
        "person_ids": note.get("person_ids") or [],
        "organization_ids": note.get("organization_ids") or [],
        "opportunity_ids": note.get("opportunity_ids") or [],
    }


def list_notes(client: AffinityClient, inp: dict[str, Any]) -> ListNotesResult:
    target = exactly_one(LIST, inp, ("person_id", "organization_id", "opportunity_id"))
    cursor = decode_page_token(inp.get("page_token"), LIST, inp, path="/notes")
    try:
        page = client.page(
            "/notes",
            {target: inp[target], "page_size": inp["page_size"]},
            items_key="notes",
            cursor=cursor,
            resource=f"{target.removesuffix('_id')} {inp[target]}",
        )
    except PermissionDeniedError as exc:
        if target != "opportunity_id":
            raise
        raise deal_list_denied([inp[target]], cause=exc) from None
    if not page.items and cursor is None:
        _confirm_exists(client, target, inp[target])
    creators = _creators(client, page.items) if page.items else {}
    return {
        "notes": [note_row(n, creators) for n in page.items],
        "next_page_token": encode_page_token(page.next, LIST, inp),
    }


_RECORD_PATHS = {
    "person_id": "persons",
    "organization_id": "organizations",
    "opportunity_id": "opportunities",
}


def _confirm_exists(client: AffinityClient, target: str, record_id: int) -> None:
    """Raise NotFoundError when a record without notes does not exist at all.

    Affinity lists no notes for an id that names nothing, so "no notes yet" and "no such deal"
    look alike; one read of the record, made only when the list is empty, tells them apart.
    """
    client.get(
        f"/{_RECORD_PATHS[target]}/{record_id}",
        resource=f"{target.removesuffix('_id')} {record_id}",
    )


TOOLS = [
    Tool(
        name=CREATE,
        description=(
            "Log a note in Affinity attached to people, organizations and/or deals (at least "
            "one id in person_ids, organization_ids or opportunity_ids; get ids from the search "
            "tools and affinity_list_opportunities). content is plain text or simple HTML "
            "(<p>, <strong>, <em>, <ul>/<li>); format is detected unless given."
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
            "Notes on exactly one person (person_id), organization (organization_id) or deal "
            "(opportunity_id), 20 per page by default, each with plain-text content, type, "
            "creator name and creation date, plus a next_page_token. Get ids from "
            "affinity_search_persons, affinity_search_organizations or "
            "affinity_list_opportunities."
        ),
        input_schema=obj(
            {
                "person_id": id_prop("Person whose notes to list."),
                "organization_id": id_prop("Organization whose notes to list."),
                "opportunity_id": id_prop("Deal whose notes to list."),
                "page_size": page_size(500, 20),
                "page_token": PAGE_TOKEN,
                "skip": SKIP,
            }
        ),
        writes=False,
        function=list_notes,
        page_items="notes",
    ),
]
