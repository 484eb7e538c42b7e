"""Bolt listeners of the `/affinity` command and of the buttons under its results.

The handlers are the methods of `CommandListeners` (one per process, around the process's
`CommandRunner`); `register_listeners` maps each Slack surface to its handler: the slash command,
then the result buttons. Every listener acks first; the work runs after the ack on Bolt's
listener threads.
Who runs a click: always the user who clicked, with their own key (`identifier_for` of the
click's user), never the user the message was made for.
"""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.blocks import actions as ids
from bot.blocks import error_message
from bot.blocks.choices import parse_write_value
from bot.connector import click_identifier, identifier_for
from bot.features.commands.answers import WORKING
from bot.features.commands.engine import CommandRunner, Invocation, WriteGuard
from bot.features.commands.surfaces import (
    EphemeralSurface,
    Surface,
    ThreadSurface,
    shared_message,
)
from bot.grammar import UsageError, parse, writes
from bot.grammar.grammar import SLASH

log = logging.getLogger(__name__)

NOT_SHARED = (
    "I can't post in this channel. Invite me to it (`/invite @Affinity`) and press Share again."
)


def click_surface(body: dict[str, Any], respond: Respond, client: WebClient) -> Surface:
    """A click in the bot's DM thread answers in that thread; anything else, privately."""
    container = body.get("container") or {}
    channel = container.get("channel_id") or (body.get("channel") or {}).get("id") or ""
    message = body.get("message") or {}
    if not container.get("is_ephemeral") and channel.startswith("D") and message.get("ts"):
        return ThreadSurface(
            client, channel, message.get("thread_ts") or message["ts"], message["ts"]
        )
    return EphemeralSurface(respond)


class CommandListeners:
    """The handlers of the slash command and its result buttons (Bolt passes the arguments by
    name; `self` carries the runner)."""

    def __init__(self, runner: CommandRunner) -> None:
        self.runner = runner

    # -- the slash command ---------------------------------------------------------------

    def on_affinity(
        self, ack: Ack, command: dict[str, Any], respond: Respond, client: WebClient
    ) -> None:
        ack()
        identifier = identifier_for(
            command["team_id"], command["user_id"], command.get("enterprise_id") or None
        )
        text = command.get("text") or ""
        parsed = parse(text)
        surface = EphemeralSurface(respond)
        if isinstance(parsed, UsageError):
            usage = self.runner.run_text(text, Invocation(identifier))
            if usage is not None:
                surface.show(usage.message)
            return
        guard = WriteGuard.for_typed(identifier, text) if writes(parsed) else None
        reply = self.runner.run(
            parsed,
            Invocation(
                identifier,
                client,
                command.get("trigger_id"),
                guard=guard,
                channel_id=command.get("channel_id"),
            ),
        )
        if reply is not None:
            surface.show(reply.message)

    # -- the buttons under results -------------------------------------------------------

    def on_pick(
        self,
        ack: Ack,
        body: dict[str, Any],
        action: dict[str, Any],
        respond: Respond,
        client: WebClient,
    ) -> None:
        """A choice: run the chosen command in place of the chooser. A write runs once per
        card, claimed by the card id in the value (not by the message it was clicked on)."""
        ack()
        identifier, surface = click_identifier(body), click_surface(body, respond, client)
        value = action.get("value") or ""
        inv = Invocation(identifier, client, body.get("trigger_id"))
        written = parse_write_value(value)
        if written is None:
            reply = self.runner.run_value(value, inv)
        else:  # the chooser's buttons go away at once, for the click that runs
            reply = self.runner.run_card(
                *written, inv, working=lambda: surface.show(WORKING, replace=True)
            )
        if reply is not None:
            # "already done" is added, never put in place of the first click's result
            surface.show(reply.message, replace=not reply.repeated)

    def on_run(
        self,
        ack: Ack,
        body: dict[str, Any],
        action: dict[str, Any],
        respond: Respond,
        client: WebClient,
    ) -> None:
        """Run the button's command for the clicker; the answer is added below."""
        self._rerun(ack, body, action, respond, client, results_replace=False)

    def on_more(
        self,
        ack: Ack,
        body: dict[str, Any],
        action: dict[str, Any],
        respond: Respond,
        client: WebClient,
    ) -> None:
        """The next page, in place of the message clicked."""
        self._rerun(ack, body, action, respond, client, results_replace=True)

    def _rerun(
        self,
        ack: Ack,
        body: dict[str, Any],
        action: dict[str, Any],
        respond: Respond,
        client: WebClient,
        *,
        results_replace: bool,
    ) -> None:
        """With `results_replace`, a result takes the place of the message clicked; anything
        else is added."""
        ack()
        reply = self.runner.run_value(action.get("value") or "", Invocation(click_identifier(body)))
        if reply is not None:
            click_surface(body, respond, client).show(
                reply.message, replace=results_replace and reply.is_result
            )

    def on_share(
        self,
        ack: Ack,
        body: dict[str, Any],
        action: dict[str, Any],
        respond: Respond,
        client: WebClient,
    ) -> None:
        """Re-run the result with the clicker's own key and post it in the open."""
        ack()
        user_id = (body.get("user") or {}).get("id", "")
        surface = click_surface(body, respond, client)
        reply = self.runner.run_value(action.get("value") or "", Invocation(click_identifier(body)))
        if reply is None:
            return
        if not reply.is_result:
            surface.show(reply.message)
            return
        container = body.get("container") or {}
        channel = container.get("channel_id") or (body.get("channel") or {}).get("id") or ""
        public = shared_message(reply.message, user_id)
        try:
            client.chat_postMessage(
                channel=channel,
                thread_ts=container.get("thread_ts"),
                text=public["text"],
                blocks=public["blocks"],
                unfurl_links=False,
                unfurl_media=False,
            )
        except SlackApiError as error:
            log.info("share failed: %s", error.response.get("error"))
            surface.show(error_message(NOT_SHARED))

    def on_help(
        self,
        ack: Ack,
        body: dict[str, Any],
        action: dict[str, Any],
        respond: Respond,
        client: WebClient,
    ) -> None:
        ack()
        value = action.get("value") or "help"
        reply = self.runner.run_text(
            value if value.startswith("help") else "help", Invocation(click_identifier(body))
        )
        if reply is not None:
            click_surface(body, respond, client).show(reply.message)

    @staticmethod
    def on_open(ack: Ack) -> None:
        """A link button: Slack opens the URL; the click only needs its ack."""
        ack()


def register_listeners(app: App, runner: CommandRunner) -> None:
    listeners = CommandListeners(runner)
    app.command(SLASH)(listeners.on_affinity)
    app.action(ids.PICK_PATTERN)(listeners.on_pick)
    app.action(ids.RUN_PATTERN)(listeners.on_run)
    app.action(ids.MORE)(listeners.on_more)
    app.action(ids.SHARE)(listeners.on_share)
    app.action(ids.HELP)(listeners.on_help)
    app.action(ids.OPEN_IN_AFFINITY)(listeners.on_open)
