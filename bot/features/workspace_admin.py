"""What a Slack workspace admin sees at the bottom of their App Home: Affinity link previews
on or off for the workspace (with the button to change it), and how the assistant's answers
were rated (the assistant pane's feedback buttons) over the last 30 days.

Whether someone is an admin is asked of Slack (`users.info`: admin, owner or primary owner) each
time the Home is drawn and again on every click; a forged click by anyone else changes nothing.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient

from bot.blocks import kit
from bot.connector import click_identifier, parse_identifier
from bot.features import home
from bot.features.assistant_pane.store import PaneStore
from bot.features.connect import is_workspace_admin, known_workspace_admin
from bot.features.unfurls.settings import UnfurlSettings
from bot.services import Services

log = logging.getLogger(__name__)

TOGGLE_PREVIEWS = "admin_link_previews"
FEEDBACK_DAYS = 30
NOT_ADMIN = "Only a Slack workspace admin or owner can change this; nothing was changed."


def admin_section(services: Services, client: WebClient, identifier: str) -> list[dict[str, Any]]:
    """The admin's blocks, or none for everyone else (or when Slack cannot say)."""
    user = parse_identifier(identifier)
    if not known_workspace_admin(client, user.user_id):
        return []
    previews_on = UnfurlSettings(services.engine, services.clock).enabled(user.team_id)
    since = services.clock() - dt.timedelta(days=FEEDBACK_DAYS)
    counts = PaneStore(services.engine, services.clock).feedback_counts(user.team_id, since)
    state = "on" if previews_on else "off"
    button = kit.button(
        "Turn previews off" if previews_on else "Turn previews on",
        TOGGLE_PREVIEWS,
        "off" if previews_on else "on",
    )
    return [
        kit.divider(),
        kit.header("Workspace settings (admins)"),
        kit.section(
            f"*Affinity link previews* are *{state}*: a shared Affinity link is previewed "
            "with the sharer's own access (never a deal on a private list).",
            accessory=button,
        ),
        kit.context(
            f"Assistant answers rated in the last {FEEDBACK_DAYS} days: "
            f":thumbsup: {counts['good']} good · :thumbsdown: {counts['bad']} bad"
        ),
    ]


class AdminListeners:
    def __init__(self, services: Services) -> None:
        self.services = services
        self.settings = UnfurlSettings(services.engine, services.clock)

    def on_toggle_previews(
        self, ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient
    ) -> None:
        ack()
        identifier = click_identifier(body)
        user = parse_identifier(identifier)
        if not is_workspace_admin(client, user.user_id):
            client.chat_postMessage(channel=user.user_id, text=NOT_ADMIN)
            return
        self.settings.set(user.team_id, action.get("value") == "on", user.user_id)
        home.publish_home(self.services, client, identifier)


def register(app: App, services: Services) -> None:
    listeners = AdminListeners(services)
    app.action(TOGGLE_PREVIEWS)(listeners.on_toggle_previews)
    home.add_home_section("workspace-admin", admin_section)
