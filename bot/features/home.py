"""App Home: the user's connection, buttons, cached lists, recent activity and MCP tokens (with
Revoke buttons, bot/features/mcp_tokens.py); and how to reach
a user outside a request (a Slack client for their workspace), shared by connect and revocation.

The Home tab is published on `app_home_opened` (tab "home") and again after every connect,
disconnect and revocation, so it never shows a stale status.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import asdict
from typing import Any

from slack_bolt import App, BoltContext
from slack_sdk import WebClient

from bot.blocks import limits
from bot.blocks.connection import ConnectionView
from bot.blocks.home import app_home
from bot.connector import CONNECTION, SlackUser, cached_lists, identifier_for, parse_identifier
from bot.features.activity import named_activity
from bot.services import Services
from vault import ConnectedAccount

log = logging.getLogger("bot.features.home")
RECENT_ACTIVITY = 40  # audit rows read; a brief's reads are one line of them (blocks/home.py)

# Blocks other features add at the end of a user's Home (e.g. the workspace admin's settings):
# name -> (services, client, identifier) -> blocks. Added by those features' `register`.
HomeSection = Callable[[Services, WebClient, str], list[dict[str, Any]]]
_SECTIONS: dict[str, HomeSection] = {}


def add_home_section(name: str, section: HomeSection) -> None:
    _SECTIONS[name] = section


def with_sections(
    services: Services, client: WebClient, identifier: str, view: dict[str, Any]
) -> dict[str, Any]:
    """`view` with the other features' sections appended (within the Home's 100 blocks); a
    section that fails is left out and logged."""
    for name, section in list(_SECTIONS.items()):
        try:
            extra = section(services, client, identifier)
        except Exception:
            log.warning("the %s section of the App Home failed", name, exc_info=True)
            continue
        if len(view["blocks"]) + len(extra) <= limits.VIEW_BLOCKS:
            view["blocks"].extend(extra)
    return view


def connection_view(account: ConnectedAccount | None) -> ConnectionView:
    """What the blocks show about an account (never anything secret)."""
    if account is None:
        return ConnectionView()
    profile = account.profile
    return ConnectionView(
        status=str(account.status),
        user_name=profile.user_name if profile else None,
        user_email=profile.user_email if profile else None,
        workspace=profile.tenant_name if profile else None,
        subdomain=profile.tenant_subdomain if profile else None,
        last_verified_at=account.last_verified_at.isoformat() if account.last_verified_at else None,
        revoked_reason=account.status_reason if str(account.status) == "REVOKED" else None,
        revoked_at=account.revoked_at.isoformat() if account.revoked_at else None,
    )


def home_view(services: Services, identifier: str) -> dict[str, Any]:
    connector = services.connector
    account = connector.account(identifier)
    lists = [asdict(item) for item in cached_lists(account)]
    activity = named_activity(
        services, identifier, connector.recent_activity(identifier, RECENT_ACTIVITY)
    )
    return app_home(connection_view(account), lists, activity)


def publish_home(services: Services, client: WebClient | None, identifier: str) -> bool:
    """Publish the user's Home tab now; False (logged) if Slack could not be reached."""
    user = parse_identifier(identifier)
    client = client or slack_client_for(services, user)
    if client is None:
        return False
    try:
        view = with_sections(services, client, identifier, home_view(services, identifier))
        client.views_publish(user_id=user.user_id, view=view)
        return True
    except Exception:
        log.warning("could not publish the App Home of %s", identifier, exc_info=True)
        return False


def slack_client_for(services: Services, user: SlackUser) -> WebClient | None:
    """A Web API client for the user's workspace, outside any request (DMs, Home refresh)."""
    find = services.slack_clients
    return find(user.team_id, user.enterprise_id) if find else None


def register(app: App, services: Services) -> None:
    @app.event("app_home_opened")
    def handle_app_home_opened(
        event: dict[str, Any], context: BoltContext, client: WebClient
    ) -> None:
        if event.get("tab", "home") != "home" or not event.get("user"):
            return
        team_id = context.team_id or event.get("view", {}).get("team_id")
        identifier = identifier_for(team_id, event["user"], context.enterprise_id)
        view = with_sections(services, client, identifier, home_view(services, identifier))
        client.views_publish(user_id=event["user"], view=view)


__all__ = [
    "CONNECTION",
    "connection_view",
    "home_view",
    "publish_home",
    "register",
    "slack_client_for",
]
