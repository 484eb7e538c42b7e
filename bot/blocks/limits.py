"""Slack's Block Kit limits, and a checker used by the tests and available to listeners."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

MESSAGE_BLOCKS = 50
VIEW_BLOCKS = 100
SECTION_TEXT = 3000
SECTION_FIELDS = 10
FIELD_TEXT = 2000
HEADER_TEXT = 150
ACTIONS_ELEMENTS = 25
CONTEXT_ELEMENTS = 10
BUTTON_TEXT = 75
BUTTON_VALUE = 2000
BUTTON_URL = 3000
ACTION_ID = 255
FALLBACK_TEXT = 3000  # our own budget; Slack truncates `text` only above 40,000
MODAL_TITLE = 24
PRIVATE_METADATA = 3000
INPUT_LABEL = 2000
CONFIRM_TEXT = 300


def _text(obj: Mapping[str, Any] | None) -> str:
    return str((obj or {}).get("text", ""))


def _element_problems(element: Mapping[str, Any], where: str) -> Iterator[str]:
    if element.get("type") == "button":
        if len(_text(element.get("text"))) > BUTTON_TEXT:
            yield f"{where}: button text over {BUTTON_TEXT}"
        if len(str(element.get("value", ""))) > BUTTON_VALUE:
            yield f"{where}: button value over {BUTTON_VALUE}"
        if len(str(element.get("url", ""))) > BUTTON_URL:
            yield f"{where}: button url over {BUTTON_URL}"
    if len(str(element.get("action_id", ""))) > ACTION_ID:
        yield f"{where}: action_id over {ACTION_ID}"


def block_problems(block: Mapping[str, Any], where: str) -> Iterator[str]:
    kind = block.get("type")
    if kind == "header" and len(_text(block.get("text"))) > HEADER_TEXT:
        yield f"{where}: header over {HEADER_TEXT}"
    if kind == "section":
        if not block.get("text") and not block.get("fields"):
            yield f"{where}: section without text or fields"
        if len(_text(block.get("text"))) > SECTION_TEXT:
            yield f"{where}: section text over {SECTION_TEXT}"
        fields = block.get("fields") or []
        if len(fields) > SECTION_FIELDS:
            yield f"{where}: more than {SECTION_FIELDS} fields"
        for field in fields:
            if len(_text(field)) > FIELD_TEXT:
                yield f"{where}: field over {FIELD_TEXT}"
        if block.get("accessory"):
            yield from _element_problems(block["accessory"], where)
    if kind == "actions":
        elements = block.get("elements") or []
        if len(elements) > ACTIONS_ELEMENTS:
            yield f"{where}: more than {ACTIONS_ELEMENTS} elements"
        ids = [e.get("action_id") for e in elements]
        if len(ids) != len(set(ids)):
            yield f"{where}: duplicate action_id in one block"
        for element in elements:
            yield from _element_problems(element, where)
    if kind == "context":
        elements = block.get("elements") or []
        if not elements or len(elements) > CONTEXT_ELEMENTS:
            yield f"{where}: context needs 1..{CONTEXT_ELEMENTS} elements"
        for element in elements:
            if len(_text(element)) > SECTION_TEXT:
                yield f"{where}: context text over {SECTION_TEXT}"
    if kind == "input" and len(_text(block.get("label"))) > INPUT_LABEL:
        yield f"{where}: input label over {INPUT_LABEL}"


def problems(payload: Mapping[str, Any]) -> list[str]:
    """Every Slack limit a message (`{"text", "blocks"}`) or view (`{"type", "blocks"}`) breaks."""
    found: list[str] = []
    blocks = payload.get("blocks") or []
    is_view = payload.get("type") in {"modal", "home"}
    limit = VIEW_BLOCKS if is_view else MESSAGE_BLOCKS
    if len(blocks) > limit:
        found.append(f"{len(blocks)} blocks (limit {limit})")
    if not is_view:
        text = str(payload.get("text") or "")
        if not text.strip():
            found.append("missing text fallback")
        if len(text) > FALLBACK_TEXT:
            found.append(f"text fallback over {FALLBACK_TEXT}")
    if payload.get("type") == "modal":
        for key in ("title", "submit", "close"):
            if len(_text(payload.get(key))) > MODAL_TITLE:
                found.append(f"modal {key} over {MODAL_TITLE}")
        if len(str(payload.get("private_metadata", ""))) > PRIVATE_METADATA:
            found.append("private_metadata too long")
    for index, block in enumerate(blocks):
        found.extend(block_problems(block, f"block {index} ({block.get('type')})"))
    return found
