"""Encrypted credentials and connected accounts. Knows nothing of Slack or HTTP.

Start-up: `engine = make_engine(); upgrade(engine); vault = Vault(engine, load_keyring());
prepare(vault)`, or `open_vault()` which does the four. See docs/vault.md.
"""

from __future__ import annotations

from collections.abc import Mapping

from vault.accounts import (
    AFFINITY,
    UNREADABLE_REASON,
    UNTRUSTED_REASONS,
    UNVERIFIABLE_REASON,
    Vault,
)
from vault.db import make_engine, upgrade
from vault.errors import (
    AccountNotFound,
    CredentialUnavailable,
    CredentialUnreadable,
    MasterKeyMissing,
    VaultConfigurationError,
    VaultError,
)
from vault.keyring import Keyring, load_keyring
from vault.models import Status
from vault.records import AffinityList, AffinityProfile, ConnectedAccount, StatusChange
from vault.repair import RepairReport, check_master_keys, prepare, repair
from vault.secrets import Secret


def open_vault(
    environ: Mapping[str, str] | None = None, *, allow_dev_keyfile: bool = False
) -> Vault:
    """Keyring and database from the environment, schema upgraded, keys checked, repaired:
    the vault, ready to use.

    The keyring is loaded first, so a missing master key stops start-up before anything else;
    a stored credential sealed with a key id the keyring lacks stops it too
    (VaultConfigurationError naming the ids and the fix).
    """
    from vault.db import database_url

    keyring = load_keyring(environ, allow_dev_keyfile=allow_dev_keyfile)
    engine = make_engine(database_url(environ))
    try:
        upgrade(engine)
        vault = Vault(engine, keyring)
        prepare(vault)
    except BaseException:
        engine.dispose()
        raise
    return vault


__all__ = [
    "AFFINITY",
    "UNREADABLE_REASON",
    "UNTRUSTED_REASONS",
    "UNVERIFIABLE_REASON",
    "AccountNotFound",
    "AffinityList",
    "AffinityProfile",
    "ConnectedAccount",
    "CredentialUnavailable",
    "CredentialUnreadable",
    "Keyring",
    "MasterKeyMissing",
    "RepairReport",
    "Secret",
    "Status",
    "StatusChange",
    "Vault",
    "VaultConfigurationError",
    "VaultError",
    "check_master_keys",
    "load_keyring",
    "make_engine",
    "open_vault",
    "prepare",
    "repair",
    "upgrade",
]
