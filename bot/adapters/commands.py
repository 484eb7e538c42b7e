"""`affinity-bot accounts ...` and `affinity-bot mcp ...`: run by bot/cli.py.

Every command opens the app's services as `affinity-bot run` would (settings from the
environment and `.env`, VAULT_MASTER_KEYS, the database upgraded), with no Slack at all.
An API key is read from a hidden prompt, or from stdin when it is piped: never from an
argument, which would land in shell history and the process list.
"""

from __future__ import annotations

import contextlib
import getpass
import sys
from collections.abc import Callable, Iterator
from datetime import datetime
from typing import TextIO

from bot.adapters import accounts
from bot.adapters.links import Links
from bot.services import Services
from vault import ConnectedAccount

PROGRAM = "affinity-bot"


def _fail(message: str, code: int = 2) -> int:
    print(f"{PROGRAM}: {message}", file=sys.stderr)
    return code


@contextlib.contextmanager
def open_services() -> Iterator[Services]:
    """The process's services from the environment, the schema upgraded first.

    Raises `ConfigError` / `VaultConfigurationError` with the fix in their text.
    """
    from bot.config import Settings
    from bot.database import upgrade_all
    from vault import load_keyring

    settings = Settings.from_env()
    keyring = load_keyring()  # a missing master key stops before the schema is touched
    upgrade_all(settings.database_url)
    services = Services.build(settings, keyring=keyring)
    try:
        yield services
    finally:
        services.close()


def run_with_services(work: Callable[[Services], int]) -> int:
    """`work(services)`, with a configuration problem reported in one line (exit 2)."""
    from bot.config import ConfigError
    from vault import VaultConfigurationError

    try:
        with open_services() as services:
            return work(services)
    except (ConfigError, VaultConfigurationError) as error:
        return _fail(str(error))


def read_key(identifier: str, stdin: TextIO | None = None) -> str:
    """The API key: a hidden prompt on a terminal, else the first line of stdin."""
    stdin = stdin or sys.stdin
    if stdin.isatty():
        return getpass.getpass(f"Affinity API key for {identifier} (input hidden): ")
    return stdin.readline().strip()


def _when(moment: datetime | None) -> str:
    return moment.strftime("%Y-%m-%d %H:%M UTC") if moment else "never"


def _who(account: ConnectedAccount) -> str:
    profile = account.profile
    if profile is None:
        return "-"
    email = f" <{profile.user_email}>" if profile.user_email else ""
    return f"{profile.user_name}{email} @ {profile.tenant_name}"


# ------------------------------------------------------------------------------ accounts


def accounts_add(services: Services, identifier: str, stdin: TextIO | None = None) -> int:
    try:
        accounts.check_unlinked(services, identifier)
        account = accounts.add(services, identifier, read_key(identifier, stdin))
    except accounts.AccountProblem as problem:
        return _fail(str(problem))
    print(f"{identifier}: connected as {_who(account)} ({len(account.lists)} lists cached)")
    return 0


def accounts_list(services: Services) -> int:
    rows = accounts.accounts(services)
    if not rows:
        print("no accounts yet: `affinity-bot accounts add <identifier>` connects one")
        return 0
    for account in rows:
        kind = "slack" if accounts.is_slack_identifier(account.identifier) else "external"
        print(
            f"{account.identifier}\t{kind}\t{account.status}\t{_who(account)}\t"
            f"verified {_when(account.last_verified_at)}"
        )
        if accounts.is_slack_identifier(account.identifier):
            for linked in Links(services.engine, services.clock).links_of(account.identifier):
                print(f"{linked}\tlinked to {account.identifier}")
    return 0


def accounts_status(services: Services, identifier: str) -> int:
    owner = Links(services.engine, services.clock).owner(identifier)
    if owner is not None:
        print(f"{identifier} is linked to the Slack account {owner} (managed in Slack)")
        identifier = owner
    found = accounts.status(services, identifier)
    account = found.account
    if account is None:
        return _fail(
            f"no account {identifier!r}: `affinity-bot accounts add {identifier}` connects one",
            1,
        )
    print(f"identifier:     {identifier}")
    print(f"status:         {account.status}")
    if account.status_reason and str(account.status) == "REVOKED":
        print(f"reason:         {account.status_reason}")
        print(f"to reconnect:   {accounts.recredential_step(identifier)}")
    print(f"connected as:   {_who(account)}")
    checked = " (checked with Affinity just now)" if found.checked else ""
    print(f"last verified:  {_when(account.last_verified_at)}{checked}")
    print(f"lists cached:   {len(account.lists)}")
    print("history:")
    for change in found.history:
        before = change.from_status or "-"
        reason = f" ({change.reason})" if change.reason else ""
        print(f"  {_when(change.changed_at)}  {before} -> {change.to_status}{reason}")
    return 0 if str(account.status) == "ACTIVE" else 1


def accounts_remove(services: Services, identifier: str) -> int:
    try:
        removed = accounts.remove(services, identifier)
    except accounts.AccountProblem as problem:
        return _fail(str(problem))
    if not removed:
        return _fail(f"no account {identifier!r}: nothing to remove", 1)
    print(f"{identifier}: key erased, with the data read with it and its MCP tokens")
    return 0


def accounts_token(services: Services, identifier: str, label: str) -> int:
    from bot.adapters.tokens import TokenStore

    try:
        accounts.check_unlinked(services, identifier)
    except accounts.AccountProblem as problem:
        if accounts.is_slack_identifier(identifier):
            return _fail(
                f"{identifier!r} is a Slack user: they create their own token in Slack with "
                "/affinity mcp-token"
            )
        return _fail(str(problem))
    if services.connector.account(identifier) is None:
        return _fail(f"no account {identifier!r}: add it first with `accounts add`", 1)
    token, info = TokenStore(services.engine, services.clock).create(identifier, label, via="cli")
    print(token)
    print(
        f"# MCP token {info.hint}… for {identifier}: shown once, store it now. Send it as "
        "'Authorization: Bearer <token>' to `affinity-bot mcp --http`.",
        file=sys.stderr,
    )
    return 0


# ------------------------------------------------------------------------------ mcp


def mcp_serve(
    services: Services,
    *,
    identifier: str | None,
    http: bool,
    host: str,
    port: int,
    allow_writes: bool,
) -> int:
    try:
        from bot.adapters.mcp import serve_http, serve_stdio
    except ImportError:
        return _fail('the MCP server needs the `mcp` extra: pip install "affinity-for-slack[mcp]"')
    from bot.adapters.slack_notices import announce_revocations
    from bot.middleware.logs import configure_logging

    # As `affinity-bot run` logs: LOG_LEVEL, secrets redacted; on stderr (stdout is stdio's).
    configure_logging(services.settings.log_level, services.settings.secret_values())
    announce_revocations(services)  # a Slack user's revoked key gets the Reconnect DM
    if http:
        print(f"MCP server on http://{host}:{port}/mcp (bearer tokens)", file=sys.stderr)
        serve_http(services, host=host, port=port, allow_writes=allow_writes)
        return 0
    assert identifier is not None
    from bot.adapters.catalog import AccountNotConnected, require_active

    try:
        require_active(services, identifier)
    except AccountNotConnected as error:
        return _fail(str(error), 1)
    import anyio

    anyio.run(lambda: serve_stdio(services, identifier, allow_writes=allow_writes))
    return 0


__all__ = [
    "accounts_add",
    "accounts_list",
    "accounts_remove",
    "accounts_status",
    "accounts_token",
    "mcp_serve",
    "open_services",
    "read_key",
    "run_with_services",
]
