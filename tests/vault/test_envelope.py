"""Sealing and opening credentials: binding to the account, tampering, key ids, master keys."""

from __future__ import annotations

import dataclasses
import os

import pytest

from tests.vault.conftest import keyring_of
from vault.envelope import (
    LEGACY_FORMAT_VERSION,
    Sealed,
    _data_key_ad,
    open_sealed,
    rewrap,
    seal,
    upgrade_format,
    verify,
)
from vault.errors import CredentialUnreadable, MasterKeyMissing, VaultConfigurationError
from vault.keyring import Keyring, MasterKey, generate_key_entry, load_keyring
from vault.secrets import Secret

KEY = Secret("affinity-key-0123456789")


def test_sealed_opens_only_for_its_own_account() -> None:
    keyring = keyring_of("k1")
    sealed = seal(keyring, "affinity", "T1:U1", KEY)
    assert open_sealed(keyring, "affinity", "T1:U1", sealed) == KEY
    for connection, identifier in [("affinity", "T1:U2"), ("other", "T1:U1"), ("affinity", "")]:
        with pytest.raises(CredentialUnreadable):
            open_sealed(keyring, connection, identifier, sealed)


def test_each_seal_uses_a_fresh_data_key_and_nonce() -> None:
    keyring = keyring_of("k1")
    first, second = (seal(keyring, "affinity", "T1:U1", KEY) for _ in range(2))
    assert first.ciphertext != second.ciphertext
    assert first.wrapped_key != second.wrapped_key


@pytest.mark.parametrize("field", ["ciphertext", "wrapped_key"])
def test_a_flipped_bit_does_not_open(field: str) -> None:
    keyring = keyring_of("k1")
    sealed = seal(keyring, "affinity", "T1:U1", KEY)
    blob = bytearray(getattr(sealed, field))
    blob[-1] ^= 1
    with pytest.raises(CredentialUnreadable):
        tampered = dataclasses.replace(sealed, **{field: bytes(blob)})
        open_sealed(keyring, "affinity", "T1:U1", tampered)


def test_an_unconfigured_key_id_is_told_apart_from_a_relabelled_one() -> None:
    old, new = keyring_of("k1"), keyring_of("k2", "k1")
    sealed = seal(old, "affinity", "T1:U1", KEY)
    with pytest.raises(MasterKeyMissing, match="not configured") as missing:
        open_sealed(keyring_of("k9"), "affinity", "T1:U1", sealed)
    assert missing.value.kid == "k1" and not isinstance(missing.value, CredentialUnreadable)
    with pytest.raises(CredentialUnreadable):  # claims k2, but was wrapped by k1
        open_sealed(new, "affinity", "T1:U1", dataclasses.replace(sealed, kid="k2"))


def test_the_context_is_bound_and_checked_without_opening_the_credential() -> None:
    keyring = keyring_of("k1")
    sealed = seal(keyring, "affinity", "T1:U1", KEY, context='["maya", "northwind"]')
    verify(keyring, "affinity", "T1:U1", sealed)
    assert open_sealed(keyring, "affinity", "T1:U1", sealed) == KEY
    edited = dataclasses.replace(sealed, context='["eve", "northwind"]')
    for check in (verify, open_sealed):
        with pytest.raises(CredentialUnreadable):
            check(keyring, "affinity", "T1:U1", edited)
    downgraded = dataclasses.replace(sealed, version=LEGACY_FORMAT_VERSION)
    with pytest.raises(CredentialUnreadable):  # claiming the older format does not skip it
        open_sealed(keyring, "affinity", "T1:U1", downgraded)


def legacy_seal(keyring: Keyring, identifier: str, secret: Secret) -> Sealed:
    """A credential as format 1 sealed it (data key bound to the account only)."""
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    from vault.envelope import _credential_ad

    data_key, nonce = AESGCM.generate_key(bit_length=256), os.urandom(12)
    ad = _credential_ad("affinity", identifier, LEGACY_FORMAT_VERSION)
    ciphertext = nonce + AESGCM(data_key).encrypt(nonce, secret.reveal().encode(), ad)
    wrapped = keyring.primary.wrap(
        data_key,
        _data_key_ad("affinity", identifier, LEGACY_FORMAT_VERSION, keyring.primary_kid, ""),
    )
    return Sealed(ciphertext, wrapped, keyring.primary_kid, LEGACY_FORMAT_VERSION)


