"""Slack's assistant pane (manifest `assistant_view`, scope `assistant:write`), on Bolt's
`Assistant` middleware.

- `assistant_thread_started`: suggested prompts built from the user's own lists, or — not
  connected — a Connect prompt (button and suggested prompt); the viewed channel is stored.
- `assistant_thread_context_changed`: the channel the user now views is stored (our database
  is Bolt's thread-context store) and given to the next turn as context.
- A user message in a DM thread (Bolt routes every DM thread reply here): answered by the same
  conversation as any DM (commands, the assistant, cards), with a status per tool step, a title
  from the thread's first question, and feedback buttons under the answer in pane threads.
- Feedback clicks are stored (thread, user, verdict) and counted for workspace admins.
See docs/slack-app.md, "Surfaces".
"""

from __future__ import annotations

import logging
from dataclasses import replace
from typing import Any

from slack_bolt import Ack, App, Assistant, BoltContext, Say, SetSuggestedPrompts, SetTitle
from slack_sdk import WebClient

from bot.blocks import kit
from bot.connector import click_identifier, identifier_for, parse_identifier
from bot.features import home
from bot.features.activity import ActivityRecords
from bot.features.assistant_pane.prompts import (
    CONNECT_PROMPT,
    FEEDBACK,
    PROMPTS_TITLE,
    feedback_block,
    suggested_prompts,
    title_from,
    viewed_channel,
)
from bot.features.assistant_pane.store import DatabaseThreadContextStore, PaneStore
from bot.features.conversation import accounts
from bot.features.conversation.routing import is_direct_message, request_from
from bot.features.conversation.turns import Conversation
from bot.services import Services

log = logging.getLogger(__name__)


class PaneListeners:
    def __init__(self, services: Services, store: PaneStore) -> None:
        self.services = services
        self.store = store
        self.conversation = Conversation(services)

    def on_thread_started(
        self,
        event: dict[str, Any],
        context: BoltContext,
        say: Say,
        set_suggested_prompts: SetSuggestedPrompts,
    ) -> None:
        thread = event.get("assistant_thread") or {}
        user_id = thread.get("user_id") or context.user_id or ""
        team_id = context.team_id or ""
        self.store.start(
            team_id, user_id, thread["channel_id"], thread["thread_ts"], thread.get("context") or {}
        )
        identifier = identifier_for(team_id, user_id, context.enterprise_id)
        account = self.services.connector.account(identifier)
        if account is None or not accounts.is_active(account):
            say(**accounts.connect_prompt(account))
            set_suggested_prompts(prompts=[CONNECT_PROMPT], title=PROMPTS_TITLE)
            return
        recent = ActivityRecords(self.services.engine, self.services.clock).latest_named(
            identifier, ("organization", "opportunity", "person")
        )
        set_suggested_prompts(prompts=suggested_prompts(account, recent), title=PROMPTS_TITLE)

    def on_context_changed(self, event: dict[str, Any], context: BoltContext) -> None:
        thread = event.get("assistant_thread") or {}
        if not self.store.save_context(
            thread["channel_id"], thread["thread_ts"], thread.get("context") or {}
        ):
            self.store.start(
                context.team_id or "",
                thread.get("user_id") or context.user_id or "",
                thread["channel_id"],
                thread["thread_ts"],
                thread.get("context") or {},
            )

    def on_user_message(
        self, event: dict[str, Any], context: BoltContext, client: WebClient, set_title: SetTitle
    ) -> None:
        if not is_direct_message(event):
            return
        text = (event.get("text") or "").strip()
        request = request_from(event, context, text, is_dm=True)
        pane = self.store.find(request.channel, request.thread_ts)
        if pane is not None:
            if text and self.store.claim_title(request.channel, request.thread_ts):
                set_title(title_from(text))
            request = replace(
                request, context=viewed_channel(pane.context), footer=(feedback_block(),)
            )
        self.conversation.handle(client, request)

    def on_feedback(self, ack: Ack, body: dict[str, Any], action: dict[str, Any]) -> None:
        ack()
        container = body.get("container") or {}
        message = body.get("message") or {}
        user = parse_identifier(click_identifier(body))
        channel = container.get("channel_id") or (body.get("channel") or {}).get("id")
        message_ts = container.get("message_ts") or message.get("ts")
        if not channel or not message_ts:
            return
        verdict = str(action.get("value") or "")
        if verdict not in ("good", "bad"):
            log.info("feedback click with an unknown value ignored")
            return
        self.store.record_feedback(
            user.team_id,
            user.user_id,
            channel,
            container.get("thread_ts") or message.get("thread_ts") or message_ts,
            message_ts,
            verdict,
        )


OPEN_ASSISTANT = "open_assistant"  # App Home's link button; the listener only acks it
_app_ids: dict[str, str] = {}  # team id -> this app's id (auth.test), per process


def assistant_home_section(
    services: Services, client: WebClient, identifier: str
) -> list[dict[str, Any]]:
    """App Home: a button that opens the conversation with the app (its assistant)."""
    team_id = parse_identifier(identifier).team_id
    app_id = _app_ids.get(team_id)
    if app_id is None:
        app_id = str(client.auth_test().get("app_id") or "")
        if app_id:
            _app_ids[team_id] = app_id
    if not app_id:
        return []
    url = f"https://slack.com/app_redirect?app={app_id}&team={team_id}"
    return [
        kit.divider(),
        kit.section(
            "*Ask in plain language* — in the assistant pane (the ✦ button at the top of "
            "Slack) or in my Messages tab: “Which deals in our Series A pipeline moved this "
            "week?”",
            accessory=kit.button("Open the assistant", OPEN_ASSISTANT, url=url),
        ),
    ]


def register(app: App, services: Services) -> None:
    store = PaneStore(services.engine, services.clock)
    listeners = PaneListeners(services, store)
    assistant = Assistant(thread_context_store=DatabaseThreadContextStore(store))
    assistant.thread_started(listeners.on_thread_started)
    assistant.thread_context_changed(listeners.on_context_changed)
    assistant.user_message(listeners.on_user_message)
    app.assistant(assistant)
    app.action(FEEDBACK)(listeners.on_feedback)
    app.action(OPEN_ASSISTANT)(lambda ack: ack())
    home.add_home_section("assistant", assistant_home_section)


__all__ = ["FEEDBACK", "PaneStore", "register"]
