"""Connected accounts without Slack: add / list / status / remove (identifiers: identifiers.py).

The operations are the Slack modal's, with the same vault semantics: the key is checked with
Affinity's whoami before anything is stored (a refused key changes nothing), sealed with the
whoami profile (`get_or_create_connected_account`, then ACTIVE with "connected" or
"reconnected" in the status history), and the account's lists are cached. Slack accounts are
managed in Slack only: these functions refuse a Slack identifier, and an external identifier a
Slack user linked to their account in the connect modal (bot/adapters/links.py), so a Slack
user's key is set only through the modal.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from affinity_client.errors import AffinityError
from bot.adapters.identifiers import (
    FORMAT,
    AccountProblem,
    check_external,
    is_slack_identifier,
    recredential_step,
)
from bot.connector import CONNECTION, ConnectorError
from bot.features.connect import disconnect, key_problem
from bot.services import Services
from vault import ConnectedAccount, StatusChange
from vault.redaction import register_secret

log = logging.getLogger("bot.adapters.accounts")


def check_unlinked(services: Services, identifier: str) -> str:
    """A valid external identifier that no Slack user linked; `AccountProblem` otherwise."""
    from bot.adapters.links import Links

    check_external(identifier)
    if Links(services.engine, services.clock).owner(identifier) is not None:
        raise AccountProblem(
            f"{identifier!r} is linked to a Slack user's account: only they manage it, in "
            "Slack (/affinity connect, /affinity mcp-token)."
        )
    return identifier


# ------------------------------------------------------------------------------ operations


def add(services: Services, identifier: str, api_key: str) -> ConnectedAccount:
    """Verify `api_key` with whoami and connect it to `identifier` (created if missing).

    Raises `AccountProblem` (nothing stored) for a bad identifier, a refused or malformed key,
    an unreachable Affinity or a key of another tenant than AFFINITY_TENANT_ID.
    """
    check_unlinked(services, identifier)
    api_key = api_key.strip()
    if not api_key:
        raise AccountProblem("No API key was given: paste it at the prompt or pipe it on stdin.")
    register_secret(api_key)  # scrubbed from any log line from now on
    # No Slack workspace: only the configured AFFINITY_TENANT_ID can pin the tenant.
    problem, profile = key_problem(services, "", api_key)
    if problem or profile is None:
        raise AccountProblem(problem or "Affinity could not check the key; nothing was saved.")
    services.vault.connect(CONNECTION, identifier, api_key, profile)
    del api_key
    services.connector.evict(identifier)
    try:
        services.connector.lists(identifier, refresh=True)
    except (ConnectorError, AffinityError) as error:
        log.info("caching the lists of %s failed: %s", identifier, type(error).__name__)
    account = services.connector.account(identifier)
    assert account is not None
    return account


def accounts(services: Services) -> list[ConnectedAccount]:
    """Every Affinity account, Slack and external, in id order."""
    return services.vault.list_accounts(connection_name=CONNECTION)


@dataclass(frozen=True)
class Status:
    account: ConnectedAccount | None
    history: list[StatusChange]
    checked: bool  # the key was just verified with whoami


def status(services: Services, identifier: str) -> Status:
    """The account, its status history, and (for an ACTIVE account) a live whoami check that
    also notices a revoked key (401 -> REVOKED, as any call would)."""
    connector = services.connector
    account = connector.account(identifier)
    if account is None:
        return Status(None, [], False)
    checked = False
    if str(account.status) == "ACTIVE":
        try:
            connector.run(identifier, "whoami", lambda client: client.whoami())
            services.vault.touch_verified(CONNECTION, identifier)
            checked = True
        except (ConnectorError, AffinityError) as error:
            log.info("status check of %s: %s", identifier, type(error).__name__)
        account = connector.account(identifier)
    return Status(account, services.vault.status_history(CONNECTION, identifier), checked)


def remove(services: Services, identifier: str) -> bool:
    """Erase the key, everything read with it and the account's MCP tokens, as a disconnect in
    Slack does (the account row and its history stay, PENDING). False if there was no such
    account."""
    check_unlinked(services, identifier)
    if services.connector.account(identifier) is None:
        return False
    disconnect(services, identifier)
    return True


__all__ = [
    "FORMAT",
    "AccountProblem",
    "Status",
    "accounts",
    "add",
    "check_external",
    "check_unlinked",
    "is_slack_identifier",
    "recredential_step",
    "remove",
    "status",
]
