"""Connected accounts: lifecycle, statuses, history, cached lists, erasure (both backends)."""

from __future__ import annotations

import pytest
from sqlalchemy import update

from tests.vault.conftest import profile
from vault import (
    UNVERIFIABLE_REASON,
    AccountNotFound,
    AffinityList,
    AffinityProfile,
    CredentialUnavailable,
    MasterKeyMissing,
    Secret,
    Status,
    Vault,
)
from vault.models import AccountRow

A = ("affinity", "T1:U1")


def test_new_account_is_pending_and_created_once(vault: Vault) -> None:
    first = vault.get_or_create_connected_account(*A)
    again = vault.get_or_create_connected_account(*A)
    assert first.id == again.id and first.status is Status.PENDING
    assert not first.has_credential and first.profile is None
    assert [c.to_status for c in vault.status_history(*A)] == [Status.PENDING]


def test_connect_stores_key_and_profile_and_lists(vault: Vault) -> None:
    lists = [AffinityList(10, "Deals", "opportunity"), AffinityList(11, "LPs", "company")]
    account = vault.connect(*A, "key-one-1234567", profile(), lists=lists)
    assert account.status is Status.ACTIVE and account.has_credential
    assert account.profile == profile() and account.kid == "k1"
    assert account.lists == tuple(lists) and account.lists_fetched_at is not None
    assert account.connected_at == account.last_verified_at
    assert vault.get_credential(*A).reveal() == "key-one-1234567"


def test_pending_and_unknown_accounts_have_no_credential(vault: Vault) -> None:
    with pytest.raises(AccountNotFound):
        vault.get_credential(*A)
    vault.get_or_create_connected_account(*A)
    with pytest.raises(CredentialUnavailable) as caught:
        vault.get_credential(*A)
    assert caught.value.status == Status.PENDING


def test_revoked_account_refuses_its_key_until_reconnected(vault: Vault) -> None:
    vault.connect(*A, "key-one-1234567", profile())
    revoked = vault.mark_revoked(*A, "Affinity answered 401")
    assert revoked.status is Status.REVOKED and revoked.revoked_at is not None
    assert revoked.needs_reconnect
    with pytest.raises(CredentialUnavailable) as caught:
        vault.get_credential(*A)
    assert (caught.value.status, caught.value.reason) == (Status.REVOKED, "Affinity answered 401")
    again = vault.mark_revoked(*A, "second 401")  # idempotent: no second history row
    assert again.status_reason == "Affinity answered 401"
    vault.connect(*A, "key-two-1234567", profile())
    assert vault.get_credential(*A).reveal() == "key-two-1234567"
    history = [(c.from_status, c.to_status, c.reason) for c in vault.status_history(*A)]
    assert history == [
        (None, Status.PENDING, "created"),
        (Status.PENDING, Status.ACTIVE, "connected"),
        (Status.ACTIVE, Status.REVOKED, "Affinity answered 401"),
        (Status.REVOKED, Status.ACTIVE, "reconnected"),
    ]
    assert vault.get_account(*A).revoked_at is None


def test_mark_revoked_leaves_a_pending_account_pending(vault: Vault) -> None:
    vault.get_or_create_connected_account(*A)
    assert vault.mark_revoked(*A, "late 401").status is Status.PENDING


def test_disconnect_erases_credential_profile_and_lists(vault: Vault, engine) -> None:
    vault.connect(*A, "key-one-1234567", profile(), lists=[AffinityList(1, "Deals", "8")])
    account = vault.disconnect(*A)
    assert account.status is Status.PENDING and not account.has_credential
    assert account.profile is None and account.lists == () and account.kid is None
    with engine.connect() as conn:
        row = conn.execute(AccountRow.__table__.select()).one()
    assert row.ciphertext is None and row.wrapped_key is None
    assert vault.disconnect(*A) == account  # a double click changes nothing
    assert len(vault.status_history(*A)) == 3


def test_list_accounts_by_status(vault: Vault) -> None:
    vault.connect("affinity", "T1:U1", "key-one-1234567", profile(1))
    vault.connect("affinity", "T1:U2", "key-two-1234567", profile(2))
    vault.get_or_create_connected_account("affinity", "T1:U3")
    vault.mark_revoked("affinity", "T1:U2", "401")
    assert [a.identifier for a in vault.list_accounts()] == ["T1:U1", "T1:U2", "T1:U3"]
    assert [a.identifier for a in vault.list_accounts(status="ACTIVE")] == ["T1:U1"]
    assert [a.identifier for a in vault.list_accounts(Status.REVOKED)] == ["T1:U2"]
    assert vault.list_accounts(connection_name="other") == []


