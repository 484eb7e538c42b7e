"""Block constructors that cannot break Slack's limits: every text is clipped to its limit.

Builders compose these; they never build raw block dicts themselves.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from bot.blocks import limits
from bot.blocks.text import clip, escape_clip, one_line

Block = dict[str, Any]
Message = dict[str, Any]  # {"text": str, "blocks": [Block]}: pass as respond(**message)


def plain(text: str, limit: int) -> dict[str, Any]:
    return {"type": "plain_text", "text": clip(one_line(text) or " ", limit), "emoji": True}


def mrkdwn(text: str, limit: int = limits.SECTION_TEXT) -> dict[str, Any]:
    """A mrkdwn text object; `text` must already be escaped (this only guards the length)."""
    if len(text) > limit:
        text = text[: limit - 1] + "…"
    return {"type": "mrkdwn", "text": text or " "}


def header(text: str) -> Block:
    return {"type": "header", "text": plain(text, limits.HEADER_TEXT)}


def section(text: str, accessory: Block | None = None) -> Block:
    block: Block = {"type": "section", "text": mrkdwn(text)}
    if accessory:
        block["accessory"] = accessory
    return block


def fields(pairs: Iterable[tuple[str, str | None]]) -> Block | None:
    """A fields section from (label, escaped value) pairs; empty values skipped, at most 10."""
    items = [mrkdwn(f"*{label}*\n{value}", limits.FIELD_TEXT) for label, value in pairs if value]
    if not items:
        return None
    return {"type": "section", "fields": items[: limits.SECTION_FIELDS]}


def context(*texts: str) -> Block:
    return {
        "type": "context",
        "elements": [mrkdwn(t) for t in texts if t][: limits.CONTEXT_ELEMENTS] or [mrkdwn(" ")],
    }


def divider() -> Block:
    return {"type": "divider"}


def button(
    text: str,
    action_id: str,
    value: str | None = None,
    *,
    url: str | None = None,
    style: str | None = None,
    confirm: dict[str, Any] | None = None,
) -> Block:
    element: Block = {
        "type": "button",
        "text": plain(text, limits.BUTTON_TEXT),
        "action_id": action_id[: limits.ACTION_ID],
    }
    if value is not None:
        if len(value) > limits.BUTTON_VALUE:
            raise ValueError("button value over Slack's 2000 characters")
        element["value"] = value
    if url:
        element["url"] = url
    if style:
        element["style"] = style
    if confirm:
        element["confirm"] = confirm
    return element


def actions(elements: Sequence[Block], block_id: str | None = None) -> Block | None:
    if not elements:
        return None
    block: Block = {"type": "actions", "elements": list(elements)[: limits.ACTIONS_ELEMENTS]}
    if block_id:
        block["block_id"] = block_id
    return block


def confirm_dialog(title: str, text: str, confirm: str, deny: str = "Cancel") -> dict[str, Any]:
    return {
        "title": plain(title, 100),
        "text": plain(text, limits.CONFIRM_TEXT),
        "confirm": plain(confirm, 30),
        "deny": plain(deny, 30),
        "style": "danger",
    }


def message(
    fallback: str, blocks: Iterable[Block | None], max_blocks: int = limits.MESSAGE_BLOCKS
) -> Message:
    """A message dict; `None` blocks are dropped. Over `max_blocks` is a bug in the builder."""
    kept = [b for b in blocks if b]
    if len(kept) > max_blocks:
        raise ValueError(f"{len(kept)} blocks exceed Slack's limit of {max_blocks}")
    return {"text": escape_clip(one_line(fallback), limits.FALLBACK_TEXT), "blocks": kept}


def section_message(text: str) -> Message:
    """A message of one section, its notification text the same words. `text` is mrkdwn (user
    data in it already escaped), so the notification keeps its links and channel mentions
    instead of showing them escaped a second time."""
    return {"text": clip(one_line(text), limits.FALLBACK_TEXT), "blocks": [section(text)]}
