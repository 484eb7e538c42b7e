"""Encrypted credentials and connected accounts. Knows nothing of Slack or HTTP.

Start-up: `engine = make_engine(); upgrade(engine); vault = Vault(engine, load_keyring())`,
or `open_vault()` which does the three. See docs/vault.md.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping

from vault.accounts import AFFINITY, UNREADABLE_REASON, Vault
from vault.db import make_engine, upgrade
from vault.errors import (
    AccountNotFound,
    CredentialUnavailable,
    CredentialUnreadable,
    VaultConfigurationError,
    VaultError,
)
from vault.keyring import Keyring, load_keyring
from vault.models import Status
from vault.records import AffinityList, AffinityProfile, ConnectedAccount, StatusChange
from vault.secrets import Secret


def open_vault(
    environ: Mapping[str, str] | None = None, *, allow_dev_keyfile: bool = False
) -> Vault:
    """Keyring and database from the environment, schema upgraded: the vault, ready to use.

    The keyring is loaded first, so a missing master key stops start-up before anything else.
    """
    from vault.db import database_url

    keyring = load_keyring(environ, allow_dev_keyfile=allow_dev_keyfile)
    engine = make_engine(database_url(environ))
    upgrade(engine)
    vault = Vault(engine, keyring)
    missing = vault.unknown_key_ids()
    if missing:
        logging.getLogger(__name__).error(
            "vault: stored credentials use master key id(s) %s, which VAULT_MASTER_KEYS does "
            "not hold; those accounts will need reconnecting when used. If the key still "
            "exists, add it back after the primary key.",
            ", ".join(sorted(missing)),
        )
    return vault


__all__ = [
    "AFFINITY",
    "UNREADABLE_REASON",
    "AccountNotFound",
    "AffinityList",
    "AffinityProfile",
    "ConnectedAccount",
    "CredentialUnavailable",
    "CredentialUnreadable",
    "Keyring",
    "Secret",
    "Status",
    "StatusChange",
    "Vault",
    "VaultConfigurationError",
    "VaultError",
    "load_keyring",
    "make_engine",
    "open_vault",
    "upgrade",
]
