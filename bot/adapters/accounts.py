"""Connected accounts without Slack: their identifiers, and add / list / status / remove.

Identifiers. A Slack user's account is `T…:U…` (`T…:U…:E…` on Enterprise Grid, see
`bot.connector.identifier_for`): it always contains ':'. An account made outside Slack has an
*external identifier*: 1 to 255 characters from letters, digits and `. _ @ + -`, starting with a
letter or digit, and never a ':' — e.g. `user_aff_123` or `ana@firm.com`. The two kinds can
therefore never collide, and erasing a Slack workspace (`T…:` prefix) never touches one.

The operations are the Slack modal's, with the same vault semantics: the key is checked with
Affinity's whoami before anything is stored (a refused key changes nothing), sealed with the
whoami profile (`get_or_create_connected_account`, then ACTIVE with "connected" or
"reconnected" in the status history), and the account's lists are cached. Slack accounts are
managed in Slack only: these functions refuse a Slack identifier, so a Slack user's key is set
only through the modal.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass

from affinity_client.errors import AffinityError
from bot.connector import CONNECTION, ConnectorError
from bot.features.connect import disconnect, key_problem
from bot.services import Services
from vault import ConnectedAccount, StatusChange
from vault.redaction import register_secret

log = logging.getLogger("bot.adapters.accounts")

EXTERNAL_IDENTIFIER = re.compile(r"[A-Za-z0-9][A-Za-z0-9._@+\-]{0,254}")
FORMAT = (
    "1 to 255 characters from letters, digits and . _ @ + -, starting with a letter or digit "
    "(for example user_aff_123 or ana@firm.com)"
)


class AccountProblem(ValueError):
    """What was wrong with an accounts request; `str()` is the one line for the operator."""


def is_slack_identifier(identifier: str) -> bool:
    """True for a Slack user's identifier (`T…:U…`); external identifiers never hold ':'."""
    return ":" in identifier


def check_external(identifier: str) -> str:
    """The identifier if it is a valid external identifier; `AccountProblem` otherwise."""
    if is_slack_identifier(identifier):
        raise AccountProblem(
            f"{identifier!r} is a Slack user's identifier: Slack users connect their own key "
            "in Slack with /affinity connect."
        )
    if not EXTERNAL_IDENTIFIER.fullmatch(identifier):
        raise AccountProblem(f"{identifier!r} is not a valid identifier: use {FORMAT}.")
    return identifier


def recredential_step(identifier: str) -> str:
    """What the owner of an identifier does to (re)connect their Affinity key."""
    if is_slack_identifier(identifier):
        return "reconnect in Slack with `/affinity connect`"
    return f"run `affinity-bot accounts add {identifier}` with a current Affinity API key"


# ------------------------------------------------------------------------------ operations


def add(services: Services, identifier: str, api_key: str) -> ConnectedAccount:
    """Verify `api_key` with whoami and connect it to `identifier` (created if missing).

    Raises `AccountProblem` (nothing stored) for a bad identifier, a refused or malformed key,
    an unreachable Affinity or a key of another tenant than AFFINITY_TENANT_ID.
    """
    check_external(identifier)
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
    """Erase the key and everything read with it, and revoke the account's MCP tokens (the
    account row and its history stay, PENDING). False if there was no such account."""
    from bot.adapters.tokens import TokenStore

    check_external(identifier)
    if services.connector.account(identifier) is None:
        return False
    disconnect(services, identifier)
    TokenStore(services.engine, services.clock).revoke_all(identifier)
    return True


__all__ = [
    "FORMAT",
    "AccountProblem",
    "Status",
    "accounts",
    "add",
    "check_external",
    "is_slack_identifier",
    "recredential_step",
    "remove",
    "status",
]
