"""Answering in a thread: quick feedback first, the answer later, in Slack's limits.

`ThreadReply.start()` shows within a second that the bot is working: in a DM the assistant status
("is looking that up in Affinity…", Slack clears it when the answer is posted), elsewhere — or
when the workspace does not allow the status (no `assistant:write` scope) — a "Working on it…"
placeholder that the answer then replaces with `chat.update`. Every later message goes into the
same thread.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.features.conversation.mrkdwn import EMPTY_ANSWER_TEXT, split_message, to_mrkdwn

log = logging.getLogger(__name__)

STATUS_TEXT = "is looking that up in Affinity…"
# The assistant status while a tool runs (Slack shows "<app name> <status>").
STEP_TEXT = {
    "affinity_search_persons": "is searching people in Affinity…",
    "affinity_get_person": "is reading a person's profile…",
    "affinity_search_organizations": "is searching organizations in Affinity…",
    "affinity_get_organization": "is reading an organization's profile…",
    "affinity_list_opportunities": "is reading the pipeline…",
    "affinity_get_opportunity": "is reading a deal…",
    "affinity_list_notes": "is reading notes…",
    "affinity_list_lists": "is reading your lists…",
    "affinity_get_relationship_strength": "is looking for warm intros…",
    "affinity_prepare_meeting": "is preparing your meeting…",
}
PROPOSING_TEXT = "is preparing a change for your approval…"


def step_title(tool: str) -> str:
    """A tool step as a task title in a streamed answer ("Reading a deal…")."""
    text = STEP_TEXT.get(tool) or (PROPOSING_TEXT if _writes(tool) else STATUS_TEXT)
    text = text.removeprefix("is ")
    return text[:1].upper() + text[1:]


SECTION_LIMIT = 3000
PLACEHOLDER_TEXT = ":hourglass_flowing_sand: Working on it…"


class TeamRefusals:
    """Remembers, per process and team, that Slack refused an optional feature (the assistant
    status, answer streaming), so later turns go straight to the fallback."""

    def __init__(self) -> None:
        self._refused: set[str] = set()
        self._lock = threading.Lock()

    def allowed(self, team_id: str) -> bool:
        with self._lock:
            return team_id not in self._refused

    def refuse(self, team_id: str) -> None:
        with self._lock:
            self._refused.add(team_id)


@dataclass
class ThreadReply:
    client: WebClient
    channel: str
    thread_ts: str
    team_id: str
    is_dm: bool
    statuses: TeamRefusals
    placeholder_ts: str | None = field(default=None, init=False)
    footer: list[dict[str, Any]] = field(default_factory=list)  # blocks under the last answer
    status_shown: bool = field(default=False, init=False)

    def start(self) -> None:
        """The first sign of life: the assistant status in a DM, else a placeholder message."""
        if self.is_dm and self.statuses.allowed(self.team_id):
            try:
                self.client.assistant_threads_setStatus(
                    channel_id=self.channel, thread_ts=self.thread_ts, status=STATUS_TEXT
                )
                self.status_shown = True
                return
            except SlackApiError as error:
                log.info(
                    "assistant status unavailable (%s); using a placeholder",
                    error.response.get("error"),
                )
                self.statuses.refuse(self.team_id)
        response = self.client.chat_postMessage(
            channel=self.channel, thread_ts=self.thread_ts, text=PLACEHOLDER_TEXT
        )
        self.placeholder_ts = response.get("ts")

    def step(self, tool: str) -> None:
        """A tool is about to run: say which in the assistant status (only where the status is
        shown; a placeholder stays as it is)."""
        if not self.status_shown:
            return
        text = STEP_TEXT.get(tool) or (PROPOSING_TEXT if _writes(tool) else STATUS_TEXT)
        try:
            self.client.assistant_threads_setStatus(
                channel_id=self.channel, thread_ts=self.thread_ts, status=text
            )
        except SlackApiError as error:
            log.info("assistant status not updated: %s", error.response.get("error"))

    def answer(self, text: str) -> None:
        """The model's answer (Markdown or mrkdwn), converted and split across messages; the
        footer blocks (if any) go under the last."""
        pieces = split_message(to_mrkdwn(text) or EMPTY_ANSWER_TEXT)
        if self.footer:  # a section holds 3,000 characters: the last piece goes in one
            pieces = [*pieces[:-1], *split_message(pieces[-1], SECTION_LIMIT)]
        *first, last = pieces
        for piece in first:
            self.post(text=piece)
        if self.footer:
            self.post(text=last, blocks=[_section(last), *self.footer])
        else:
            self.post(text=last)

    def post(self, *, text: str, blocks: list[dict[str, Any]] | None = None) -> str | None:
        """Post in the thread; the first post replaces the placeholder. Returns the message ts."""
        extra: dict[str, Any] = {"blocks": blocks} if blocks is not None else {}
        if self.placeholder_ts is not None:
            ts, self.placeholder_ts = self.placeholder_ts, None
            try:
                self.client.chat_update(
                    channel=self.channel,
                    ts=ts,
                    text=text,
                    blocks=blocks if blocks is not None else [],
                )
                return ts
            except SlackApiError as error:  # deleted meanwhile: post a new message instead
                log.info("could not replace the placeholder: %s", error.response.get("error"))
        response = self.client.chat_postMessage(
            channel=self.channel, thread_ts=self.thread_ts, text=text, **extra
        )
        return response.get("ts")

    def abandon(self) -> None:
        """Remove the placeholder (before the error handler apologises in the thread)."""
        if self.placeholder_ts is None:
            return
        ts, self.placeholder_ts = self.placeholder_ts, None
        try:
            self.client.chat_delete(channel=self.channel, ts=ts)
        except SlackApiError:
            log.info("could not delete the placeholder")


def _writes(tool: str) -> bool:
    return tool.startswith(("affinity_create_", "affinity_update_", "affinity_add_"))


def _section(text: str) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}}
