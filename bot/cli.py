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
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return int(args.func(args) or 0)


if __name__ == "__main__":
    sys.exit(main())
