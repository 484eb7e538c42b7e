"""Sealing and opening credentials: binding to the account, tampering, key ids, master keys."""

from __future__ import annotations

import dataclasses
import os

import pytest

from tests.vault.conftest import keyring_of
from vault.envelope import open_sealed, rewrap, seal
from vault.errors import CredentialUnreadable, VaultConfigurationError
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


def test_unknown_key_id_and_relabelled_key_id_do_not_open() -> None:
    old, new = keyring_of("k1"), keyring_of("k2", "k1")
    sealed = seal(old, "affinity", "T1:U1", KEY)
    with pytest.raises(CredentialUnreadable, match="not configured"):
        open_sealed(keyring_of("k9"), "affinity", "T1:U1", sealed)
    with pytest.raises(CredentialUnreadable):  # claims k2, but was wrapped by k1
        open_sealed(new, "affinity", "T1:U1", dataclasses.replace(sealed, kid="k2"))


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
