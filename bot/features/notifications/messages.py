"""Block Kit of what subscriptions post: a batch of changes, a backlog summary, and the notes
to a subscriber (paused, cannot post). Kept apart from the polling logic."""

from __future__ import annotations

from collections.abc import Sequence

from bot.blocks import kit
from bot.blocks.text import escape_clip

MAX_LINES = 20  # changes listed in one message; the rest are counted
SECTION_LIMIT = 2900


def every_poll(seconds: int) -> str:
    """How often followed lists are read, in words: "every 5 minutes"."""
    minutes = max(1, round(seconds / 60))
    return f"every {minutes} minute{'s' if minutes != 1 else ''}"


def _section_text(lines: Sequence[str]) -> str:
    text, used = [], 0
    for index, line in enumerate(lines[:MAX_LINES]):
        if used + len(line) + 1 > SECTION_LIMIT:
            text.append(f"…and {len(lines) - index} more")
            return "\n".join(text)
        text.append(line)
        used += len(line) + 1
    if len(lines) > MAX_LINES:
        text.append(f"…and {len(lines) - MAX_LINES} more")
    return "\n".join(text)


def batch(list_name: str, lines: Sequence[str], owner_user: str) -> kit.Message:
    """Several changes of one poll, in one message."""
    count = len(lines)
    title = f"{escape_clip(list_name, 150)} · {count} change{'s' if count != 1 else ''}"
    return kit.message(
        f"{list_name}: {count} change{'s' if count != 1 else ''}",
        [
            kit.context(f":bell: *{title}*"),
            kit.section(_section_text(lines)),
            kit.context(f"Followed by <@{owner_user}> · `/affinity following` to manage"),
        ],
    )


def backlog(list_name: str, lines: Sequence[str], owner_user: str) -> kit.Message:
    """After downtime: how many changes, the latest few, instead of a flood."""
    count = len(lines)
    latest = list(lines[-5:])
    return kit.message(
        f"{count} changes on {list_name} while the app was down",
        [
            kit.section(
                f":hourglass: *{count} changes on {escape_clip(list_name, 150)} while the app was "
                "down.* The latest:"
            ),
            kit.section(_section_text(latest)),
            kit.context(f"Followed by <@{owner_user}> · open the list in Affinity for the rest"),
        ],
    )


def paused(count: int) -> kit.Message:
    return kit.message(
        "Your list subscriptions are paused",
        [
            kit.section(
                f":pause_button: *{count} list subscription{'s are' if count != 1 else ' is'} "
                "paused*: Affinity no longer accepts your API key, and changes are read with your "
                "own key only. Run `/affinity connect` with a new key: they resume on their own "
                "with the next poll (nothing that changed meanwhile is posted as a flood)."
            )
        ],
    )


def cannot_post(channel: str, list_name: str) -> kit.Message:
    return kit.message(
        "I can't post a list's changes in that channel",
        [
            kit.section(
                f":warning: I could not post the changes of *{escape_clip(list_name, 150)}* in "
                f"<#{channel}>. Invite me there (`/invite @Affinity`); the subscription is paused "
                "until you follow the list there again."
            )
        ],
    )
