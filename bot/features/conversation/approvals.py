"""The confirmation card's buttons, and the sweep that marks expired cards.

A button's value names the batch (minted with the card) and the item; the message it is clicked
on (`message_ts`, container) plays no part. A click is acknowledged at once; then, one click per
card at a time in this process (the database's conditional claims make it exactly once across
processes), the proposal store runs or cancels the items with an executor bound to the **batch
owner's** credential. Only the owner may act: anyone else is told so, privately, and nothing
runs. The card is re-rendered with every item's state, the outcome is posted in the thread (the
agent core also records it in the thread's memory for the model), and a key rejected while
approving gets the Reconnect prompt. A click that finds nothing to do is told why, privately:
in progress (answered at once, without waiting for the first click), already done with each
item's result, failed, cancelled, expired, or a card that is no longer valid.
"""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import App, BoltContext
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.agent import ActionResult, Agent, BatchView
from bot.agent.proposals import RUNNING
from bot.blocks import kit
from bot.blocks.confirmation import APPROVE, APPROVE_ALL, confirmation_card, parse_action_value
from bot.connector import identifier_for
from bot.features.conversation import accounts
from bot.features.conversation.locks import KeyedLocks
from bot.features.conversation.outcomes import (
    IN_PROGRESS_TEXT,
    nothing_done_text,
    outcome_text,
)
from bot.services import Services
from vault import ConnectedAccount

log = logging.getLogger(__name__)

EXPIRY_SWEEP_SECONDS = 60.0
BROKEN_BUTTON_TEXT = "This button no longer works; ask me again."
WORKING_TEXT = ":hourglass_flowing_sand: Approved — making the changes in Affinity…"
BUTTON_BLOCKS = ("agent_item:", "agent_all:")
UNAVAILABLE_TEXT = "The assistant is not configured in this app any more; nothing was changed."


