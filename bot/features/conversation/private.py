"""Answers in a channel thread that only the asker sees (`chat.postEphemeral` with `thread_ts`).

Data read with one person's key is theirs: in a channel (unless an admin made its answers
public, see `visibility`), everything the bot answers to a mention — command results, the
assistant's answer, its confirmation card and the card's outcome — is ephemeral, with a Share
button on results and answers. Slack's limits shape the rest:

- an ephemeral message cannot be changed with `chat.update` or removed with `chat.delete`, so
  there is no "Working on it…" placeholder to replace (a short note says the answer is coming)
  and no streaming (streams are ordinary messages everyone sees);
- a click on an ephemeral message comes with a `response_url`, the only way to replace it: an
  approval card's "making the changes…" and final states go through it (`PrivateCardClient`);
- Slack does not send an ephemeral message's content back with a click, so what Share publishes
  is kept server side (`held`).
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any

from slack_bolt import Respond
from slack_sdk import WebClient

from bot.blocks import actions as ids
from bot.blocks import kit, limits
from bot.features.commands.engine import buttons
from bot.features.commands.surfaces import without_share
from bot.features.conversation.held import HeldAnswers, share_button
from bot.features.conversation.mrkdwn import EMPTY_ANSWER_TEXT, split_message, to_mrkdwn

WORKING_TEXT = (
    ":hourglass_flowing_sand: Looking that up in Affinity… Only you will see the "
    "answer; you can share it in the thread."
)

Message = dict[str, Any]


@dataclass
class PrivateReply:
    """`ThreadReply`'s counterpart for a channel: every message goes to the asker only, and the
    assistant's answer is held for its Share button."""

    client: WebClient
    channel: str
    thread_ts: str
    user_id: str
    owner: str  # the asker's vault identifier: only they may share
    held: HeldAnswers

    def start(self) -> None:
        self.post(text=WORKING_TEXT)

    def step(self, tool: str) -> None:
        """No assistant status in a channel: the "working" note stays."""

    def answer(self, text: str) -> None:
        """The model's answer, in as many messages as it needs; Share under the last."""
        messages = [
            answer_message(piece) for piece in split_message(to_mrkdwn(text) or EMPTY_ANSWER_TEXT)
        ]
        answer_id = self.held.hold(self.owner, self.channel, self.thread_ts, messages)
        *first, last = messages
        for message in first:
            self.post(**message)
        share = kit.actions([share_button(answer_id)])
        self.post(text=last["text"], blocks=[*last["blocks"], *([share] if share else [])])

    def post(self, *, text: str, blocks: list[dict[str, Any]] | None = None) -> str | None:
        """Post to the asker in the thread. Returns None: an ephemeral message has no ts that
        `chat.update` could use later."""
        extra: dict[str, Any] = {"blocks": blocks} if blocks is not None else {}
        self.client.chat_postEphemeral(
            channel=self.channel, user=self.user_id, thread_ts=self.thread_ts, text=text, **extra
        )
        return None

    def abandon(self) -> None:
        """Nothing to take back: no placeholder was posted."""


def answer_message(piece: str) -> Message:
    """One piece of an answer (at most `MESSAGE_TEXT_LIMIT` characters of mrkdwn) as sections."""
    sections = [kit.section(part) for part in split_message(piece, limits.SECTION_TEXT)]
    return {"text": piece, "blocks": sections}


@dataclass
class PrivateThreadSurface:
    """Where a command typed in a mention answers when the channel is private: the thread, to
    the asker only. A result's Share button publishes the result as shown (held)."""

    client: WebClient
    channel: str
    thread_ts: str
    user_id: str
    owner: str
    held: HeldAnswers

    def show(self, message: kit.Message, *, replace: bool = False) -> None:
        message = self.with_held_share(message)
        self.client.chat_postEphemeral(
            channel=self.channel,
            user=self.user_id,
            thread_ts=self.thread_ts,
            text=message["text"],
            blocks=message.get("blocks") or [],
        )

    def with_held_share(self, message: kit.Message) -> kit.Message:
        """A result keeps its Share button, pointed at a held copy of what is shown."""
        if not any(e.get("action_id") == ids.SHARE for e in buttons(message)):
            return message
        answer_id = self.held.hold(
            self.owner, self.channel, self.thread_ts, [without_share(message)]
        )
        message = copy.deepcopy(message)
        for element in buttons(message):
            if element.get("action_id") == ids.SHARE:
                element.clear()
                element.update(share_button(answer_id))
        return message


class PrivateCardClient:
    """The Web API client an Approve / Cancel click on a private (ephemeral) card works with.

    The card cannot be changed with `chat.update`, so its updates replace it through the
    click's `response_url`; the outcome and any Reconnect prompt, posted in the thread, go to the
    clicker only (only the card's owner can act on it, and only they can see it). Every other
    call goes to the real client.
    """

    def __init__(self, client: WebClient, respond: Respond, user_id: str) -> None:
        self._client, self._respond, self._user_id = client, respond, user_id

    def chat_update(
        self,
        *,
        channel: str,
        ts: str,
        text: str = "",
        blocks: list[dict[str, Any]] | None = None,
        **_: Any,
    ) -> None:
        self._respond(
            text=text, blocks=blocks or [], response_type="ephemeral", replace_original=True
        )

    def chat_postMessage(
        self, *, channel: str, text: str = "", thread_ts: str | None = None, **extra: Any
    ) -> Any:
        return self._client.chat_postEphemeral(
            channel=channel, user=self._user_id, text=text, thread_ts=thread_ts, **extra
        )

    def __getattr__(self, name: str) -> Any:
        return getattr(self._client, name)
