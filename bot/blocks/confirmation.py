"""The confirmation card for writes the assistant proposed: what will change, Approve / Cancel.

Built from a :class:`bot.agent.BatchView`. Each item shows the action in words, its targets by
name (from the proposal, or the caller's ``names`` map, else ``#id``), the full note text and
other inputs, and its state: buttons while pending; done (with the result summary), failed (with
the reason), outcome unknown, cancelled or expired once settled. Several pending items add
"Approve all" / "Cancel all". Within Slack's 50 blocks: above :data:`PER_ITEM_LIMIT` items the
card groups items into shared sections with only the batch-wide buttons.

Button values are ``"<batch id>:<item index>"``, or ``"<batch id>:*"`` for the batch-wide ones;
:func:`parse_action_value` reads them back.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from bot.agent.describe import verb
from bot.agent.proposals import (
    CANCELLED,
    DONE,
    EXPIRED,
    FAILED,
    PENDING,
    RUNNING,
    UNKNOWN,
    BatchView,
    ItemView,
)
from bot.blocks import kit, limits
from bot.blocks.text import Links, escape, escape_clip, one_line

APPROVE = "agent_approve"
CANCEL = "agent_cancel"
APPROVE_ALL = "agent_approve_all"
CANCEL_ALL = "agent_cancel_all"
ACTION_IDS = (APPROVE, CANCEL, APPROVE_ALL, CANCEL_ALL)

PER_ITEM_LIMIT = 12  # up to this many items, each gets its own blocks and buttons
TEXT_CHUNK = 2800
MAX_TEXT_SECTIONS = 3  # per item: a longer note is shown up to here, then the rest counted

_KIND_WORDS = {
    "person": "Person",
    "organization": "Company",
    "opportunity": "Deal",
    "list": "List",
    "note": "Reply to note",
}
_STATE_LINES = {
    RUNNING: ":hourglass_flowing_sand: Running…",
    DONE: ":white_check_mark: Done",
    FAILED: ":warning: Failed",
    UNKNOWN: ":grey_question: Outcome unknown — not retried; check in Affinity",
    CANCELLED: ":heavy_multiplication_x: Cancelled — nothing changed",
    EXPIRED: ":hourglass: Expired — nothing changed; ask again if you still want this",
}

NameOverrides = Mapping[tuple[str, int], str]


def action_value(batch_id: str, index: int | None) -> str:
    return f"{batch_id}:{'*' if index is None else index}"


def parse_action_value(value: str) -> tuple[str, int | None]:
    """``"abc:3"`` -> ``("abc", 3)``; ``"abc:*"`` -> ``("abc", None)``. ValueError if malformed."""
    batch_id, sep, index = (value or "").partition(":")
    if not sep or not batch_id:
        raise ValueError("not a proposal action value")
    return batch_id, None if index == "*" else int(index)


def confirmation_card(
    batch: BatchView, *, names: NameOverrides | None = None, links: Links | None = None
) -> kit.Message:
    """The card as ``{"text", "blocks"}``; rebuild it after every approve/cancel/expiry."""
    links = links or Links()
    names = names or {}
    pending = [i for i in batch.items if i.status == PENDING]
    count = len(batch.items)
    title = "Proposed change" if count == 1 else f"{count} proposed changes"
    blocks: list[kit.Block | None] = [
        kit.header(title),
        kit.context(
            "Nothing changes in Affinity until you approve." + (_expiry(batch) if pending else "")
        ),
    ]
    if count <= PER_ITEM_LIMIT:
        for item in batch.items:
            blocks += _item_blocks(batch, item, names, links)
    else:
        blocks += _grouped_blocks(batch, names, links)
    if len(pending) > 1 or (pending and count > PER_ITEM_LIMIT):
        blocks.append(
            kit.actions(
                [
                    kit.button(
                        f"Approve all {len(pending)}",
                        APPROVE_ALL,
                        action_value(batch.id, None),
                        style="primary",
                    ),
                    kit.button(
                        "Cancel all", CANCEL_ALL, action_value(batch.id, None), style="danger"
                    ),
                ],
                block_id=f"agent_all:{batch.id}",
            )
        )
    fallback = f"{title}: " + "; ".join(i.description for i in batch.items)
    return kit.message(fallback, blocks)


def _item_blocks(
    batch: BatchView, item: ItemView, names: NameOverrides, links: Links
) -> list[kit.Block | None]:
    number = f"{item.index + 1}. " if len(batch.items) > 1 else ""
    lines = [f"*{number}{escape(one_line(_verb(item)))}*"]
    lines += _target_lines(item, names, links)
    lines += [
        f"{escape(label)}: {escape_clip(one_line(value), 500)}"
        for label, value in item.details.get("fields") or []
    ]
    blocks: list[kit.Block | None] = [kit.section("\n".join(lines))]
    blocks += _text_sections(item.details.get("text"))
    if item.status == PENDING:
        blocks.append(
            kit.actions(
                [
                    kit.button(
                        "Approve", APPROVE, action_value(batch.id, item.index), style="primary"
                    ),
                    kit.button("Cancel", CANCEL, action_value(batch.id, item.index)),
                ],
                block_id=f"agent_item:{batch.id}:{item.index}",
            )
        )
    else:
        blocks.append(kit.context(_state_line(item)))
    return blocks


def _grouped_blocks(batch: BatchView, names: NameOverrides, links: Links) -> list[kit.Block | None]:
    """Many items: compact lines packed into sections (each under Slack's 3000 characters)."""
    budget = limits.MESSAGE_BLOCKS - 4
    sections: list[str] = []
    current = ""
    for item in batch.items:
        targets = "; ".join(_target_lines(item, names, links))
        text = item.details.get("text")
        note = f"\n> {escape_clip(one_line(text), 600)}" if text else ""
        state = "" if item.status == PENDING else f"\n{_state_line(item)}"
        line = f"*{item.index + 1}. {escape(one_line(_verb(item)))}* {targets}{note}{state}"
        line = line[: limits.SECTION_TEXT - 10]
        if current and len(current) + len(line) + 2 > limits.SECTION_TEXT - 10:
            sections.append(current)
            current = ""
        current = f"{current}\n\n{line}" if current else line
    if current:
        sections.append(current)
    if len(sections) > budget:
        hidden = len(sections) - budget + 1
        sections = [*sections[: budget - 1], f"_…and {hidden} more groups of changes._"]
    return [kit.section(s) for s in sections]


def _expiry(batch: BatchView) -> str:
    stamp = int(batch.expires_at.timestamp())
    fallback = batch.expires_at.strftime("%H:%M UTC")
    return f" Expires at <!date^{stamp}^{{time}}|{fallback}>."


def _verb(item: ItemView) -> str:
    return verb(item.tool)


def _target_lines(item: ItemView, names: NameOverrides, links: Links) -> list[str]:
    lines = []
    for target in item.details.get("targets") or []:
        kind, ident = target.get("kind"), target.get("id")
        label = target.get("name") or names.get((kind, ident)) or f"#{ident}"
        shown = (
            links.link(kind, ident, label)
            if kind in ("person", "organization", "opportunity", "list")
            else escape(label)
        )
        deal_list = target.get("list_name")
        suffix = f" — {escape(deal_list)}" if deal_list else ""
        lines.append(f"{_KIND_WORDS.get(kind, escape(str(kind)))}: {shown}{suffix}")
    return lines


def _text_sections(text: Any) -> list[kit.Block | None]:
    if not text:
        return []
    quoted = "\n".join(f">{line}" for line in escape(str(text)).split("\n"))
    chunks = [quoted[i : i + TEXT_CHUNK] for i in range(0, len(quoted), TEXT_CHUNK)]
    chunks = [c if c.startswith(">") else ">" + c for c in chunks]
    blocks: list[kit.Block | None] = [kit.section(c) for c in chunks[:MAX_TEXT_SECTIONS]]
    if len(chunks) > MAX_TEXT_SECTIONS:
        rest = len(quoted) - TEXT_CHUNK * MAX_TEXT_SECTIONS
        blocks.append(kit.context(f"…and about {rest} more characters of note text."))
    return blocks


def _state_line(item: ItemView) -> str:
    line = _STATE_LINES.get(item.status, escape(item.status))
    detail = item.result_summary if item.status == DONE else item.error
    if detail and item.status in (DONE, FAILED, UNKNOWN):
        line += f" — {escape_clip(one_line(detail), 500)}"
    return line
