"""Bolt listeners of the `/affinity` command and of the buttons under its results.

Every listener acks first; the work runs after the ack on Bolt's listener threads.
Who runs a click: always the user who clicked, with their own key (`identifier_for` of the
click's user), never the user the message was made for.
"""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import App
from slack_sdk.errors import SlackApiError

from bot.blocks import actions as ids
from bot.blocks import error_message
from bot.blocks.choices import parse_write_value
from bot.connector import identifier_for
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

NOT_SHARED = ("I can't post in this channel. Invite me to it (`/invite @Affinity`) and press "
              "Share again.")


def click_identifier(body: dict[str, Any]) -> str:
    user = body.get("user") or {}
    team = user.get("team_id") or (body.get("team") or {}).get("id")
    enterprise = (body.get("enterprise") or {}).get("id")
    return identifier_for(team, user["id"], enterprise or None)


def click_surface(body: dict[str, Any], respond: Any, client: Any) -> Surface:
    """A click in the bot's DM thread answers in that thread; anything else, privately."""
    container = body.get("container") or {}
    channel = container.get("channel_id") or (body.get("channel") or {}).get("id") or ""
    message = body.get("message") or {}
    if not container.get("is_ephemeral") and channel.startswith("D") and message.get("ts"):
        return ThreadSurface(client, channel, message.get("thread_ts") or message["ts"],
                             message["ts"])
    return EphemeralSurface(respond)


def register_listeners(app: App, runner: CommandRunner) -> None:
    @app.command(SLASH)
    def on_affinity(ack: Any, command: dict[str, Any], respond: Any, client: Any) -> None:
        ack()
        identifier = identifier_for(command["team_id"], command["user_id"],
                                    command.get("enterprise_id") or None)
        text = command.get("text") or ""
        parsed = parse(text)
        surface = EphemeralSurface(respond)
        if isinstance(parsed, UsageError):
            surface.show(runner.run_text(text, Invocation(identifier)).message)
            return
        guard = WriteGuard.for_typed(identifier, text) if writes(parsed) else None
        reply = runner.run(parsed, Invocation(identifier, client, command.get("trigger_id"),
                                              guard=guard, channel_id=command.get("channel_id")))
        if reply is not None:
            surface.show(reply.message)

    @app.action(ids.PICK_PATTERN)
    def on_pick(ack: Any, body: dict[str, Any], action: dict[str, Any], respond: Any,
                client: Any) -> None:
        """A choice: run the chosen command in place of the chooser. A write runs once per
        card, claimed by the card id in the value (not by the message it was clicked on)."""
        ack()
        identifier, surface = click_identifier(body), click_surface(body, respond, client)
        value = action.get("value") or ""
        inv = Invocation(identifier, client, body.get("trigger_id"))
        written = parse_write_value(value)
        if written is None:
            reply = runner.run_value(value, inv)
        else:  # the chooser's buttons go away at once, for the click that runs
            reply = runner.run_card(*written, inv,
                                    working=lambda: surface.show(WORKING, replace=True))
        if reply is not None:
            # "already done" is added, never put in place of the first click's result
            surface.show(reply.message, replace=not reply.repeated)

    def rerun(*, results_replace: bool) -> Any:
        """A button that runs its command for the clicker; with `results_replace`, a result
        takes the place of the message clicked (a next page), anything else is added."""
        def on_click(ack: Any, body: dict[str, Any], action: dict[str, Any], respond: Any,
                     client: Any) -> None:
            ack()
            reply = runner.run_value(action.get("value") or "",
                                     Invocation(click_identifier(body)))
            if reply is not None:
                click_surface(body, respond, client).show(
                    reply.message, replace=results_replace and reply.is_result)
        return on_click

    app.action(ids.RUN_PATTERN)(rerun(results_replace=False))
    app.action(ids.MORE)(rerun(results_replace=True))

    @app.action(ids.SHARE)
    def on_share(ack: Any, body: dict[str, Any], action: dict[str, Any], respond: Any,
                 client: Any) -> None:
        """Re-run the result with the clicker's own key and post it in the open."""
        ack()
        user_id = (body.get("user") or {}).get("id", "")
        surface = click_surface(body, respond, client)
        reply = runner.run_value(action.get("value") or "", Invocation(click_identifier(body)))
        if reply is None:
            return
        if not reply.is_result:
            surface.show(reply.message)
            return
        container = body.get("container") or {}
        channel = container.get("channel_id") or (body.get("channel") or {}).get("id")
        public = shared_message(reply.message, user_id)
        try:
            client.chat_postMessage(channel=channel, thread_ts=container.get("thread_ts"),
                                    text=public["text"], blocks=public["blocks"],
                                    unfurl_links=False, unfurl_media=False)
        except SlackApiError as error:
            log.info("share failed: %s", error.response.get("error"))
            surface.show(error_message(NOT_SHARED))

    @app.action(ids.HELP)
    def on_help(ack: Any, body: dict[str, Any], action: dict[str, Any], respond: Any,
                client: Any) -> None:
        ack()
        value = action.get("value") or "help"
        reply = runner.run_text(value if value.startswith("help") else "help",
                                Invocation(click_identifier(body)))
        if reply is not None:
            click_surface(body, respond, client).show(reply.message)

    @app.action(ids.OPEN_IN_AFFINITY)
    def on_open(ack: Any) -> None:
        ack()
