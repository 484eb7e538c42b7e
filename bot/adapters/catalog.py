"""What every adapter shares: the tools it exposes, the services it runs on, its typed errors.

The tools are the assistant's catalog (`bot.agent.catalog.assistant_catalog`), read each time an
adapter is built: `affinity_client.TOOLS` plus the bot's reads built from several of them
(`affinity_prepare_meeting`), so a tool added to either reaches LangChain and MCP with no change
here. Reads are always exposed; writes only when the caller asks (and then each one needs a
person's approval, or a server started with `--allow-writes`). A composed read runs each of its
reads through `Connector.execute_tool` with the caller's key, as any other call.
"""

from __future__ import annotations

import threading
from typing import Any

from bot.adapters.identifiers import recredential_step
from bot.adapters.links import Links
from bot.agent.catalog import Catalog, ToolLike, assistant_catalog
from bot.connector import (
    CONNECTION,
    ConnectorError,
    KeyRevokedError,
    NotConnectedError,
)
from bot.services import Services

_shared: Services | None = None
_shared_lock = threading.Lock()

_STATUS_WORDS = {
    "NONE": "has never been connected",
    "PENDING": "has no key connected",
    "REVOKED": "was revoked",
}


class AccountNotConnected(ConnectorError):
    """The identifier has no usable Affinity key: never connected, disconnected, or revoked.

    `status` is "NONE", "PENDING" or "REVOKED"; `reason` why it was revoked; `step` what its
    owner does to connect again (also in `str()`).
    """

    def __init__(
        self, identifier: str, status: str, reason: str | None = None, *, account: str = ""
    ) -> None:
        self.identifier = identifier
        self.reason = reason
        self.step = recredential_step(account or identifier)  # a linked one: its Slack owner's
        why = f" ({reason})" if reason and status == "REVOKED" else ""
        words = _STATUS_WORDS.get(status, "is not usable")
        super().__init__(
            f"The Affinity account {identifier!r} {words}{why}. To use it, {self.step}.",
            status=401 if status == "REVOKED" else None,
        )
        self.status = status  # type: ignore[assignment]  # the account's, not an HTTP status


class WriteRefused(ConnectorError):
    """A write that was not approved, or not allowed on this server; nothing was changed."""


def check_connection_name(connection_name: str) -> None:
    if connection_name != CONNECTION:
        raise ValueError(
            f"unknown connection {connection_name!r}: this app serves only {CONNECTION!r}"
        )


def adapter_catalog(services: Services) -> Catalog:
    """Every tool an adapter may expose, by name: the assistant's own catalog."""
    return assistant_catalog(services.clock)


def exposed_tools(services: Services, include_writes: bool) -> list[ToolLike]:
    """The catalog's tools, in catalog order; writes only if `include_writes`."""
    return [
        tool for tool in adapter_catalog(services).values() if include_writes or not tool.writes
    ]


def account_of(services: Services, identifier: str) -> str:
    """The account an identifier names: a Slack user's when they linked it (links.py)."""
    return Links(services.engine, services.clock).resolve(identifier)


def require_active(services: Services, identifier: str) -> None:
    """`AccountNotConnected` unless the identifier's account is ACTIVE."""
    owner = account_of(services, identifier)
    account = services.connector.account(owner)
    if account is None:
        raise AccountNotConnected(identifier, "NONE", account=owner)
    if str(account.status) != "ACTIVE":
        status, reason = str(account.status), account.status_reason
        raise AccountNotConnected(identifier, status, reason, account=owner)


def execute(
    services: Services, identifier: str, tool_name: str, tool_input: dict[str, Any] | None
) -> dict[str, Any]:
    """`Connector.execute_tool` for the identifier's account — the one path — with a lost key
    reported as `AccountNotConnected` (naming the step for this kind of account). A composed
    read (meeting prep) runs each of its reads that way."""
    owner = account_of(services, identifier)
    compose = getattr(adapter_catalog(services).get(tool_name), "compose", None)
    try:
        if callable(compose):
            return dict(compose(_executor(services, owner), dict(tool_input or {})))
        return services.connector.execute_tool(owner, tool_name, tool_input)
    except KeyRevokedError as revoked:
        raise AccountNotConnected(identifier, "REVOKED", revoked.reason, account=owner) from None
    except NotConnectedError as refused:
        status, reason = str(refused.status), refused.reason
        raise AccountNotConnected(identifier, status, reason, account=owner) from None


def _executor(services: Services, owner: str) -> Any:
    def run(name: str, tool_input: dict[str, Any]) -> dict[str, Any]:
        return services.connector.execute_tool(owner, name, tool_input)

    return run


def shared_services() -> Services:
    """One `Services` per process from the environment (DATABASE_URL, VAULT_MASTER_KEYS,
    AFFINITY_BASE_URL, ...), built on first use: what `get_tools` runs on when given none."""
    global _shared
    with _shared_lock:
        if _shared is None:
            from bot.adapters.slack_notices import announce_revocations
            from bot.config import Settings

            _shared = Services.build(Settings.from_env())
            announce_revocations(_shared)
        return _shared


__all__ = [
    "AccountNotConnected",
    "WriteRefused",
    "account_of",
    "adapter_catalog",
    "check_connection_name",
    "execute",
    "exposed_tools",
    "require_active",
    "shared_services",
]
