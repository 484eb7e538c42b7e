"""Notes list (creator, date, excerpt) and the "note saved" confirmation."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from bot.blocks import kit
from bot.blocks.paging import RenderContext, footer
from bot.blocks.text import escape_clip, format_date, one_line

EXCERPT = 600
MAX_NOTES = 40  # of the 50 blocks: header, context, notes, "more" line, actions
TYPE_LABELS = {"email": "email", "html": "note", "text": "note", "ai-notetaker": "AI notes"}


def note_section(note: Mapping[str, Any]) -> kit.Block:
    creator = one_line((note.get("creator") or {}).get("name")) or "Someone"
    meta = [f"*{escape_clip(creator, 100)}*"]
    if when := format_date(note.get("created_at")):
        meta.append(when)
    meta.append(TYPE_LABELS.get(str(note.get("type")), "note"))
    excerpt = escape_clip(one_line(note.get("content")), EXCERPT) or "_(empty)_"
    return kit.section(" · ".join(meta) + "\n>" + excerpt)


def notes_list(result: Mapping[str, Any], ctx: RenderContext, title: str = "Notes") -> kit.Message:
    """`affinity_list_notes` -> one section per note, newest as Affinity ordered them."""
    notes = result.get("notes") or []
    blocks: list[kit.Block | None] = [kit.header(title)]
    blocks += [note_section(n) for n in notes[:MAX_NOTES]]
    if len(notes) > MAX_NOTES:
        blocks.append(kit.context(f"…and {len(notes) - MAX_NOTES} more notes on this page."))
    if not notes:
        blocks.append(kit.section("No notes yet."))
    blocks.append(
        kit.context("Long notes are shortened here; open them in Affinity to read all of it.")
        if any(len(one_line(n.get("content"))) > EXCERPT for n in notes)
        else None
    )
    blocks += footer(ctx, page_token=result.get("next_page_token"))
    return kit.message(f"{title}: {len(notes)} note{'s' if len(notes) != 1 else ''}", blocks)


def note_created(note: Mapping[str, Any], ctx: RenderContext) -> kit.Message:
    """`affinity_create_note` -> confirmation with the saved text."""
    return kit.message(
        "Note saved in Affinity",
        [
            kit.section(":white_check_mark: Note saved in Affinity."),
            note_section(note),
        ],
    )


def note_updated(result: Mapping[str, Any], ctx: RenderContext) -> kit.Message:
    """`affinity_update_note` -> the text before and after."""
    before = (result.get("previous") or {}).get("content")
    blocks: list[kit.Block | None] = [kit.section(":pencil2: Note updated in Affinity.")]
    if before is not None and before != result.get("content"):
        blocks.append(
            kit.section("*Before*\n>" + (escape_clip(one_line(before), EXCERPT) or "_(empty)_"))
        )
    blocks.append(note_section(result))
    return kit.message("Note updated in Affinity", blocks)


def note_deleted(result: Mapping[str, Any], ctx: RenderContext) -> kit.Message:
    """`affinity_delete_note` -> what was deleted."""
    note = result.get("note") or {}
    return kit.message(
        f"Note #{note.get('id')} deleted",
        [
            kit.section(f":wastebasket: Note #{note.get('id')} deleted from Affinity."),
            note_section(note),
        ],
    )
