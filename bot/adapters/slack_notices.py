"""Tell Slack users about their revoked key from a process that is not the Slack app.

A LangChain agent or the MCP server may be the first to see Affinity refuse a Slack user's key
(a token made with `/affinity mcp-token`, or a linked identifier). The account turns REVOKED in
any case; with this, the user also gets the same one Reconnect DM the Slack app sends (claimed in
the database, so never twice), when the process is configured to reach Slack: `SLACK_BOT_TOKEN`
(one workspace), or `SLACK_CLIENT_ID` with the installations in the shared database (OAuth).
Without either, nothing is sent and Slack asks the user to reconnect on their next command.
"""

from __future__ import annotations

import logging

from slack_sdk import WebClient

from bot.config import reveal
from bot.services import Services, SlackClients

log = logging.getLogger("bot.adapters.slack_notices")


def slack_clients(services: Services) -> SlackClients | None:
    """How this process reaches a Slack workspace, from the settings (None: it cannot)."""
    settings = services.settings
    base_url = settings.slack_api_url
    token = reveal(settings.slack_bot_token)
    if token:
        client = WebClient(token=token, base_url=base_url)
        return lambda team_id, enterprise_id: client
    if not settings.slack_client_id:
        return None
    from slack_sdk.oauth.installation_store.sqlalchemy import SQLAlchemyInstallationStore

    from bot.models import BOTS_TABLE, INSTALLATIONS_TABLE

    store = SQLAlchemyInstallationStore(
        client_id=settings.slack_client_id,
        engine=services.engine,
        bots_table_name=BOTS_TABLE,
        installations_table_name=INSTALLATIONS_TABLE,
    )

    def find(team_id: str, enterprise_id: str | None) -> WebClient | None:
        bot = store.find_bot(enterprise_id=enterprise_id, team_id=team_id)
        return WebClient(token=bot.bot_token, base_url=base_url) if bot and bot.bot_token else None

    return find


def announce_revocations(services: Services) -> bool:
    """Send Slack users the Reconnect DM when this process finds their key revoked; False when
    the settings give no way to reach Slack."""
    from bot.features.revocation import notify_revoked

    if services.slack_clients is None:
        services.slack_clients = slack_clients(services)
    if services.slack_clients is None:
        return False
    services.connector.on_revoked(
        lambda identifier, account: notify_revoked(services, identifier, account)
    )
    return True


__all__ = ["announce_revocations", "slack_clients"]
