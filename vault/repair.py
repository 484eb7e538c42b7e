"""Start-up checks and repairs: the master keys in use are configured, and what older versions
got wrong is put right.

- `check_master_keys(vault)`: every master key id that seals a stored credential must be in
  `VAULT_MASTER_KEYS`; otherwise `VaultConfigurationError` names the missing ids and the fix.
  The app runs it before it starts (`run`, `console`, `db upgrade`, `vault rotate`).
- `repair(vault)`: row by row, each in its own short transaction,
  * restores to ACTIVE an account REVOKED because its credential "could not be read/verified"
    whose credential now opens under the configured keys (versions before this one revoked an
    account whose master key was merely missing), with a status-history row;
  * re-seals format-1 credentials as format 2, binding the profile the row holds (rows written
    before the profile was bound to the credential).
  Idempotent; `affinity-bot vault repair` runs it, and so does every start.
- `forget_master_key(vault, kid)`: the way out when a master key is lost for good: the accounts
  sealed with it are disconnected (PENDING), and their users asked to connect again.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from sqlalchemy import func, select

from vault.accounts import UNTRUSTED_REASONS, Vault
from vault.config import MASTER_KEYS_ENV
from vault.envelope import LEGACY_FORMAT_VERSION, open_sealed, upgrade_format
from vault.errors import CredentialUnreadable, MasterKeyMissing, VaultConfigurationError
from vault.models import AccountRow, Status
from vault.rows import sealed_of, set_status, store_sealed

log = logging.getLogger(__name__)

RESTORED_REASON = "restored: the stored credential opens under the configured master keys"
FORGOTTEN_REASON = "its master key was removed from the configuration"


@dataclass
class RepairReport:
    restored: list[str] = field(default_factory=list)  # identifiers back to ACTIVE
    resealed: int = 0  # format-1 credentials now bound to their profile
    still_unreadable: list[str] = field(default_factory=list)


def missing_master_keys(vault: Vault) -> dict[str, int]:
    """{missing key id: how many stored credentials it seals}."""
    with vault.engine.connect() as connection:
        rows = connection.execute(
            select(AccountRow.kid, func.count())
            .where(AccountRow.kid.is_not(None), AccountRow.ciphertext.is_not(None))
            .group_by(AccountRow.kid)
        )
        return {kid: count for kid, count in rows if kid is not None and kid not in vault.keyring}


def check_master_keys(vault: Vault) -> None:
    """Refuse to start (VaultConfigurationError) when a stored credential's key id is missing."""
    missing = missing_master_keys(vault)
    if not missing:
        return
    kids = ", ".join(sorted(missing))
    counts = "; ".join(f"{kid}: {n} account(s)" for kid, n in sorted(missing.items()))
    raise VaultConfigurationError(
        f"stored credentials are sealed with master key id(s) {kids}, which {MASTER_KEYS_ENV} "
        f"does not hold ({counts}), so the app will not start: their users' keys could not be "
        f"read. Add the missing key(s) back to {MASTER_KEYS_ENV}, after the primary key "
        f"(e.g. {MASTER_KEYS_ENV}=<primary kid:key>,{sorted(missing)[0]}:<its key>), and start "
        "again. Only if a key is lost for good, run `affinity-bot vault forget-key <kid>`: it "
        "disconnects the accounts sealed with it, and their users must connect again."
    )


def repair(vault: Vault) -> RepairReport:
    """Restore wrongly revoked accounts and bind legacy credentials to their profile."""
    report = RepairReport()
    untrusted = sorted(UNTRUSTED_REASONS)
    with vault.engine.connect() as connection:
        ids = list(
            connection.scalars(
                select(AccountRow.id)
                .where(
                    AccountRow.ciphertext.is_not(None),
                    AccountRow.kid.in_(vault.keyring.kids),
                    (AccountRow.format_version == LEGACY_FORMAT_VERSION)
                    | (
                        (AccountRow.status == Status.REVOKED.value)
                        & AccountRow.status_reason.in_(untrusted)
                    ),
                )
                .order_by(AccountRow.id)
            )
        )
    for account_id in ids:
        _repair_one(vault, account_id, report)
    if report.restored or report.resealed:
        log.warning(
            "vault repair: %d account(s) restored to ACTIVE, %d credential(s) bound to their "
            "profile",
            len(report.restored),
            report.resealed,
        )
    return report


def _repair_one(vault: Vault, account_id: int, report: RepairReport) -> None:
    with vault.sessions.begin() as session:
        row = session.scalars(
            select(AccountRow).where(AccountRow.id == account_id).with_for_update()
        ).one_or_none()
        sealed = sealed_of(row) if row is not None else None
        if row is None or sealed is None:
            return
        restore = row.status == Status.REVOKED and row.status_reason in UNTRUSTED_REASONS
        try:
            if sealed.version == LEGACY_FORMAT_VERSION:
                store_sealed(
                    row,
                    upgrade_format(
                        vault.keyring, row.connection_name, row.identifier, sealed, sealed.context
                    ),
                )
                report.resealed += 1
            else:
                open_sealed(vault.keyring, row.connection_name, row.identifier, sealed)
        except (CredentialUnreadable, MasterKeyMissing):
            if restore:
                report.still_unreadable.append(row.identifier)
            return
        now = vault.now()
        row.updated_at = now
        if restore:
            set_status(session, row, Status.ACTIVE, RESTORED_REASON, now)
            report.restored.append(row.identifier)


def forget_master_key(vault: Vault, kid: str) -> int:
    """Disconnect every account sealed with `kid` (a key lost for good). Returns how many."""
    with vault.engine.connect() as connection:
        accounts = list(
            connection.execute(
                select(AccountRow.connection_name, AccountRow.identifier).where(
                    AccountRow.kid == kid, AccountRow.ciphertext.is_not(None)
                )
            )
        )
    for connection_name, identifier in accounts:
        vault.disconnect(connection_name, identifier, FORGOTTEN_REASON)
    return len(accounts)


def prepare(vault: Vault) -> RepairReport:
    """What every start does once the schema is upgraded: check the keys, then repair."""
    check_master_keys(vault)
    return repair(vault)
