"""Reading a Slack thread as plain text with its authors' names: context for the assistant (an
@mention inside a thread) and the body of a note ("Log to Affinity" on a whole thread).

`conversations.replies` needs `channels:history` (public channels), `groups:history` (private
channels the app is in) or `im:history` (DMs). A thread that cannot be read (no scope, the app is
not in the channel, deleted) gives `None`: the caller goes on without it.

Bounded twice: the newest `max_messages` messages (the thread's first message always kept, it
says what the thread is about), then at most `max_chars` characters, dropping the oldest replies
first; what was left out is counted in the text so nobody mistakes it for the whole thread.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.slack_users import SlackUsers

log = logging.getLogger(__name__)

MAX_MESSAGES = 50
MAX_CHARS = 12_000
MAX_PAGES = 5  # conversations.replies pages of 200 read at most (1,000 messages)
PAGE_SIZE = 200
MENTION = re.compile(r"<@([UW][A-Z0-9]+)(?:\|([^>]*))?>")


class AuthorNames:
    """Slack users' display names (`users.info`, through the process's cache); the user id
    itself when Slack does not say."""

    def __init__(self, users: SlackUsers | None = None) -> None:
        self.users = users or SlackUsers()

    def of(self, client: WebClient, team_id: str, user_id: str) -> str:
        user = self.users.get(client, team_id, user_id) or {}
        profile = user.get("profile") or {}
        return (
            profile.get("real_name")
            or profile.get("display_name")
            or user.get("real_name")
            or user.get("name")
            or user_id
        )


@dataclass(frozen=True)
class ThreadMessage:
    ts: str
    author: str
    text: str

    def line(self) -> str:
        return f"{self.author}: {self.text}"


@dataclass(frozen=True)
class ThreadText:
    """A thread's messages, oldest first, and how many were left out to stay in bounds."""

    messages: tuple[ThreadMessage, ...]
    omitted: int = 0

    def render(self) -> str:
        lines = [m.line() for m in self.messages]
        if self.omitted:
            note = f"[{self.omitted} earlier message(s) of this thread left out]"
            lines.insert(1 if lines else 0, note)
        return "\n".join(lines)


def read_thread(
    client: WebClient,
    team_id: str,
    channel: str,
    thread_ts: str,
    names: AuthorNames,
    *,
    exclude_ts: str | None = None,
    max_messages: int = MAX_MESSAGES,
    max_chars: int = MAX_CHARS,
) -> ThreadText | None:
    """The thread rooted at `thread_ts`, without the message `exclude_ts` (the mention itself);
    None when Slack does not let the app read it."""
    raw = _replies(client, channel, thread_ts)
    if raw is None:
        return None
    written = [m for m in raw if m.get("ts") != exclude_ts and _has_text(m)]
    messages = [
        ThreadMessage(
            str(m["ts"]),
            _author(client, team_id, m, names),
            readable_text(client, team_id, m, names),
        )
        for m in _newest(written, max_messages)
    ]
    kept = _within_chars(messages, max_chars)
    return ThreadText(tuple(kept), omitted=len(written) - len(kept))


def _replies(client: WebClient, channel: str, thread_ts: str) -> list[dict[str, Any]] | None:
    messages: list[dict[str, Any]] = []
    cursor: str | None = None
    try:
        for _ in range(MAX_PAGES):
            response = client.conversations_replies(
                channel=channel, ts=thread_ts, limit=PAGE_SIZE, cursor=cursor
            )
            messages.extend(m for m in response.get("messages") or [] if isinstance(m, dict))
            cursor = (response.get("response_metadata") or {}).get("next_cursor") or None
            if not response.get("has_more") or not cursor:
                break
    except SlackApiError as error:
        log.info("thread not readable (%s); going on without it", error.response.get("error"))
        return None
    return messages


def _has_text(message: dict[str, Any]) -> bool:
    return bool((message.get("text") or "").strip()) and message.get("subtype") not in (
        "channel_join",
        "channel_leave",
        "message_deleted",
    )


def _newest(messages: list[dict[str, Any]], limit: int) -> list[dict[str, Any]]:
    """The first message and the newest `limit - 1` replies."""
    if len(messages) <= limit:
        return messages
    return [messages[0], *messages[len(messages) - (limit - 1) :]] if limit > 1 else messages[:1]


def _within_chars(messages: list[ThreadMessage], max_chars: int) -> list[ThreadMessage]:
    """Drop the oldest replies (never the first message, clipped instead) past `max_chars`."""
    if not messages:
        return []
    first, replies = messages[0], list(messages[1:])
    if len(first.line()) > max_chars:
        first = ThreadMessage(first.ts, first.author, first.text[: max(0, max_chars - 50)] + "…")
    budget = max_chars - len(first.line())
    kept: list[ThreadMessage] = []
    for message in reversed(replies):
        cost = len(message.line()) + 1
        if cost > budget:
            break
        kept.append(message)
        budget -= cost
    return [first, *reversed(kept)]


def _author(client: WebClient, team_id: str, message: dict[str, Any], names: AuthorNames) -> str:
    if message.get("user") and not message.get("bot_id"):
        return names.of(client, team_id, str(message["user"]))
    profile = message.get("bot_profile") or {}
    return str(message.get("username") or profile.get("name") or "a bot")


def readable_text(
    client: WebClient, team_id: str, message: dict[str, Any], names: AuthorNames
) -> str:
    """The message's text, with user mentions as @names and Slack's link markup unwrapped."""

    def name(match: re.Match[str]) -> str:
        return "@" + (match.group(2) or names.of(client, team_id, match.group(1)))

    text = MENTION.sub(name, str(message.get("text") or ""))
    text = re.sub(r"<(https?://[^|>]+)\|([^>]+)>", r"\2 (\1)", text)
    text = re.sub(r"<mailto:[^|>]+\|([^>]+)>", r"\1", text)
    text = re.sub(r"<(https?://[^>]+)>", r"\1", text)
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&").strip()
