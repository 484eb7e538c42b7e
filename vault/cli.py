"""`affinity-bot vault keygen | rotate`: master-key commands, run by bot/cli.py."""

from __future__ import annotations

import sys

from vault.errors import VaultError
from vault.keyring import MASTER_KEYS_ENV, generate_key_entry, load_keyring


def keygen() -> int:
    entry = generate_key_entry()
    print(entry)
    print(
        f"# Put it first in {MASTER_KEYS_ENV} (keep the old keys after it), restart, then run "
        "`affinity-bot vault rotate`.",
        file=sys.stderr,
    )
    return 0


def rotate() -> int:
    from vault.accounts import Vault
    from vault.db import make_engine, upgrade
    from vault.rotation import rotate as rotate_all

    keyring = load_keyring()
    engine = make_engine()
    try:
        upgrade(engine)
        report = rotate_all(engine, keyring)
        in_use = Vault(engine, keyring).key_ids_in_use()
    finally:
        engine.dispose()
    print(f"re-wrapped {report.rewrapped} credential(s) under master key {report.primary_kid!r}")
    for connection_name, identifier in report.unreadable:
        print(f"could not unwrap {connection_name} / {identifier}: left as it is", file=sys.stderr)
    if report.unreadable:
        return 1
    old = sorted(kid for kid in keyring.kids if kid != keyring.primary_kid)
    if old and not in_use & set(old):
        print(
            f"no credential uses {', '.join(old)} any more: you may remove it from "
            f"{MASTER_KEYS_ENV}"
        )
    return 0


COMMANDS = {"keygen": keygen, "rotate": rotate}


def run(command: str) -> int:
    """Run a vault command; configuration errors are printed plainly (no traceback), exit 2."""
    if command not in COMMANDS:
        print(
            f"unknown vault command {command!r}; use one of: {', '.join(COMMANDS)}", file=sys.stderr
        )
        return 2
    try:
        return COMMANDS[command]()
    except VaultError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
