"""The `affinity-bot` command line: one entry point for every way to run the product.

Each subcommand imports its module lazily so that `affinity-bot sandbox` needs nothing
of Slack, and `affinity-bot vault keygen` needs nothing of Affinity.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence


def _sandbox(args: argparse.Namespace) -> int:
    from affinity_client.sandbox.server import serve_forever

    serve_forever(host=args.host, port=args.port)
    return 0


def _db(args: argparse.Namespace) -> int:
    from bot.config import Settings
    from bot.database import upgrade_all
    from bot.startup import check_vault
    from vault import VaultConfigurationError, load_keyring

    try:
        keyring = load_keyring()  # a missing master key stops before the schema is touched
    except VaultConfigurationError as error:
        print(f"affinity-bot: {error}", file=sys.stderr)
        return 2
    database_url = Settings.from_env().database_url
    upgrade_all(database_url)
    failed = check_vault(database_url, keyring=keyring)
    if failed:
        return failed
    print("database is at the latest schema")
    return 0


def _vault(args: argparse.Namespace) -> int:
    from vault import cli as vault_cli

    return vault_cli.run(args.vault_command, args.vault_args)


def _run(args: argparse.Namespace) -> int:
    from bot.runner import run

    return run()


def _console(args: argparse.Namespace) -> int:
    from bot.console import main as console_main

    return console_main(user=args.user, script=args.script)


def _accounts(args: argparse.Namespace) -> int:
    from bot.adapters import commands

    action = args.accounts_command

    def work(services) -> int:
        if action == "list":
            return commands.accounts_list(services)
        if args.identifier is None:
            print(f"affinity-bot: accounts {action} needs an <identifier>", file=sys.stderr)
            return 2
        if action == "add":
            return commands.accounts_add(services, args.identifier)
        if action == "status":
            return commands.accounts_status(services, args.identifier)
        if action == "remove":
            return commands.accounts_remove(services, args.identifier)
        return commands.accounts_token(services, args.identifier, args.label)

    return commands.run_with_services(work)


def _mcp(args: argparse.Namespace) -> int:
    from bot.adapters import commands

    return commands.run_with_services(
        lambda services: commands.mcp_serve(
            services,
            identifier=args.identifier,
            http=args.http,
            host=args.host,
            port=args.port,
            allow_writes=args.allow_writes,
        )
    )


SUBCOMMANDS = {
    "sandbox": (
        "serve the local Affinity sandbox over HTTP",
        "Serve a local Affinity (V1 and V2, seeded with a venture firm's data) with "
        "controls to revoke keys, throttle, fail and slow down. See docs/sandbox.md.",
    ),
    "db": (
        "database schema",
        "`db upgrade` applies every migration to DATABASE_URL (a SQLite file by default), "
        "then checks that VAULT_MASTER_KEYS opens every stored credential.",
    ),
    "vault": (
        "master keys and credential encryption",
        "keygen: print a new master key for VAULT_MASTER_KEYS. rotate: re-seal every "
        "credential under the first key (online, resumable). repair: check the key ids "
        "in use and restore accounts wrongly marked unreadable. forget-key KID: "
        "disconnect the accounts sealed with a key lost for good. See docs/vault.md.",
    ),
    "run": (
        "run the Slack app (Socket Mode or HTTP)",
        "Check the configuration (every problem listed at once), upgrade the database, "
        "then serve Slack: Socket Mode when SLACK_APP_TOKEN is set, otherwise HTTP on "
        "HOST:PORT. See docs/slack-app.md.",
    ),
    "console": (
        "try the app in a terminal against the sandbox",
        "The whole app with a simulated Slack and the built-in Affinity sandbox: type "
        "/affinity commands, click buttons, DM the bot. No workspace or keys needed. "
        "See docs/console.md.",
    ),
    "accounts": (
        "connected accounts without Slack (for LangChain and MCP)",
        "add ID: connect an Affinity key to a non-Slack identifier (the key is read from a "
        "hidden prompt or stdin, checked with Affinity first). list: every account. status ID: "
        "status, profile and history, the key checked live. remove ID: erase the key and revoke "
        "the account's MCP tokens. token ID: create a personal MCP bearer token (shown once). "
        "See docs/adapters.md.",
    ),
    "mcp": (
        "serve the Affinity tools to MCP clients",
        "--identifier ID: stdio for one account (Claude Desktop/Code). --http: streamable HTTP "
        "at /mcp for many accounts, each caller authenticated by a personal bearer token. "
        "Writes are exposed only with --allow-writes. Needs the `mcp` extra. "
        "See docs/adapters.md.",
    ),
}


def _subcommand(sub: argparse._SubParsersAction, name: str) -> argparse.ArgumentParser:
    short, long = SUBCOMMANDS[name]
    return sub.add_parser(name, help=short, description=long)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="affinity-bot", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)

    sandbox = _subcommand(sub, "sandbox")
    sandbox.add_argument("--host", default="127.0.0.1", help="address to bind (default local)")
    sandbox.add_argument("--port", type=int, default=8765, help="port (default 8765)")
    sandbox.set_defaults(func=_sandbox)

    db = _subcommand(sub, "db")
    db.add_argument("db_command", choices=["upgrade"], help="upgrade: apply the migrations")
    db.set_defaults(func=_db)

    vault = _subcommand(sub, "vault")
    vault.add_argument(
        "vault_command",
        choices=["keygen", "rotate", "repair", "forget-key"],
        help="what to do (see above)",
    )
    vault.add_argument(
        "vault_args",
        nargs="*",
        metavar="KID",
        help="forget-key: the id of a master key lost for good",
    )
    vault.set_defaults(func=_vault)

    _subcommand(sub, "run").set_defaults(func=_run)

    console = _subcommand(sub, "console")
    console.add_argument("--user", default=None, help="sandbox user to act as (role or email)")
    console.add_argument("--script", default=None, help="read console lines from this file")
    console.set_defaults(func=_console)

    accounts = _subcommand(sub, "accounts")
    accounts.add_argument(
        "accounts_command", choices=["add", "list", "status", "remove", "token"], help="see above"
    )
    accounts.add_argument(
        "identifier", nargs="?", default=None, help="the account (e.g. user_aff_123)"
    )
    accounts.add_argument(
        "--label", default="MCP token", help="token: a name to tell the token apart later"
    )
    accounts.set_defaults(func=_accounts)

    mcp = _subcommand(sub, "mcp")
    where = mcp.add_mutually_exclusive_group(required=True)
    where.add_argument("--identifier", default=None, help="stdio, acting as this one account")
    where.add_argument("--http", action="store_true", help="streamable HTTP for many accounts")
    mcp.add_argument("--host", default="127.0.0.1", help="--http: address to bind (local)")
    mcp.add_argument("--port", type=int, default=8766, help="--http: port (default 8766)")
    mcp.add_argument(
        "--allow-writes", action="store_true", help="also expose the tools that change Affinity"
    )
    mcp.set_defaults(func=_mcp)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return int(args.func(args) or 0)


if __name__ == "__main__":
    sys.exit(main())
