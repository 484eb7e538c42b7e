"""Where a command's answer goes, and how a result is made public when its owner shares it.

- `EphemeralSurface`: the slash command's (or a click's) response_url, `response_type`
  ephemeral — only the user who asked sees it.
- `ThreadSurface`: replies in the thread of the user's DM with the bot (private already), with
  the Share button left out: there is nobody else there to share with.
- `shared_message`: the result as posted in the open after a Share click — attributed to the
  user, without the buttons that only make sense to its owner (Share, More, Choose, Notes).
"""

from __future__ import annotations

import copy
import logging
from dataclasses import dataclass
from typing import Any, Protocol

from slack_bolt import Respond
from slack_sdk import WebClient

from bot.blocks import actions as ids
from bot.blocks import kit, limits

log = logging.getLogger(__name__)


class Surface(Protocol):
    def show(self, message: kit.Message, *, replace: bool = False) -> None: ...


@dataclass
class EphemeralSurface:
    respond: Respond

    def show(self, message: kit.Message, *, replace: bool = False) -> None:
        self.respond(
            text=message["text"],
            blocks=message.get("blocks") or [],
            response_type="ephemeral",
            replace_original=replace,
        )


@dataclass
class ThreadSurface:
    """Replies in `thread_ts` of `channel`; `message_ts` is the bot message a click came from."""

    client: WebClient
    channel: str
    thread_ts: str
    message_ts: str | None = None

    def show(self, message: kit.Message, *, replace: bool = False) -> None:
        message = without_share(message)
        if replace and self.message_ts:
            self.client.chat_update(
                channel=self.channel,
                ts=self.message_ts,
                text=message["text"],
                blocks=message["blocks"],
            )
            return
        self.client.chat_postMessage(
            channel=self.channel,
            thread_ts=self.thread_ts,
            text=message["text"],
            blocks=message["blocks"],
            unfurl_links=False,
            unfurl_media=False,
        )


def _filtered(message: kit.Message, keep: Any) -> kit.Message:
    """A copy with only the buttons `keep(element)` accepts; emptied action rows dropped."""
    result = copy.deepcopy(message)
    blocks = []
    for block in result.get("blocks") or []:
        if block.get("type") == "actions":
            block["elements"] = [e for e in block.get("elements") or [] if keep(e)]
            if not block["elements"]:
                continue
        accessory = block.get("accessory")
        if (
            isinstance(accessory, dict)
            and accessory.get("type") == "button"
            and not keep(accessory)
        ):
            del block["accessory"]
        blocks.append(block)
    result["blocks"] = blocks
    return result


def without_share(message: kit.Message) -> kit.Message:
    return _filtered(message, lambda e: e.get("action_id") != ids.SHARE)


def shared_message(message: kit.Message, user_id: str) -> kit.Message:
    """What a Share click posts: link buttons only, and who shared it."""
    public = _filtered(message, lambda e: bool(e.get("url")))
    blocks = public["blocks"][: limits.MESSAGE_BLOCKS - 1]
    blocks.append(kit.context(f":mega: Shared by <@{user_id}>"))
    return {
        "text": f"{message['text']} (shared by <@{user_id}>)"[: limits.FALLBACK_TEXT],
        "blocks": blocks,
    }
