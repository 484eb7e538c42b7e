"""Answers held for their Share button: a private answer in a channel thread is published
exactly as its asker saw it, and only when the asker clicks Share.

Slack does not send an ephemeral message's content back with a click on it, and fetching the
answer again could show something else (Affinity changed meanwhile, another key). So the answer
shown is kept in `held_answers` under a random id that the Share button carries; the click of
its owner takes the row (a conditional delete: a double click or a second process publishes
nothing more), posts it in the thread for everyone, and marks the private copy as shared.
Rows not shared within `HOLD_TIME` are pruned.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from slack_bolt import Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy import Engine, delete, insert, select

from bot.blocks import kit
from bot.database import delete_older_than
from bot.features.commands.surfaces import shared_message
from bot.features.conversation.models import HeldAnswer

log = logging.getLogger(__name__)

SHARE_ANSWER = "affinity_share_answer"  # value: a held answer's id
HOLD_TIME = timedelta(days=1)
PRUNE_SECONDS = 3600.0
SHARE_LABEL = "Share in thread"
SHARED_NOTE = ":mega: You shared this in the thread."
GONE_TEXT = (
    "This answer can no longer be shared: it was shared already or is more than a day "
    "old. Ask me again to get a fresh one."
)
NOT_YOURS_TEXT = "Only the person who asked can share this answer."
NOT_POSTED_TEXT = (
    "I couldn't post in this channel ({error}). Invite me to it "
    "(`/invite @Affinity`) and press Share again."
)

Message = dict[str, Any]


@dataclass(frozen=True)
class Held:
    owner: str
    channel_id: str
    thread_ts: str
    messages: list[Message]


class HeldAnswers:
    """`hold` an answer as shown, `take` it once for its owner, `put_back` after a failure."""

    def __init__(self, engine: Engine, clock: Callable[[], datetime]) -> None:
        self.engine, self.clock = engine, clock

    def hold(self, owner: str, channel_id: str, thread_ts: str, messages: list[Message]) -> str:
        answer_id = secrets.token_urlsafe(16)[:22]
        self._insert(answer_id, Held(owner, channel_id, thread_ts, messages))
        return answer_id

    def take(self, answer_id: str, owner: str) -> Held | str:
        """The held answer, removed for good; "gone" or "not_owner" when it cannot be."""
        with self.engine.begin() as connection:
            row = connection.execute(
                select(
                    HeldAnswer.owner,
                    HeldAnswer.channel_id,
                    HeldAnswer.thread_ts,
                    HeldAnswer.messages,
                    HeldAnswer.created_at,
                ).where(HeldAnswer.id == answer_id[:32])
            ).first()
            if row is None or row.created_at < self.clock() - HOLD_TIME:
                return "gone"
            if row.owner != owner:
                return "not_owner"
            taken = connection.execute(delete(HeldAnswer).where(HeldAnswer.id == answer_id))
            if taken.rowcount != 1:  # another click (process) took it first
                return "gone"
        return Held(row.owner, row.channel_id, row.thread_ts, list(row.messages))

    def put_back(self, answer_id: str, held: Held) -> None:
        """Hold it again (the post failed), so that a later click may still share it."""
        self._insert(answer_id, held)

    def prune(self, older_than: timedelta = HOLD_TIME) -> int:
        return delete_older_than(self.engine, HeldAnswer.created_at, self.clock() - older_than)

    def _insert(self, answer_id: str, held: Held) -> None:
        with self.engine.begin() as connection:
            connection.execute(
                insert(HeldAnswer).values(
                    id=answer_id,
                    owner=held.owner,
                    channel_id=held.channel_id,
                    thread_ts=held.thread_ts,
                    messages=held.messages,
                    created_at=self.clock(),
                )
            )


def share_button(answer_id: str) -> kit.Block:
    return kit.button(SHARE_LABEL, SHARE_ANSWER, answer_id)


def publish(client: WebClient, held: Held, user_id: str) -> None:
    """Post the held answer in its thread, attributed to the user who shared it. Only answer
    text comes in several messages (no buttons); the last one carries the attribution."""
    *first, last = held.messages
    for message in [*first, shared_message(last, user_id)]:
        client.chat_postMessage(
            channel=held.channel_id,
            thread_ts=held.thread_ts,
            text=message["text"],
            blocks=message.get("blocks") or [],
            unfurl_links=False,
            unfurl_media=False,
        )


def share_click(
    held_answers: HeldAnswers,
    client: WebClient,
    body: dict[str, Any],
    value: str,
    owner: str,
    respond: Respond,
) -> None:
    """The Share button of a private answer: publish it once, for its owner only."""
    user_id = (body.get("user") or {}).get("id", "")
    found = held_answers.take(value, owner)
    if isinstance(found, str):
        tell = NOT_YOURS_TEXT if found == "not_owner" else GONE_TEXT
        respond(text=tell, response_type="ephemeral", replace_original=False)
        return
    try:
        publish(client, found, user_id)
    except SlackApiError as error:
        code = error.response.get("error") or "no answer"
        log.info("sharing an answer failed: %s", code)
        held_answers.put_back(value, found)
        respond(
            text=NOT_POSTED_TEXT.format(error=code),
            response_type="ephemeral",
            replace_original=False,
        )
        return
    last = found.messages[-1]
    respond(
        text=last["text"],
        blocks=[*(last.get("blocks") or []), kit.context(SHARED_NOTE)],
        response_type="ephemeral",
        replace_original=True,
    )
