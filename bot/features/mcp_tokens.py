"""Personal MCP tokens in Slack: `/affinity mcp-token [label]` creates one, App Home lists and
revokes them (with the agent identifiers linked by `/affinity link-agent`, bot/features/connect.py).

A token lets an MCP client (Claude Desktop/Code, an agent) reach the HTTP MCP server as the Slack
user who made it, with their own Affinity key (bot/adapters/mcp). It is shown once, in a private
modal (never in a message: messages stay in Slack's history); only its digest is stored. It needs
the slash command's trigger id, so a DM or a mention is told to use the slash command.
"""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient

from bot.adapters.tokens import TokenInfo, TokenStore
from bot.blocks import kit
from bot.blocks.text import escape_clip
from bot.connector import click_identifier
from bot.features.home import add_home_section, publish_home
from bot.services import Services

log = logging.getLogger("bot.features.mcp_tokens")

REVOKE = "affinity_mcp_token_revoke"  # value: the token's id
MAX_LISTED = 10
SLASH_ONLY = (
    "Type `/affinity mcp-token` as a slash command: the token is shown once, in a private "
    "window only you see."
)
LINK_SLASH_ONLY = (
    "Type `/affinity link-agent` as a slash command: it asks for your key in a private window."
)
LINK_OPENED = "Paste your key and the name your agents will use in the window that just opened."
CONNECT_FIRST = (
    "Connect your Affinity key first (`/affinity connect`): an MCP token acts with your own key."
)


def tokens(services: Services) -> TokenStore:
    return TokenStore(services.engine, services.clock)


def create_token(
    services: Services,
    client: WebClient | None,
    trigger_id: str | None,
    identifier: str,
    label: str | None,
) -> kit.Message:
    """Open the modal that shows a new token once, and answer with a line without the token (or
    say why no token was made)."""
    if client is None or not trigger_id:
        return kit.message(SLASH_ONLY, [kit.section(SLASH_ONLY)])
    account = services.connector.account(identifier)
    if account is None or str(account.status) != "ACTIVE":
        return kit.message(CONNECT_FIRST, [kit.section(CONNECT_FIRST)])
    token, info = tokens(services).create(identifier, label or "MCP token", via="slack")
    client.views_open(trigger_id=trigger_id, view=token_modal(token, info))
    publish_home(services, client, identifier)
    done = (
        f"Created the MCP token *{escape_clip(info.label, 100)}* (`{info.hint}…`): it is in the "
        "window that just opened, shown only there. My App Home lists your tokens to revoke them."
    )
    return kit.message(done, [kit.section(done)])


def token_modal(token: str, info: TokenInfo) -> dict[str, Any]:
    """The one view that ever holds the token."""
    return {
        "type": "modal",
        "title": kit.plain("Your MCP token", 24),
        "close": kit.plain("Done", 24),
        "blocks": [
            kit.section(
                f"*{escape_clip(info.label, 100)}*: copy it now, it is shown only this once.\n"
                f"```{token}```"
            ),
            kit.context(
                "Give it to your MCP client as the header `Authorization: Bearer <token>`, e.g. "
                "`claude mcp add --transport http affinity <server>/mcp --header "
                '"Authorization: Bearer <token>"`. It acts with your own Affinity key. '
                "Revoke it any time on my App Home."
            ),
        ],
    }


def home_blocks(services: Services, identifier: str) -> list[dict[str, Any]]:
    """The user's live tokens with Revoke buttons, and the agent identifiers linked to their
    account (nothing when they have neither)."""
    from bot.adapters.links import Links

    live = tokens(services).list(identifier)
    linked = Links(services.engine, services.clock).links_of(identifier)
    if not live and not linked:
        return []
    blocks: list[dict[str, Any]] = [kit.divider(), kit.section("*Your agents*")]
    if linked:
        names = ", ".join(f"`{escape_clip(name, 255)}`" for name in linked)
        blocks.append(
            kit.context(
                f"Your own agents may use your key as {names} (linked when you connected; "
                "disconnecting removes the link)."
            )
        )
    if live:
        blocks.append(kit.context("MCP tokens: each acts with your key until you revoke it."))
    for info in live[:MAX_LISTED]:
        used = info.last_used_at.strftime("%Y-%m-%d") if info.last_used_at else "never"
        line = (
            f"*{escape_clip(info.label, 100)}* `{info.hint}…` · created "
            f"{info.created_at:%Y-%m-%d} · last used {used}"
        )
        revoke = kit.button(
            "Revoke",
            REVOKE,
            info.id,
            style="danger",
            confirm=kit.confirm_dialog(
                "Revoke this token?",
                "MCP clients using it stop working at once.",
                "Revoke",
            ),
        )
        blocks.append(kit.section(line, accessory=revoke))
    if len(live) > MAX_LISTED:
        blocks.append(kit.context(f"and {len(live) - MAX_LISTED} older tokens"))
    return blocks


def _home_section(services: Services, client: WebClient, identifier: str) -> list[dict[str, Any]]:
    return home_blocks(services, identifier)


def register(app: App, services: Services) -> None:
    add_home_section("agents", _home_section)  # the user's tokens, with their Revoke buttons

    @app.action(REVOKE)
    def on_revoke(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        ack()
        identifier = click_identifier(body)
        token_id = str(((body.get("actions") or [{}])[0]).get("value") or "")
        if not tokens(services).revoke(identifier, token_id):
            log.info("token revoke click for a token %s does not hold", identifier)
        publish_home(services, client, identifier)


__all__ = ["REVOKE", "create_token", "home_blocks", "register", "token_modal"]
