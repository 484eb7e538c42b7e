"""The note form of "Log to Affinity" and "New Affinity note", in Block Kit.

The text input's block id names its source (`note_text:message` or `note_text:thread`): a new
block id is what makes Slack show a new initial value when the thread toggle swaps the text.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from bot.blocks import kit, limits
from bot.features.shortcuts.records import Record

LOG_MESSAGE = "affinity_log_message"  # message shortcut callback_id
NEW_NOTE = "affinity_new_note"  # global shortcut callback_id
NOTE_MODAL = "affinity_note_modal"  # view callback_id
TEXT_BLOCK = "note_text"
TEXT_ACTION = "note_text_input"
RECORDS_BLOCK = "note_records"
RECORDS_ACTION = "note_records_select"
THREAD_TOGGLE = "note_whole_thread"
SUMMARISE_BLOCK = "note_summarise"
SUMMARISE_ACTION = "note_summarise_choice"
MAX_TEXT = 3000  # a plain_text_input holds at most 3,000 characters


@dataclass(frozen=True)
class NoteForm:
    draft_id: str
    text: str
    source: str = "message"  # "message" | "thread" | "blank" (the global shortcut)
    has_thread: bool = False
    records: Sequence[Record] = ()
    can_summarise: bool = False
    clipped: bool = False  # the text was longer than the input holds


def metadata(form: NoteForm) -> str:
    return json.dumps({"draft": form.draft_id, "source": form.source}, separators=(",", ":"))


def read_metadata(view: dict[str, Any]) -> dict[str, Any]:
    try:
        data = json.loads(view.get("private_metadata") or "{}")
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def waiting_view(title: str = "Log to Affinity") -> dict[str, Any]:
    """Shown at once (the trigger lasts 3 s) while the form is prepared."""
    return {
        "type": "modal",
        "callback_id": NOTE_MODAL,
        "title": kit.plain(title, limits.MODAL_TITLE),
        "close": kit.plain("Cancel", limits.MODAL_TITLE),
        "blocks": [kit.context(":hourglass_flowing_sand: Reading the message…")],
    }


def note_modal(form: NoteForm) -> dict[str, Any]:
    blocks: list[dict[str, Any]] = [
        {
            "type": "input",
            "block_id": f"{TEXT_BLOCK}:{form.source}",
            "label": kit.plain("Note", limits.INPUT_LABEL),
            "element": {
                "type": "plain_text_input",
                "action_id": TEXT_ACTION,
                "multiline": True,
                "max_length": MAX_TEXT,
                **({"initial_value": form.text[:MAX_TEXT]} if form.text else {}),
            },
            **(
                {"hint": kit.plain("Shortened to fit: edit before saving.", limits.INPUT_LABEL)}
                if form.clipped
                else {}
            ),
        }
    ]
    if form.has_thread:
        blocks.append(
            {
                "type": "actions",
                "block_id": "note_source",
                "elements": [
                    {
                        "type": "checkboxes",
                        "action_id": THREAD_TOGGLE,
                        "options": [_option("Use the whole thread", "thread")],
                        **(
                            {"initial_options": [_option("Use the whole thread", "thread")]}
                            if form.source == "thread"
                            else {}
                        ),
                    }
                ],
            }
        )
    records = {
        "type": "multi_external_select",
        "action_id": RECORDS_ACTION,
        "min_query_length": 2,
        "placeholder": kit.plain("Search people, organizations, deals", 150),
    }
    if form.records:
        records["initial_options"] = [r.option() for r in form.records]
    blocks.append(
        {
            "type": "input",
            "block_id": RECORDS_BLOCK,
            "label": kit.plain("Log it on", limits.INPUT_LABEL),
            "hint": kit.plain(
                "Searched with your own Affinity account. The note goes on every record chosen.",
                limits.INPUT_LABEL,
            ),
            "element": records,
        }
    )
    if form.can_summarise:
        blocks.append(
            {
                "type": "input",
                "block_id": SUMMARISE_BLOCK,
                "optional": True,
                "label": kit.plain("Summary", limits.INPUT_LABEL),
                "element": {
                    "type": "checkboxes",
                    "action_id": SUMMARISE_ACTION,
                    "options": [_option("Summarise the text with Claude before saving", "yes")],
                },
            }
        )
    blocks.append(kit.context("A link back to the Slack message is added at the end."))
    return {
        "type": "modal",
        "callback_id": NOTE_MODAL,
        "title": kit.plain("Log to Affinity", limits.MODAL_TITLE),
        "submit": kit.plain("Save note", limits.MODAL_TITLE),
        "close": kit.plain("Cancel", limits.MODAL_TITLE),
        "private_metadata": metadata(form),
        "blocks": blocks,
    }


def gone_view(text: str) -> dict[str, Any]:
    return {
        "type": "modal",
        "callback_id": NOTE_MODAL,
        "title": kit.plain("Log to Affinity", limits.MODAL_TITLE),
        "close": kit.plain("Close", limits.MODAL_TITLE),
        "blocks": [kit.section(text)],
    }


def _option(text: str, value: str) -> dict[str, Any]:
    return {"text": {"type": "plain_text", "text": text}, "value": value}


# -- reading a submission --------------------------------------------------------------------


def submitted_text(values: dict[str, Any]) -> tuple[str | None, str]:
    """(block id, text) of the note input, whichever source it shows."""
    for block_id, block in values.items():
        if block_id.startswith(TEXT_BLOCK + ":"):
            return block_id, str((block.get(TEXT_ACTION) or {}).get("value") or "")
    return None, ""


def submitted_records(values: dict[str, Any]) -> list[dict[str, Any]]:
    field = (values.get(RECORDS_BLOCK) or {}).get(RECORDS_ACTION) or {}
    return list(field.get("selected_options") or [])


def wants_summary(values: dict[str, Any]) -> bool:
    field = (values.get(SUMMARISE_BLOCK) or {}).get(SUMMARISE_ACTION) or {}
    return any(o.get("value") == "yes" for o in field.get("selected_options") or [])
