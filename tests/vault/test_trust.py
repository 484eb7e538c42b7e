"""Trusting what the vault stores: an edited profile is tampering, a missing master key is the
operator's mistake (refused at start, never a revocation), and what older versions got wrong is
repaired: legacy rows bound to their profile, accounts wrongly revoked as unreadable restored."""

from __future__ import annotations

import pytest
from sqlalchemy import update

from tests.vault.conftest import keyring_of, profile
from tests.vault.test_envelope import legacy_seal
from vault import (
    UNREADABLE_REASON,
    UNVERIFIABLE_REASON,
    CredentialUnavailable,
    Secret,
    Status,
    Vault,
    VaultConfigurationError,
    check_master_keys,
    prepare,
    repair,
)
from vault.keyring import Keyring
from vault.models import AccountRow
from vault.repair import RESTORED_REASON, forget_master_key

A = ("affinity", "T1:U1")
B = ("affinity", "T1:U2")


def edit(engine, identifier: str, **values: object) -> None:
    with engine.begin() as connection:
        connection.execute(
            update(AccountRow).where(AccountRow.identifier == identifier).values(**values)
        )


@pytest.mark.parametrize(
    "column, value",
    [
        ("affinity_user_name", "Eve Mallory"),
        ("affinity_tenant_subdomain", "evil"),
        ("affinity_user_id", 666),
        ("affinity_tenant_name", "Other Firm"),
    ],
)
def test_an_edited_profile_is_never_shown_and_the_account_is_treated_as_tampered(
    vault: Vault, engine, column, value
) -> None:
    vault.connect(*A, "key-one-1234567", profile())
    vault.connect(*B, "key-two-1234567", profile(2))
    edit(engine, "T1:U1", **{column: value})

    account = vault.get_account(*A)
    assert account.profile is None  # never the edited values
    assert (account.status, account.status_reason) == (Status.REVOKED, UNVERIFIABLE_REASON)
    with pytest.raises(CredentialUnavailable) as refused:
        vault.get_credential(*A)
    assert refused.value.reason == UNVERIFIABLE_REASON
    assert "revoked" not in UNVERIFIABLE_REASON.lower()
    assert vault.get_account(*B).profile == profile(2)  # the other account is untouched
    assert vault.get_credential(*B).reveal() == "key-two-1234567"


def test_listing_accounts_also_catches_an_edited_profile(vault: Vault, engine) -> None:
    vault.connect(*A, "key-one-1234567", profile())
    edit(engine, "T1:U1", affinity_tenant_subdomain="evil")
    assert vault.list_accounts(Status.ACTIVE) == []
    [revoked] = vault.list_accounts(Status.REVOKED)
    assert revoked.status_reason == UNVERIFIABLE_REASON and revoked.profile is None


def store_legacy(vault: Vault, engine, identifier: str, key: str) -> None:
    """A row as versions before the profile binding wrote it (format 1)."""
    legacy = legacy_seal(vault.keyring, identifier, Secret(key))
    edit(
        engine,
        identifier,
        ciphertext=legacy.ciphertext,
        wrapped_key=legacy.wrapped_key,
        kid=legacy.kid,
        format_version=legacy.version,
    )


def test_a_legacy_row_keeps_working_and_is_bound_on_first_open(vault: Vault, engine) -> None:
    vault.connect(*A, "placeholder-1234567", profile())
    store_legacy(vault, engine, "T1:U1", "legacy-key-1234567")

    assert vault.get_account(*A).profile == profile()
    assert vault.get_credential(*A).reveal() == "legacy-key-1234567"
    assert vault.get_account(*A).status == Status.ACTIVE
    with engine.connect() as connection:
        assert (
            connection.scalar(
                AccountRow.__table__.select().with_only_columns(AccountRow.format_version)
            )
            == 2
        )
    edit(engine, "T1:U1", affinity_user_name="Eve Mallory")  # now bound: an edit is tampering
    assert vault.get_account(*A).status == Status.REVOKED


def test_repair_binds_legacy_rows_and_restores_wrongly_revoked_accounts(vault, engine) -> None:
    old = Vault(engine, keyring_of("old"))
    old.connect(*A, "key-one-1234567", profile())
    store_legacy(old, engine, "T1:U1", "key-one-1234567")
    # What an earlier version did to A when started without "old": REVOKED, "unreadable".
    edit(engine, "T1:U1", status="REVOKED", status_reason=UNREADABLE_REASON)
    vault.connect(*B, "key-two-1234567", profile(2))
    edit(
        engine, "T1:U2", ciphertext=b"\x00" * 40, status="REVOKED", status_reason=UNREADABLE_REASON
    )  # really damaged: stays REVOKED

    with pytest.raises(VaultConfigurationError, match="old"):
        check_master_keys(vault)
    both = Vault(engine, Keyring([vault.keyring.primary, old.keyring.primary]))
    report = prepare(both)

    assert report.restored == ["T1:U1"] and report.still_unreadable == ["T1:U2"]
    assert report.resealed == 1
    account = both.get_account(*A)
    assert account.status == Status.ACTIVE and account.profile == profile()
    assert both.get_credential(*A).reveal() == "key-one-1234567"
    assert both.status_history(*A)[-1].reason == RESTORED_REASON
    assert both.get_account(*B).status == Status.REVOKED
    assert repair(both).restored == []  # idempotent


def test_start_up_refuses_a_missing_key_by_name_and_forget_key_is_the_way_out(vault, engine):
    Vault(engine, keyring_of("lost")).connect(*A, "key-one-1234567", profile())
    vault.connect(*B, "key-two-1234567", profile(2))

    with pytest.raises(VaultConfigurationError) as refused:
        prepare(vault)
    message = str(refused.value)
    assert "lost" in message and "VAULT_MASTER_KEYS" in message and "1 account" in message
    assert vault.get_account(*A).status == Status.ACTIVE  # refusing changed nothing

    assert forget_master_key(vault, "lost") == 1
    assert vault.get_account(*A).status == Status.PENDING
    prepare(vault)  # starts now
    assert vault.get_credential(*B).reveal() == "key-two-1234567"
