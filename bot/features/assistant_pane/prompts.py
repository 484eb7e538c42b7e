"""What the assistant pane shows: suggested prompts built from the user's own lists, the
thread's title, the viewed channel as context for the turn, and the feedback buttons."""

from __future__ import annotations

from typing import Any

from bot.connector import cached_lists
from vault import ConnectedAccount

FEEDBACK = "assistant_feedback"
PROMPTS_TITLE = "Try asking"
TITLE_CHARS = 60
CONNECT_PROMPT = {"title": "Connect Affinity", "message": "connect"}


def suggested_prompts(
    account: ConnectedAccount, recent: dict[str, Any] | None = None
) -> list[dict[str, str]]:
    """Up to four prompts named after the user's own pipelines and the record they looked at
    last (`recent`: {"kind", "id", "name"}), as Slack shows four."""
    pipelines = [lst.name for lst in cached_lists(account) if lst.type == "opportunity"]
    prompts: list[dict[str, str]] = []
    if pipelines:
        first = pipelines[0]
        prompts.append(
            {
                "title": f"Deals reviewed today in {first}",
                "message": f"Which deals in {first} were reviewed today?",
            }
        )
    prompts.append(
        {
            "title": "Prep my next meeting",
            "message": "Prep me for my next meeting: who it is with, our history with them "
            "and any open deals.",
        }
    )
    prompts.append(
        {
            "title": "Who knows …?",
            "message": "Who on our team has the strongest relationship with the founders of "
            + (f"the newest deal in {pipelines[0]}?" if pipelines else "our newest deal?"),
        }
    )
    if recent and recent.get("name"):
        name = str(recent["name"]).split(" (")[0][:60]
        prompts.append(
            {
                "title": f"What's new with {name}",
                "message": f"What's new with {name}: latest notes, deals and who we know there?",
            }
        )
    elif len(pipelines) > 1:
        prompts.append(
            {
                "title": f"What moved in {pipelines[1]}",
                "message": f"Which deals in {pipelines[1]} changed stage this week?",
            }
        )
    return prompts[:4]


def title_from(question: str) -> str:
    """The question on one line, cut at a word to fit Slack's thread list."""
    line = " ".join(question.split())
    if len(line) <= TITLE_CHARS:
        return line
    cut = line[: TITLE_CHARS - 1]
    return (cut.rsplit(" ", 1)[0] if " " in cut else cut).rstrip(" ,;:") + "…"


def viewed_channel(context: dict[str, Any]) -> str | None:
    """The turn's context: the channel the user has the pane open beside (None: none)."""
    channel = context.get("channel_id")
    if not channel:
        return None
    return (
        f"The user is talking to you in Slack's assistant pane, open beside channel "
        f'<#{channel}>. "This channel" or "here" means that channel.'
    )


def feedback_block() -> dict[str, Any]:
    def button(text: str, value: str, label: str) -> dict[str, Any]:
        return {
            "text": {"type": "plain_text", "text": text},
            "value": value,
            "accessibility_label": label,
        }

    return {
        "type": "context_actions",
        "elements": [
            {
                "type": "feedback_buttons",
                "action_id": FEEDBACK,
                "positive_button": button("Good answer", "good", "Mark this answer as good"),
                "negative_button": button("Bad answer", "bad", "Mark this answer as bad"),
            }
        ],
    }
