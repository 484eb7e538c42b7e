"""Affinity link previews (`link_shared` -> `chat.unfurl`; scopes `links:read`, `links:write`;
manifest `unfurl_domains: [affinity.co]`, which covers every `<tenant>.affinity.co`).

A person, organization, deal or list URL is previewed with a compact card read with the key of
the person who shared it (`bot.features.unfurls.cards`). Someone who is not connected gets a
private Connect prompt and no preview. A deal on a private list, and a private list itself, are
never previewed: a preview is seen by everyone in the conversation. A workspace admin can turn
previews off (`bot.features.workspace_admin`). See docs/slack-app.md, "Surfaces".
"""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import App, BoltContext
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from affinity_client.errors import AffinityError
from bot.blocks import kit
from bot.blocks.connection import ConnectionView, connect_button
from bot.blocks.text import Links
from bot.connector import identifier_for
from bot.features.unfurls.cards import deal_card, list_card, organization_card, person_card
from bot.features.unfurls.links import AffinityLink, parse_link
from bot.features.unfurls.settings import UnfurlSettings
from bot.services import Services
from vault import ConnectedAccount

log = logging.getLogger(__name__)

MAX_LINKS = 5
CONNECT_TEXT = (
    ":link: Affinity links are previewed with the Affinity account of whoever shares them. "
    "Connect yours to show previews; nothing was shown for this link."
)


class LinkPreviews:
    def __init__(self, services: Services, settings: UnfurlSettings) -> None:
        self.services = services
        self.settings = settings

    def on_link_shared(
        self, event: dict[str, Any], context: BoltContext, client: WebClient
    ) -> None:
        team_id = context.team_id or ""
        user_id = event.get("user")
        if not user_id or not self.settings.enabled(team_id):
            return
        links = [
            link
            for link in (
                parse_link(str(item.get("url") or "")) for item in event.get("links") or []
            )
            if link is not None
        ][:MAX_LINKS]
        if not links:
            return
        identifier = identifier_for(team_id, user_id, context.enterprise_id)
        account = self.services.connector.account(identifier)
        if account is None or str(account.status) != "ACTIVE":
            self.ask_to_connect(client, event, account)
            return
        previews = Previews(self.services, identifier, account)
        unfurls = {link.url: card for link in links if (card := previews.card(link))}
        if not unfurls:
            return
        if event.get("source") == "composer":  # a link still being typed: no message yet
            target = {"unfurl_id": event["unfurl_id"], "source": event["source"]}
        else:
            target = {"channel": event["channel"], "ts": event["message_ts"]}
        try:
            client.chat_unfurl(unfurls=unfurls, **target)
        except SlackApiError as error:
            log.info("link preview refused: %s", error.response.get("error"))

    @staticmethod
    def ask_to_connect(
        client: WebClient, event: dict[str, Any], account: ConnectedAccount | None
    ) -> None:
        status = str(account.status) if account is not None else "NONE"
        message = kit.message(
            "Connect Affinity to preview Affinity links",
            [
                kit.section(CONNECT_TEXT),
                kit.actions([connect_button(ConnectionView(status=status))]),
            ],
        )
        thread = {"thread_ts": event["thread_ts"]} if event.get("thread_ts") else {}
        try:
            client.chat_postEphemeral(
                channel=event["channel"], user=event["user"], **thread, **message
            )
        except SlackApiError as error:  # the composer, or a channel the app is not in
            log.info("connect prompt for a link not posted: %s", error.response.get("error"))


class Previews:
    """The cards of one event's links, read with the sharer's key."""

    def __init__(self, services: Services, identifier: str, account: ConnectedAccount) -> None:
        self.connector = services.connector
        self.identifier = identifier
        profile = account.profile
        self.links = Links(profile.tenant_subdomain if profile is not None else None)
        self._lists: dict[int, dict[str, Any]] | None = None

    def card(self, link: AffinityLink) -> dict[str, Any] | None:
        try:
            return self._card(link)
        except AffinityError as error:  # not found, no permission, revoked: no preview
            log.info("no preview for a %s link: %s", link.kind, type(error).__name__)
            return None

    def _card(self, link: AffinityLink) -> dict[str, Any] | None:
        run = self.connector.execute_tool
        if link.kind == "person":
            return person_card(
                run(self.identifier, "affinity_get_person", {"person_id": link.id}), self.links
            )
        if link.kind == "organization":
            org = run(self.identifier, "affinity_get_organization", {"organization_id": link.id})
            return organization_card(org, self.links)
        if link.kind == "opportunity":
            deal = run(self.identifier, "affinity_get_opportunity", {"opportunity_id": link.id})
            if not self.is_public_list((deal.get("list") or {}).get("id")):
                return None  # a private list's deal is never shown to a whole conversation
            return deal_card(deal, self.links)
        item = self.lists().get(link.id)
        if item is None or not item.get("public"):
            return None
        return list_card(item, self.links)

    def lists(self) -> dict[int, dict[str, Any]]:
        if self._lists is None:
            result = self.connector.execute_tool(self.identifier, "affinity_list_lists", {})
            self._lists = {int(i["id"]): i for i in result.get("lists") or []}
        return self._lists

    def is_public_list(self, list_id: Any) -> bool:
        if list_id is None:
            return False
        item = self.lists().get(int(list_id))
        return bool(item and item.get("public"))


def register(app: App, services: Services) -> None:
    previews = LinkPreviews(services, UnfurlSettings(services.engine, services.clock))
    app.event("link_shared")(previews.on_link_shared)


__all__ = ["LinkPreviews", "register"]