def test_cache_lists_replaces_and_touch_verified_moves_forward(vault: Vault) -> None:
    vault.connect(*A, "key-one-1234567", profile(), lists=[AffinityList(1, "Old", "8")])
    before = vault.get_account(*A)
    account = vault.cache_lists(*A, [AffinityList(2, "New", "8"), AffinityList(3, "LPs", "1")])
    assert [item.name for item in account.lists] == ["New", "LPs"]
    assert account.lists_fetched_at >= before.lists_fetched_at
    vault.touch_verified(*A)
    assert vault.get_account(*A).last_verified_at >= before.last_verified_at


def test_delete_for_identifier_erases_every_connection_of_that_user(vault: Vault) -> None:
    vault.connect("affinity", "T1:U1", "key-one-1234567", profile())
    vault.get_or_create_connected_account("other", "T1:U1")
    vault.connect("affinity", "T1:U2", "key-two-1234567", profile(2))
    assert vault.delete_for_identifier("T1:U1") == 2
    assert vault.get_account("affinity", "T1:U1") is None
    assert vault.get_credential("affinity", "T1:U2").reveal() == "key-two-1234567"
    assert vault.delete_for_identifier("T1:U1") == 0


def test_row_swap_never_yields_another_accounts_key(vault: Vault, engine) -> None:
    vault.connect("affinity", "T1:UA", "key-of-A-1234567", profile(1))
    vault.connect("affinity", "T1:UB", "key-of-B-1234567", profile(2))
    with engine.begin() as conn:
        a = conn.execute(
            AccountRow.__table__.select().where(AccountRow.identifier == "T1:UA")
        ).one()
        conn.execute(
            update(AccountRow)
            .where(AccountRow.identifier == "T1:UB")
            .values(ciphertext=a.ciphertext, wrapped_key=a.wrapped_key, kid=a.kid)
        )
    with pytest.raises(CredentialUnavailable) as caught:
        vault.get_credential("affinity", "T1:UB")
    assert "key-of-A" not in str(caught.value) and caught.value.status == Status.REVOKED
    b = vault.get_account("affinity", "T1:UB")
    assert (b.status, b.status_reason) == (Status.REVOKED, UNVERIFIABLE_REASON)
    assert vault.get_credential("affinity", "T1:UA").reveal() == "key-of-A-1234567"


def test_an_unconfigured_master_key_leaves_the_account_active(engine, keyring) -> None:
    from tests.vault.conftest import keyring_of

    old = keyring_of("old")
    Vault(engine, old).connect(*A, "key-one-1234567", profile())
    vault = Vault(engine, keyring)
    vault.connect("affinity", "T1:U2", "key-two-1234567", profile(2))
    assert vault.unknown_key_ids() == {"old"}
    for _ in range(2):
        with pytest.raises(MasterKeyMissing) as caught:
            vault.get_credential(*A)
        assert caught.value.kid == "old"
    account = vault.get_account(*A)
    assert account.status == Status.ACTIVE and account.profile is None  # cannot be verified here
    assert len(vault.status_history(*A)) == 2  # created, connected: nothing else
    assert vault.get_credential("affinity", "T1:U2").reveal() == "key-two-1234567"
    assert Vault(engine, old).get_credential(*A).reveal() == "key-one-1234567"


def test_empty_key_is_refused_and_nothing_is_stored(vault: Vault) -> None:
    with pytest.raises(ValueError):
        vault.connect(*A, Secret("   "), profile())
    assert vault.get_account(*A) is None


def test_profile_from_v1_and_v2_whoami() -> None:
    v1 = {
        "tenant": {"id": 1, "name": "Affinity", "subdomain": "affinity"},
        "user": {"id": 2, "firstName": "John", "lastName": "Doe", "email": "john@affinity.co"},
    }
    v2 = {
        "tenant": {"id": 1, "name": "Contoso", "subdomain": "contoso"},
        "user": {
            "id": 1,
            "firstName": "John",
            "lastName": None,
            "emailAddress": "john@contoso.com",
        },
    }
    assert AffinityProfile.from_whoami(v1) == AffinityProfile(
        2, "John Doe", "john@affinity.co", 1, "Affinity", "affinity"
    )
    assert AffinityProfile.from_whoami(v2).user_name == "John"
    assert AffinityProfile.from_whoami(v2).user_email == "john@contoso.com"