def test_a_format_1_credential_opens_and_upgrades_to_a_bound_one() -> None:
    keyring = keyring_of("k1")
    legacy = legacy_seal(keyring, "T1:U1", KEY)
    assert (
        open_sealed(keyring, "affinity", "T1:U1", dataclasses.replace(legacy, context="anything"))
        == KEY
    )
    upgraded = upgrade_format(keyring, "affinity", "T1:U1", legacy, '["maya"]')
    assert upgraded.version == 2 and upgraded.context == '["maya"]'
    assert open_sealed(keyring, "affinity", "T1:U1", upgraded) == KEY
    with pytest.raises(CredentialUnreadable):
        verify(keyring, "affinity", "T1:U1", dataclasses.replace(upgraded, context='["eve"]'))


def test_rewrap_changes_only_the_wrapping_and_keeps_the_secret() -> None:
    old = keyring_of("k1")
    both = Keyring([MasterKey("k2", os.urandom(32)), old.key("k1")])
    sealed = seal(old, "affinity", "T1:U1", KEY)
    rotated = rewrap(both, "affinity", "T1:U1", sealed)
    assert rotated.kid == "k2" and rotated.ciphertext == sealed.ciphertext
    assert open_sealed(both, "affinity", "T1:U1", rotated) == KEY
    assert rewrap(both, "affinity", "T1:U1", rotated) is rotated


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("", "VAULT_MASTER_KEYS is not set"),
        ("justakey", "not of the form 'kid:key'"),
        ("k1:", "not of the form 'kid:key'"),
        ("k1:c2hvcnQ", "must be exactly 32"),
        ("k1:***notbase64***", "URL-safe base64"),
        ("bad kid!:" + generate_key_entry("x").split(":")[1], "not valid"),
        (generate_key_entry("a") + "," + generate_key_entry("a"), "more than once"),
    ],
)
def test_bad_master_key_configuration_says_what_to_set(value: str, expected: str) -> None:
    with pytest.raises(VaultConfigurationError) as caught:
        load_keyring({"VAULT_MASTER_KEYS": value})
    message = str(caught.value)
    assert expected in message
    assert "VAULT_MASTER_KEYS" in message and "affinity-bot vault keygen" in message
    secret_part = value.partition(":")[2]
    assert len(secret_part) < 8 or secret_part not in message


def test_first_key_seals_and_all_keys_open() -> None:
    a, b = generate_key_entry("a"), generate_key_entry("b")
    keyring = load_keyring({"VAULT_MASTER_KEYS": f" {b} , {a} "})
    assert keyring.primary_kid == "b" and set(keyring.kids) == {"a", "b"}
    sealed_by_a = seal(load_keyring({"VAULT_MASTER_KEYS": a}), "affinity", "T1:U1", KEY)
    assert open_sealed(keyring, "affinity", "T1:U1", sealed_by_a) == KEY
    assert "a:" not in repr(keyring) and a.split(":")[1] not in repr(keyring)


def test_dev_keyfile_is_opt_in_created_once_and_warned(tmp_path, caplog) -> None:
    env = {"AFFINITY_BOT_DATA_DIR": str(tmp_path / "data")}
    with pytest.raises(VaultConfigurationError):
        load_keyring(env)
    first = load_keyring(env, allow_dev_keyfile=True)
    second = load_keyring(env, allow_dev_keyfile=True)
    sealed = seal(first, "affinity", "T1:U1", KEY)
    assert open_sealed(second, "affinity", "T1:U1", sealed) == KEY
    keyfile = tmp_path / "data" / "vault-dev-master-key"
    assert keyfile.stat().st_mode & 0o077 == 0
    assert "for local use only" in caplog.text


def test_damaged_dev_keyfile_is_a_configuration_error(tmp_path) -> None:
    (tmp_path / "vault-dev-master-key").write_text("garbage")
    with pytest.raises(VaultConfigurationError, match="damaged"):
        load_keyring({"AFFINITY_BOT_DATA_DIR": str(tmp_path)}, allow_dev_keyfile=True)
