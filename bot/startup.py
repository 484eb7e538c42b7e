"""The vault check every way of starting the app runs once the schema is upgraded.

`affinity-bot run`, `console`, `db upgrade` and `vault rotate` refuse to start when a stored
credential is sealed with a master key id that `VAULT_MASTER_KEYS` lacks: one message naming the
missing ids and the fix, exit status 2, no traceback. Then accounts that earlier versions revoked
as unreadable, but whose credential opens, are restored (see vault/repair.py).
"""

from __future__ import annotations

import logging
import sys

from vault import (
    Keyring,
    RepairReport,
    Vault,
    VaultConfigurationError,
    load_keyring,
    prepare,
)

log = logging.getLogger("bot.startup")


def check_vault(
    database_url: str | None = None,
    *,
    keyring: Keyring | None = None,
    program: str = "affinity-bot",
) -> int:
    """0 when the vault is ready; otherwise the problem is printed and 2 returned."""
    from bot.database import make_engine

    try:
        keyring = keyring or load_keyring()
        engine = make_engine(database_url)
        try:
            prepare_vault(Vault(engine, keyring))
        finally:
            engine.dispose()
    except VaultConfigurationError as error:
        print(f"{program}: {error}", file=sys.stderr)
        return 2
    return 0


def prepare_vault(vault: Vault) -> RepairReport:
    """`vault.prepare` with the repairs it made logged (VaultConfigurationError propagates)."""
    report = prepare(vault)
    for identifier in report.restored:
        log.warning(
            "restored %s: its credential opens under the configured master keys", identifier
        )
    return report
