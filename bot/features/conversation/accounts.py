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

Executor = Callable[[str, dict[str, Any]], Any]

# Affinity's numeric list types, as some cached lists carry them.
_LIST_TYPES = {"0": "person", "1": "organization", "8": "opportunity"}

CONNECT_TEXT = (
    ":wave: I answer with *your own* Affinity account, so connect it first: it takes a minute, "
    "your key stays private and is used only for your requests."
)


def identifier_of(team_id: str, user_id: str, enterprise_id: str | None) -> str:
    from bot.connector import identifier_for

    return identifier_for(team_id, user_id, enterprise_id)


def connector(services: Any) -> Any:
    """The process's connector (created on first use)."""
    from bot.connector import connector_of

    return connector_of(services)


def is_active(account: Any) -> bool:
    return account is not None and str(getattr(account, "status", "")) == "ACTIVE"


def user_context(account: Any, timezone: str = "UTC",
                 today: dt.date | None = None) -> UserContext:
    """What the agent needs to know about the asking user: who they are in Affinity, their
    cached lists (names to ids), and their time zone and date."""
    profile = account.profile
    lists = tuple(
        CachedList(int(item.id), str(item.name), _LIST_TYPES.get(str(item.type), str(item.type)))
        for item in account.lists or ())
    return UserContext(
        identifier=account.identifier,
        affinity_user_name=(profile.user_name if profile else "") or "the user",
        workspace=(profile.tenant_name if profile else "") or "Affinity",
        affinity_user_email=profile.user_email if profile else None,
        lists=lists,
        today=today,
        timezone=timezone,
    )


def links_for(account: Any) -> Links:
    profile = getattr(account, "profile", None)
    return Links(getattr(profile, "tenant_subdomain", None))


def connection_view(account: Any) -> ConnectionView:
    if account is None:
        return ConnectionView()
    profile = account.profile
    revoked_at = getattr(account, "revoked_at", None)
    return ConnectionView(
        status=str(account.status),
        user_name=profile.user_name if profile else None,
        user_email=profile.user_email if profile else None,
        workspace=profile.tenant_name if profile else None,
        subdomain=profile.tenant_subdomain if profile else None,
        revoked_reason=getattr(account, "status_reason", None),
        revoked_at=revoked_at.isoformat() if revoked_at else None,
    )


def connect_prompt(account: Any) -> kit.Message:
    """Reconnect (a revoked key) or Connect (never connected / disconnected), with the button."""
    if account is not None and str(account.status) == "REVOKED":
        return reconnect_prompt(connection_view(account))
    return kit.message("Connect your Affinity account first", [
        kit.section(CONNECT_TEXT),
        kit.actions([kit.button("Connect Affinity", ids.CONNECT, style="primary")]),
    ])


def revoked_prompt(account: Any) -> kit.Message:
    """The Reconnect prompt after a key was rejected in the middle of a conversation."""
    view = connection_view(account)
    if view.status != "REVOKED":
        view = ConnectionView(status="REVOKED", user_name=view.user_name,
                              workspace=view.workspace, subdomain=view.subdomain,
                              revoked_reason="Affinity rejected the key")
    return reconnect_prompt(view)


def agent_executor(connector: Any, identifier: str) -> Executor:
    """The connector's executor for `identifier`, its errors in the agent's terms.

    A key rejected just now (`KeyRevokedError`) or an account that is not usable
    (`NotConnectedError`) become `AuthenticationError`, which stops the turn (or the approval)
    and asks the user to reconnect; every other Affinity error, a permission problem included,
    stays a tool error the model explains.
    """
    from bot.connector import KeyRevokedError, NotConnectedError

    execute = connector.executor_for(identifier)

    def run(tool: str, tool_input: dict[str, Any]) -> Any:
        try:
            return execute(tool, tool_input)
        except (KeyRevokedError, NotConnectedError) as error:
            raise AuthenticationError(str(error)) from None

    return run
