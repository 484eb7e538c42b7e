"""`affinity-bot vault keygen | rotate | repair | forget-key KID`: master-key commands, run by
bot/cli.py. Every command that opens the database first checks that each master key id in use
is configured (vault/repair.py), and refuses with the fix otherwise."""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from vault.config import MASTER_KEYS_ENV
from vault.errors import VaultConfigurationError, VaultError
from vault.keyring import generate_key_entry, load_keyring

if TYPE_CHECKING:
    from vault.accounts import Vault
    from vault.repair import RepairReport


PROGRAM = "affinity-bot"  # every command's errors start with the program's name


def keygen() -> int:
    entry = generate_key_entry()
    print(entry)
    print(
        f"# Put it first in {MASTER_KEYS_ENV} (keep the old keys after it), restart, then run "
        "`affinity-bot vault rotate`.",
        file=sys.stderr,
    )
    return 0


def _with_vault(work: Callable[[Vault], int], *, check: bool = True) -> int:
    """Run `work(vault)` on the configured database, upgraded, keys checked and repaired."""
    from vault.accounts import Vault
    from vault.db import make_engine, upgrade
    from vault.repair import prepare

    keyring = load_keyring()
    engine = make_engine()
    try:
        upgrade(engine)
        vault = Vault(engine, keyring)
        if check:
            _print_repair(prepare(vault))
        return work(vault)
    finally:
        engine.dispose()


def _print_repair(report: RepairReport) -> None:
    if report.restored:
        print(f"restored {len(report.restored)} account(s) wrongly marked unreadable to ACTIVE")
    if report.resealed:
        print(
            f"bound {report.resealed} credential(s) sealed by an earlier version to their profile"
        )
    for identifier in report.still_unreadable:
        print(
            f"{identifier}: its credential still fails verification; the user must reconnect",
            file=sys.stderr,
        )


def rotate() -> int:
    from vault.rotation import rotate as rotate_all

    def work(vault: Vault) -> int:
        keyring = vault.keyring
        report = rotate_all(vault.engine, keyring)
        in_use = vault.key_ids_in_use()
        print(
            f"re-wrapped {report.rewrapped} credential(s) under master key {report.primary_kid!r}"
        )
        for connection_name, identifier in report.unreadable:
            print(
                f"could not unwrap {connection_name} / {identifier}: left as it is", file=sys.stderr
            )
        if report.unreadable:
            return 1
        old = sorted(kid for kid in keyring.kids if kid != keyring.primary_kid)
        if old and not in_use & set(old):
            print(
                f"no credential uses {', '.join(old)} any more: you may remove it from "
                f"{MASTER_KEYS_ENV}"
            )
        return 0

    return _with_vault(work)


def repair() -> int:
    def work(vault: Vault) -> int:
        print("vault checked: every master key in use is configured")
        return 0

    return _with_vault(work)


def forget_key(kid: str) -> int:
    from vault.repair import forget_master_key

    def work(vault: Vault) -> int:
        if kid in vault.keyring:
            raise VaultConfigurationError(
                f"master key {kid!r} is configured in {MASTER_KEYS_ENV}: its credentials "
                "open, so there is nothing to forget"
            )
        count = forget_master_key(vault, kid)
        print(
            f"disconnected {count} account(s) sealed with master key {kid!r}; their users "
            "will be asked to connect again"
        )
        return 0

    return _with_vault(work, check=False)


COMMANDS: dict[str, Callable[..., int]] = {
    "keygen": keygen,
    "rotate": rotate,
    "repair": repair,
    "forget-key": forget_key,
}
NEEDS_ARGUMENT = {"forget-key": "the master key id to forget"}


def run(command: str, arguments: Sequence[str] = ()) -> int:
    """Run a vault command; configuration errors are printed plainly (no traceback), exit 2."""
    if command not in COMMANDS:
        print(
            f"{PROGRAM}: unknown vault command {command!r}; use one of: {', '.join(COMMANDS)}",
            file=sys.stderr,
        )
        return 2
    wanted = 1 if command in NEEDS_ARGUMENT else 0
    if len(arguments) != wanted:
        what = NEEDS_ARGUMENT.get(command, "no argument")
        print(f"{PROGRAM}: `vault {command}` takes {what}", file=sys.stderr)
        return 2
    try:
        return COMMANDS[command](*arguments)
    except VaultError as exc:
        print(f"{PROGRAM}: {exc}", file=sys.stderr)
        return 2