class Approvals:
    def __init__(self, services: Services) -> None:
        self.services = services
        self.card_locks = KeyedLocks()

    def click(
        self, client: WebClient, body: dict[str, Any], action: dict[str, Any], context: BoltContext
    ) -> None:
        user_id = context.user_id or (body.get("user") or {}).get("id")
        container = body.get("container") or {}
        channel = container.get("channel_id") or (body.get("channel") or {}).get("id")

        def tell(text: str) -> None:
            self._ephemeral(client, channel, user_id, container.get("thread_ts"), text)

        agent = self.services.agent
        if agent is None:
            tell(UNAVAILABLE_TEXT)
            return
        try:
            batch_id, index = parse_action_value(action.get("value") or "")
        except ValueError:
            tell(BROKEN_BUTTON_TEXT)
            return
        clicker = identifier_for(context.team_id, user_id, context.enterprise_id)
        message_ts = container.get("message_ts")
        if self._in_progress(agent, batch_id, clicker, index):
            tell(IN_PROGRESS_TEXT)
            return
        with self.card_locks.hold(batch_id):
            batch = agent.proposals.get(batch_id)
            if batch is None or clicker != batch.owner:
                refused = "not_found" if batch is None else "not_owner"
                tell(ActionResult(batch, refused=refused).message)
                return
            if action.get("action_id") in (APPROVE, APPROVE_ALL):
                result = self._approve(agent, client, batch, clicker, index, channel, message_ts)
            else:
                result = agent.cancel(batch_id, clicker, index)
            self._show(client, result, channel, message_ts, tell)

    @staticmethod
    def _in_progress(agent: Agent, batch_id: str, clicker: str, index: int | None) -> bool:
        """True when every item this click is for is being made by an earlier click."""
        batch = agent.proposals.get(batch_id)
        if batch is None or batch.owner != clicker:
            return False
        items = batch.items if index is None else batch.items[index : index + 1]
        return bool(items) and all(item.status == RUNNING for item in items)

    def _approve(
        self,
        agent: Agent,
        client: WebClient,
        batch: BatchView,
        clicker: str,
        index: int | None,
        channel: str | None,
        message_ts: str | None,
    ) -> ActionResult:
        """Run the approved items with the owner's credential; the card says so meanwhile
        (from the moment they are claimed: a second click is then told they are running)."""
        execute = accounts.agent_executor(self.services.connector, batch.owner)
        try:
            return agent.approve(
                batch.id,
                clicker,
                execute,
                index,
                on_running=lambda: self._show_working(client, batch, channel, message_ts),
            )
        except Exception:  # put the buttons back (what is still pending) before apologising
            self.update_card(
                client,
                agent.proposals.get(batch.id) or batch,
                self._account(batch.owner),
                channel,
                message_ts,
            )
            raise

    def _show(
        self,
        client: WebClient,
        result: ActionResult,
        channel: str | None,
        message_ts: str | None,
        tell: Any,
    ) -> None:
        batch = result.batch
        assert batch is not None
        account = self._account(batch.owner)
        self.update_card(client, batch, account, channel, message_ts)
        thread = batch.thread
        if result.acted:
            client.chat_postMessage(
                channel=thread.channel_id, thread_ts=thread.thread_ts, text=outcome_text(result)
            )
        else:
            tell(nothing_done_text(result))
        if result.needs_reconnect:
            prompt = accounts.revoked_prompt(self._account(batch.owner))
            client.chat_postMessage(channel=thread.channel_id, thread_ts=thread.thread_ts, **prompt)

    def _show_working(
        self, client: WebClient, batch: BatchView, channel: str | None, ts: str | None
    ) -> None:
        """The card without its buttons while the approved writes run (a slow Affinity, a
        second click): the final states replace it."""
        if not batch.open:
            return
        card = confirmation_card(batch, links=accounts.links_for(self._account(batch.owner)))
        blocks = [
            b for b in card["blocks"] if not str(b.get("block_id") or "").startswith(BUTTON_BLOCKS)
        ]
        blocks.append(kit.context(WORKING_TEXT))
        self._update(
            client,
            batch.card_channel or channel,
            batch.card_ts or ts,
            {"text": card["text"], "blocks": blocks},
        )

    def update_card(
        self,
        client: WebClient,
        batch: BatchView,
        account: ConnectedAccount | None = None,
        channel: str | None = None,
        ts: str | None = None,
    ) -> None:
        self._update(
            client,
            batch.card_channel or channel,
            batch.card_ts or ts,
            confirmation_card(batch, links=accounts.links_for(account)),
        )

    @staticmethod
    def _update(
        client: WebClient, channel: str | None, ts: str | None, message: dict[str, Any]
    ) -> None:
        if not channel or not ts:
            return
        try:
            client.chat_update(channel=channel, ts=ts, **message)
        except SlackApiError as error:  # deleted card, archived channel: the thread still says
            log.warning("could not update confirmation card: %s", error.response.get("error"))

    def expire_cards(self, app: App) -> int:
        """The periodic sweep: expire due proposals and show it on their cards."""
        agent = self.services.agent
        if agent is None:
            return 0
        expired = agent.proposals.expire_due_batches()
        for batch_id in expired:
            batch = agent.proposals.get(batch_id)
            if batch is None or not batch.card_ts:
                continue
            client = client_for_team(app, self.services, batch.thread.team_id)
            if client is not None:
                self.update_card(client, batch, self._account(batch.owner))
        return len(expired)

    def _account(self, identifier: str) -> Any:
        return self.services.connector.account(identifier)

    @staticmethod
    def _ephemeral(
        client: WebClient,
        channel: str | None,
        user_id: str | None,
        thread_ts: str | None,
        text: str,
    ) -> None:
        if not channel or not user_id:
            return
        client.chat_postEphemeral(
            channel=channel, user=user_id, text=text, thread_ts=thread_ts or None
        )


def client_for_team(app: App, services: Services, team_id: str) -> WebClient | None:
    """A Web API client with the bot token of `team_id`, outside any request (for sweeps)."""
    store = app.installation_store
    if store is None:
        return app.client
    try:
        bot = store.find_bot(enterprise_id=None, team_id=team_id)
    except Exception:  # a broken store must not stop the sweep for other teams
        log.exception("could not load the installation of team %s", team_id)
        return None
    if bot is None or not bot.bot_token:
        return None
    return WebClient(token=bot.bot_token, base_url=services.settings.slack_api_url)
