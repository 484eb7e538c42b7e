"""What an Approve or Cancel click did, as one thread message."""

from __future__ import annotations

from collections import Counter

from bot.agent import ActionResult, ItemView
from bot.agent.proposals import CANCELLED, DONE, EXPIRED, FAILED, RUNNING, UNKNOWN
from bot.blocks.text import escape_clip, one_line
from bot.features.conversation.mrkdwn import MESSAGE_TEXT_LIMIT

_STATES = {
    DONE: ":white_check_mark: done",
    FAILED: ":warning: failed",
    UNKNOWN: ":grey_question: outcome unknown (not retried; check in Affinity)",
    CANCELLED: ":heavy_multiplication_x: cancelled",
}
_WORDS = {DONE: "done", FAILED: "failed", UNKNOWN: "outcome unknown", CANCELLED: "cancelled"}

_ALREADY = {
    DONE: ":white_check_mark: done",
    RUNNING: ":hourglass_flowing_sand: in progress (being made now)",
    FAILED: ":warning: already tried, and it failed (ask me again to retry)",
    UNKNOWN: ":grey_question: already tried, outcome unknown (check Affinity before asking again)",
    CANCELLED: ":heavy_multiplication_x: cancelled",
    EXPIRED: ":hourglass: expired",
}

EXPIRED_TEXT = (
    "These proposed changes expired, so nothing was changed. Ask me again if you still want them."
)
CANCELLED_TEXT = "These proposed changes were cancelled; nothing was changed."
IN_PROGRESS_TEXT = (
    "In progress: your first click is making these changes right now; they will not be made twice."
)


def outcome_text(result: ActionResult) -> str:
    """`Approved: 8 done.` plus one line per item this click acted on."""
    assert result.batch is not None
    items = [result.batch.items[i] for i in result.acted]
    counts = Counter(item.status for item in items)
    summary = ", ".join(
        f"{counts[s]} {_WORDS[s]}" for s in (DONE, FAILED, UNKNOWN, CANCELLED) if counts[s]
    )
    if set(counts) == {CANCELLED}:
        head = f"Cancelled {_changes(len(items))}; nothing was changed in Affinity."
    else:
        head = f"Approved {_changes(len(items))}: {summary}."
    return _with_items(head, items, _STATES)


def nothing_done_text(result: ActionResult) -> str:
    """A click that found nothing to do (a second click, from whatever message or process):
    expired, cancelled, in progress, or already handled — then with each item's outcome."""
    states = set(result.skipped.values())
    if states == {EXPIRED}:
        return EXPIRED_TEXT
    if states == {CANCELLED}:
        return CANCELLED_TEXT
    if states == {RUNNING}:
        return IN_PROGRESS_TEXT
    if result.refused or not states or result.batch is None:
        return result.message or "Nothing to do."
    items = [result.batch.items[i] for i in sorted(result.skipped)]
    head = (
        "Already done; this click changed nothing:"
        if states == {DONE}
        else "Nothing left to do; this click changed nothing:"
    )
    return _with_items(head, items, _ALREADY)


def _with_items(head: str, items: list[ItemView], words: dict[str, str]) -> str:
    """`head`, then one line per item: what it was, its state, the result or the reason."""
    lines = [head]
    for item in items:
        detail = item.result_summary if item.status == DONE else item.error
        line = (
            f"• {item.index + 1}. {escape_clip(one_line(item.description), 300)} — "
            f"{words.get(item.status, item.status)}"
        )
        if detail and item.status in (DONE, FAILED, UNKNOWN):
            line += f": {escape_clip(one_line(detail), 300)}"
        lines.append(line)
    text = "\n".join(lines)
    if len(text) > MESSAGE_TEXT_LIMIT:
        text = text[: MESSAGE_TEXT_LIMIT - 40].rsplit("\n", 1)[0] + "\n…see the card for the rest."
    return text


def _changes(n: int) -> str:
    return "1 change" if n == 1 else f"{n} changes"
