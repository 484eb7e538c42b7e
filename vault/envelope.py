"""Envelope encryption: each credential sealed under its own data key, wrapped by a master key.

The associated data binds both layers to the account (connection name + identifier) and the
format version; the wrapped data key is also bound to the master key id. A ciphertext copied into
another account's row therefore fails to open instead of yielding another user's key.
Rotation re-wraps only the data key; the credential ciphertext is untouched.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from vault.errors import CredentialUnreadable
from vault.keyring import NONCE_BYTES, Keyring
from vault.secrets import Secret

FORMAT_VERSION = 1


@dataclass(frozen=True)
class Sealed:
    """What is stored: ciphertext and wrapped data key (each nonce-prefixed), key id, version."""

    ciphertext: bytes
    wrapped_key: bytes
    kid: str
    version: int = FORMAT_VERSION

    def __repr__(self) -> str:
        return f"Sealed(kid={self.kid!r}, version={self.version})"


def _associated_data(layer: str, connection_name: str, identifier: str, *extra: object) -> bytes:
    # JSON of a list is unambiguous: no separator inside an identifier can forge another binding.
    return json.dumps(["affinity-bot-vault", layer, *extra, connection_name, identifier]).encode()


def _credential_ad(connection_name: str, identifier: str, version: int) -> bytes:
    return _associated_data("credential", connection_name, identifier, version)


def _data_key_ad(connection_name: str, identifier: str, version: int, kid: str) -> bytes:
    return _associated_data("data-key", connection_name, identifier, version, kid)


def seal(keyring: Keyring, connection_name: str, identifier: str, secret: Secret) -> Sealed:
    """Seal a credential for one account under a fresh data key and the primary master key."""
    data_key = AESGCM.generate_key(bit_length=256)
    nonce = os.urandom(NONCE_BYTES)
    ad = _credential_ad(connection_name, identifier, FORMAT_VERSION)
    ciphertext = nonce + AESGCM(data_key).encrypt(nonce, secret.reveal().encode(), ad)
    kid = keyring.primary_kid
    wrapped = keyring.primary.wrap(
        data_key, _data_key_ad(connection_name, identifier, FORMAT_VERSION, kid)
    )
    return Sealed(ciphertext, wrapped, kid)


def _unwrap(keyring: Keyring, connection_name: str, identifier: str, sealed: Sealed) -> bytes:
    if sealed.version != FORMAT_VERSION:
        raise CredentialUnreadable(f"unknown credential format version {sealed.version}")
    ad = _data_key_ad(connection_name, identifier, sealed.version, sealed.kid)
    return keyring.key(sealed.kid).unwrap(sealed.wrapped_key, ad)


def open_sealed(keyring: Keyring, connection_name: str, identifier: str, sealed: Sealed) -> Secret:
    """Open a credential sealed for this account; CredentialUnreadable if it does not open."""
    data_key = _unwrap(keyring, connection_name, identifier, sealed)
    ad = _credential_ad(connection_name, identifier, sealed.version)
    body = sealed.ciphertext
    try:
        plain = AESGCM(data_key).decrypt(body[:NONCE_BYTES], body[NONCE_BYTES:], ad)
    except (InvalidTag, ValueError) as exc:
        raise CredentialUnreadable("credential ciphertext did not open") from exc
    return Secret(plain.decode())


def rewrap(keyring: Keyring, connection_name: str, identifier: str, sealed: Sealed) -> Sealed:
    """The same credential with its data key wrapped by the primary key (ciphertext unchanged)."""
    if sealed.kid == keyring.primary_kid:
        return sealed
    data_key = _unwrap(keyring, connection_name, identifier, sealed)
    kid = keyring.primary_kid
    wrapped = keyring.primary.wrap(
        data_key, _data_key_ad(connection_name, identifier, sealed.version, kid)
    )
    return Sealed(sealed.ciphertext, wrapped, kid, sealed.version)
