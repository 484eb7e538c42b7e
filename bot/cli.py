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


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="affinity-bot", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)

    sandbox = sub.add_parser("sandbox", help="serve the local Affinity sandbox over HTTP")
    sandbox.add_argument("--host", default="127.0.0.1")
    sandbox.add_argument("--port", type=int, default=8765)
    sandbox.set_defaults(func=_sandbox)

    db = sub.add_parser("db", help="database schema")
    db.add_argument("db_command", choices=["upgrade"])
    db.set_defaults(func=_db)

    vault = sub.add_parser("vault", help="master keys and credential encryption")
    vault.add_argument("vault_command", choices=["keygen", "rotate", "repair", "forget-key"])
    vault.add_argument("vault_args", nargs="*", metavar="KID",
                       help="forget-key: the id of a master key lost for good")
    vault.set_defaults(func=_vault)

    run = sub.add_parser("run", help="run the Slack app (Socket Mode or HTTP)")
    run.set_defaults(func=_run)

    console = sub.add_parser("console", help="try the app in a terminal against the sandbox")
    console.add_argument("--user", default=None, help="sandbox user to act as (role or email)")
    console.add_argument("--script", default=None, help="read console lines from this file")
    console.set_defaults(func=_console)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return int(args.func(args) or 0)


if __name__ == "__main__":
    sys.exit(main())
