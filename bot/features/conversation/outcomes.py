"""What an Approve or Cancel click did, as one thread message."""

from __future__ import annotations

from collections import Counter

from bot.agent import ActionResult
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
    DONE: "already done",
    RUNNING: "already being made",
    FAILED: "already tried, and it failed (ask me again to retry)",
    UNKNOWN: "already tried, outcome unknown (check Affinity before asking again)",
    CANCELLED: "cancelled",
    EXPIRED: "expired",
}

EXPIRED_TEXT = ("These proposed changes expired, so nothing was changed. Ask me again if you "
                "still want them.")
CANCELLED_TEXT = "These proposed changes were cancelled; nothing was changed."


def outcome_text(result: ActionResult) -> str:
    """`Approved: 8 done.` plus one line per item this click acted on."""
    assert result.batch is not None
    items = [result.batch.items[i] for i in result.acted]
    counts = Counter(item.status for item in items)
    summary = ", ".join(f"{counts[s]} {_WORDS[s]}" for s in (DONE, FAILED, UNKNOWN, CANCELLED)
                        if counts[s])
    if set(counts) == {CANCELLED}:
        head = f"Cancelled {_changes(len(items))}; nothing was changed in Affinity."
    else:
        head = f"Approved {_changes(len(items))}: {summary}."
    lines = [head]
    for item in items:
        detail = item.result_summary if item.status == DONE else item.error
        line = f"• {item.index + 1}. {escape_clip(one_line(item.description), 300)} — " \
               f"{_STATES.get(item.status, item.status)}"
        if detail and item.status != CANCELLED:
            line += f": {escape_clip(one_line(detail), 300)}"
        lines.append(line)
    text = "\n".join(lines)
    if len(text) > MESSAGE_TEXT_LIMIT:
        text = text[: MESSAGE_TEXT_LIMIT - 40].rsplit("\n", 1)[0] + "\n…see the card for the rest."
    return text


def nothing_done_text(result: ActionResult) -> str:
    """A click that found nothing to do: expired, cancelled, or already handled."""
    states = set(result.skipped.values())
    if states == {EXPIRED}:
        return EXPIRED_TEXT
    if states == {CANCELLED}:
        return CANCELLED_TEXT
    if result.refused or not states:
        return result.message or "Nothing to do."
    return "Nothing to do: " + "; ".join(_ALREADY.get(s, s) for s in sorted(states)) + "."


def _changes(n: int) -> str:
    return "1 change" if n == 1 else f"{n} changes"
