"""Which messages the bot answers, what they ask for, and where the answer goes."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from slack_bolt import BoltContext

from bot.grammar import UsageError, is_command, parse
from bot.grammar.grammar import SLASH


@dataclass(frozen=True)
class Request:
    """One message addressed to the bot: who, where, the thread to answer in, and the text."""

    team_id: str
    enterprise_id: str | None
    user_id: str
    channel: str
    thread_ts: str  # the user's thread, or their message's own ts when it is top level
    text: str
    is_dm: bool
    ts: str = ""  # the message's own ts (differs from thread_ts for a reply in a thread)
    # What the surface adds: where the user is (the channel beside the assistant pane), as text
    # for the model, and blocks under the answer (the pane's feedback buttons).
    context: str | None = None
    footer: tuple[dict[str, Any], ...] = ()

    @property
    def in_thread(self) -> bool:
        return bool(self.ts) and self.ts != self.thread_ts


def is_direct_message(event: dict[str, Any]) -> bool:
    """A person's new message in their DM with the bot (not an edit, deletion or bot post)."""
    return (
        event.get("channel_type") == "im"
        and not event.get("subtype")
        and not event.get("bot_id")
        and bool(event.get("user"))
    )


def strip_mention(text: str, bot_user_id: str | None) -> str:
    """The text of an @mention without the bot's own mention (other mentions stay)."""
    pattern = rf"<@{re.escape(bot_user_id)}(?:\|[^>]*)?>" if bot_user_id else r"^\s*<@[A-Z0-9]+>"
    return re.sub(r"[ \t]{2,}", " ", re.sub(pattern, " ", text or "")).strip()


def request_from(event: dict[str, Any], context: BoltContext, text: str, *, is_dm: bool) -> Request:
    return Request(
        team_id=context.team_id or event.get("team") or "",
        enterprise_id=context.enterprise_id,
        user_id=event["user"],
        channel=event["channel"],
        thread_ts=event.get("thread_ts") or event["ts"],
        text=text,
        is_dm=is_dm,
        ts=event["ts"],
    )


def wants_command(text: str, *, assistant: bool) -> bool:
    """True when `text` should run as a command rather than go to the assistant.

    Its first word must be a subcommand or alias (`is_command`). With the assistant
    available, text that starts with such a word but does not parse as that command ("add a
    note to Acme saying…", "status of the Acme deal?") is plain language and goes to the
    assistant instead of getting a usage error; `/affinity …` typed out is always a command.
    """
    if not is_command(text):
        return False
    if not assistant or text.lstrip().lower().startswith(SLASH):
        return True
    return not isinstance(parse(text), UsageError)
