"""Who is asking: the vault identifier of a Slack user, their agent context, and the prompts
shown to someone who is not (or no longer) connected."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from affinity_client.errors import AuthenticationError
from bot.agent import CachedList, UserContext
from bot.blocks import actions as ids
from bot.blocks import kit
from bot.blocks.connection import ConnectionView, reconnect_prompt
from bot.blocks.text import Links
from bot.connector import (
    Connector,
    KeyRevokedError,
    NotConnectedError,
    cached_lists,
    lists_are_fresh,
)
from bot.features.home import connection_view
from vault import ConnectedAccount

Executor = Callable[[str, dict[str, Any]], Any]

CONNECT_TEXT = (
    ":wave: I answer with *your own* Affinity account, so connect it first: it takes a minute, "
    "your key stays private and is used only for your requests."
)


def is_active(account: ConnectedAccount | None) -> bool:
    return account is not None and str(account.status) == "ACTIVE"


def user_context(
    account: ConnectedAccount, timezone: str = "UTC", today: dt.date | None = None
) -> UserContext:
    """What the agent needs to know about the asking user: who they are in Affinity, their
    cached lists (names to ids), and their time zone and date."""
    profile = account.profile
    lists = tuple(CachedList(item.id, item.name, item.type) for item in cached_lists(account))
    return UserContext(
        identifier=account.identifier,
        affinity_user_name=(profile.user_name if profile else "") or "the user",
        workspace=(profile.tenant_name if profile else "") or "Affinity",
        affinity_user_email=profile.user_email if profile else None,
        lists=lists,
        lists_fresh=lists_are_fresh(account.lists_fetched_at, dt.datetime.now(dt.UTC)),
        today=today,
        timezone=timezone,
    )


def links_for(account: ConnectedAccount | None) -> Links:
    profile = account.profile if account is not None else None
    return Links(profile.tenant_subdomain if profile is not None else None)


def connect_prompt(account: ConnectedAccount | None) -> kit.Message:
    """Reconnect (a revoked key) or Connect (never connected / disconnected), with the button."""
    if account is not None and str(account.status) == "REVOKED":
        return reconnect_prompt(connection_view(account))
    return kit.message(
        "Connect your Affinity account first",
        [
            kit.section(CONNECT_TEXT),
            kit.actions([kit.button("Connect Affinity", ids.CONNECT, style="primary")]),
        ],
    )


def revoked_prompt(account: ConnectedAccount | None) -> kit.Message:
    """The Reconnect prompt after a key was rejected in the middle of a conversation."""
    view = connection_view(account)
    if view.status != "REVOKED":
        view = ConnectionView(
            status="REVOKED",
            user_name=view.user_name,
            workspace=view.workspace,
            subdomain=view.subdomain,
            revoked_reason="Affinity rejected the key",
        )
    return reconnect_prompt(view)


def agent_executor(connector: Connector, identifier: str) -> Executor:
    """The connector's executor for `identifier`, its errors in the agent's terms.

    A key rejected just now (`KeyRevokedError`) or an account that is not usable
    (`NotConnectedError`) become `AuthenticationError`, which stops the turn (or the approval)
    and asks the user to reconnect; every other Affinity error, a permission problem included,
    stays a tool error the model explains.
    """
    execute = connector.executor_for(identifier)

    def run(tool: str, tool_input: dict[str, Any]) -> Any:
        try:
            return execute(tool, tool_input)
        except (KeyRevokedError, NotConnectedError) as error:
            raise AuthenticationError(str(error)) from None

    return run
