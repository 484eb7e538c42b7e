"""Conversations in Slack: DMs and @mentions answered in their thread, by a command or by the
assistant, and the Approve / Cancel buttons of the assistant's confirmation cards.

`register(app, services)` uses `services.agent` (None without `ANTHROPIC_API_KEY`: DM text is
then taken as commands) and maps each surface to a `ConversationListeners` handler: the one
`message` listener (DMs), the `app_mention` listener (answered to the asker only unless the
channel was made public), the card buttons and the Share button of private answers; it adds a
sweep that marks expired cards and one that prunes unshared answers. See docs/agent.md, "In Slack".
"""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

from slack_bolt import Ack, App, BoltContext, Respond
from slack_sdk import WebClient

from bot.blocks.confirmation import ACTION_IDS
from bot.connector import identifier_for
from bot.features.conversation.approvals import EXPIRY_SWEEP_SECONDS, Approvals
from bot.features.conversation.held import PRUNE_SECONDS as HELD_PRUNE_SECONDS
from bot.features.conversation.held import SHARE_ANSWER, share_click
from bot.features.conversation.private import PrivateCardClient
from bot.features.conversation.routing import is_direct_message, request_from, strip_mention
from bot.features.conversation.turns import Conversation
from bot.services import Services

# Conversation memory holds CRM data fetched with a user's key: erased after this long idle.
IDLE_CONVERSATION = timedelta(days=30)
IDLE_SWEEP_SECONDS = 6 * 3600.0
CARD_ACTIONS = re.compile("^(" + "|".join(re.escape(a) for a in ACTION_IDS) + ")$")


def forget_idle_conversations(services: Services) -> int:
    agent = services.agent
    return agent.memory.delete_idle(IDLE_CONVERSATION) if agent is not None else 0


class ConversationListeners:
    """The handlers of DMs, @mentions, the cards' buttons and Share (Bolt passes the arguments
    by name; `self` carries the process's conversation and approvals)."""

    def __init__(self, conversation: Conversation, approvals: Approvals) -> None:
        self.conversation = conversation
        self.approvals = approvals

    # -- messages ------------------------------------------------------------------------

    def on_message(self, event: dict[str, Any], client: WebClient, context: BoltContext) -> None:
        if not is_direct_message(event):
            return  # edits, deletions, bot posts, channel messages: not addressed to the bot
        text = (event.get("text") or "").strip()
        self.conversation.handle(client, request_from(event, context, text, is_dm=True))

    def on_mention(self, event: dict[str, Any], client: WebClient, context: BoltContext) -> None:
        if event.get("subtype") or event.get("bot_id") or not event.get("user"):
            return
        text = strip_mention(event.get("text") or "", context.bot_user_id)
        self.conversation.handle(client, request_from(event, context, text, is_dm=False))

    # -- buttons -------------------------------------------------------------------------

    def on_card_button(
        self,
        ack: Ack,
        body: dict[str, Any],
        action: dict[str, Any],
        client: WebClient,
        context: BoltContext,
        respond: Respond,
    ) -> None:
        ack()
        if (body.get("container") or {}).get("is_ephemeral"):  # a card in a private thread
            client = PrivateCardClient(  # type: ignore[assignment]
                client, respond, context.user_id or ""
            )
        self.approvals.click(client, body, action, context)

    def on_share_answer(
        self,
        ack: Ack,
        body: dict[str, Any],
        action: dict[str, Any],
        client: WebClient,
        context: BoltContext,
        respond: Respond,
    ) -> None:
        ack()
        clicker = identifier_for(context.team_id, context.user_id, context.enterprise_id)
        share_click(
            self.conversation.held, client, body, action.get("value") or "", clicker, respond
        )


def register(app: App, services: Services) -> None:
    conversation = Conversation(services)
    approvals = Approvals(services)
    listeners = ConversationListeners(conversation, approvals)
    app.event("message")(listeners.on_message)
    app.event("app_mention")(listeners.on_mention)
    app.action(CARD_ACTIONS)(listeners.on_card_button)
    app.action(SHARE_ANSWER)(listeners.on_share_answer)

    services.background.register(
        "expire-agent-proposals", EXPIRY_SWEEP_SECONDS, lambda: approvals.expire_cards(app)
    )
    services.background.register(
        "forget-idle-conversations", IDLE_SWEEP_SECONDS, lambda: forget_idle_conversations(services)
    )
    services.background.register("prune-held-answers", HELD_PRUNE_SECONDS, conversation.held.prune)