def test_a_401_for_an_old_key_does_not_revoke_the_new_one(vault: Vault) -> None:
    vault.connect(*A, "key-old-1234567", profile())
    old = vault.get_credential(*A)
    vault.connect(*A, "key-new-1234567", profile())  # the user reconnected meanwhile
    assert vault.mark_revoked(*A, "401", credential=old).status is Status.ACTIVE
    current = vault.get_credential(*A)
    assert vault.mark_revoked(*A, "401", credential=current).status is Status.REVOKED


def test_delete_by_prefix_erases_one_workspace_only(vault: Vault) -> None:
    for identifier in ("T1:U1", "T1:U2", "T10:U1", "T_:U1"):
        vault.connect("affinity", identifier, f"key-{identifier}-12345", profile())
    assert vault.delete_for_identifier_prefix("T1:") == 2
    assert vault.delete_for_identifier_prefix("T_") == 1  # "_" is literal, not a wildcard
    assert [a.identifier for a in vault.list_accounts()] == ["T10:U1"]
    with pytest.raises(ValueError):
        vault.delete_for_identifier_prefix("")


@pytest.mark.parametrize(
    ("connection_name", "identifier", "message"),
    [
        ("affinity", "", "identifier must be"),
        ("", "T1:U1", "connection name must be"),
        ("affinity", "T" * 256, "limit is 255"),
        ("a" * 65, "T1:U1", "limit is 64"),
    ],
)
def test_bad_names_are_refused_clearly_and_nothing_is_stored(
    vault: Vault, connection_name: str, identifier: str, message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        vault.connect(connection_name, identifier, "key-one-1234567", profile())
    assert vault.list_accounts() == []


def test_long_names_from_affinity_are_clipped_not_rejected(vault: Vault) -> None:
    long = AffinityProfile(1, "N" * 400, "e@x.io", 2, "F" * 400, "f")
    account = vault.connect(*A, "key-one-1234567", long, lists=[AffinityList(1, "L" * 300, "8")])
    assert len(account.profile.user_name) == 255 and len(account.lists[0].name) == 255


def test_verification_sweep_finds_stale_and_never_verified_accounts(engine, keyring) -> None:
    from datetime import UTC, datetime, timedelta

    now = [datetime(2026, 1, 1, tzinfo=UTC)]
    vault = Vault(engine, keyring, clock=lambda: now[0])
    vault.connect("affinity", "T1:U1", "key-one-1234567", profile())
    now[0] += timedelta(hours=2)
    vault.connect("affinity", "T1:U2", "key-two-1234567", profile())
    due = vault.list_accounts(Status.ACTIVE, verified_before=now[0] - timedelta(hours=1))
    assert [a.identifier for a in due] == ["T1:U1"]
    vault.touch_verified("affinity", "T1:U1")
    assert vault.list_accounts(Status.ACTIVE, verified_before=now[0] - timedelta(hours=1)) == []
    vault.get_or_create_connected_account("affinity", "T1:U3")
    assert [a.identifier for a in vault.list_accounts(verified_before=now[0])] == ["T1:U3"]


def test_open_vault_checks_the_master_key_first_and_refuses_missing_ones(tmp_path):
    from vault import VaultConfigurationError, open_vault
    from vault.keyring import generate_key_entry

    env = {"AFFINITY_BOT_DATA_DIR": str(tmp_path)}
    with pytest.raises(VaultConfigurationError, match="VAULT_MASTER_KEYS is not set"):
        open_vault(env)
    assert not (tmp_path / "affinity-bot.db").exists()
    first = open_vault({**env, "VAULT_MASTER_KEYS": generate_key_entry("one")})
    first.connect(*A, "key-one-1234567", profile())
    first.engine.dispose()
    with pytest.raises(VaultConfigurationError) as refused:
        open_vault({**env, "VAULT_MASTER_KEYS": generate_key_entry("two")})
    assert "master key id(s) one" in str(refused.value)
    assert "vault forget-key" in str(refused.value)
