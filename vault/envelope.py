"""Envelope encryption: each credential sealed under its own data key, wrapped by a master key.

The associated data binds both layers to the account (connection name + identifier) and the
format version; the wrapped data key is also bound to the master key id and (format 2) to the
account's `context`: the Affinity profile stored next to the credential. A ciphertext copied into
another account's row, or a row whose profile was edited, therefore fails to open instead of
yielding another user's key or a forged identity. Checking the context needs only the data key
to unwrap (`verify`), never the credential itself.
Rotation re-wraps only the data key; the credential ciphertext is untouched.

Format 1 (before the profile was bound) still opens; `upgrade_format` re-seals it as format 2.
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

FORMAT_VERSION = 2
LEGACY_FORMAT_VERSION = 1  # the data key was not bound to the context
SUPPORTED_VERSIONS = (LEGACY_FORMAT_VERSION, FORMAT_VERSION)


@dataclass(frozen=True)
class Sealed:
    """What is stored: ciphertext and wrapped data key (each nonce-prefixed), key id, version,
    and the context the data key is bound to (format 2; not secret, stored in clear beside it)."""

    ciphertext: bytes
    wrapped_key: bytes
    kid: str
    version: int = FORMAT_VERSION
    context: str = ""

    def __repr__(self) -> str:
        return f"Sealed(kid={self.kid!r}, version={self.version})"


def _associated_data(layer: str, connection_name: str, identifier: str, *extra: object) -> bytes:
    # JSON of a list is unambiguous: no separator inside an identifier can forge another binding.
    return json.dumps(["affinity-bot-vault", layer, *extra, connection_name, identifier]).encode()


def _credential_ad(connection_name: str, identifier: str, version: int) -> bytes:
    return _associated_data("credential", connection_name, identifier, version)


def _data_key_ad(
    connection_name: str, identifier: str, version: int, kid: str, context: str
) -> bytes:
    if version == LEGACY_FORMAT_VERSION:
        return _associated_data("data-key", connection_name, identifier, version, kid)
    return _associated_data("data-key", connection_name, identifier, version, kid, context)


def seal(
    keyring: Keyring, connection_name: str, identifier: str, secret: Secret, context: str = ""
) -> Sealed:
    """Seal a credential for one account under a fresh data key and the primary master key,
    the data key bound to `context` (the account's profile, see vault/rows.py)."""
    data_key = AESGCM.generate_key(bit_length=256)
    nonce = os.urandom(NONCE_BYTES)
    ad = _credential_ad(connection_name, identifier, FORMAT_VERSION)
    ciphertext = nonce + AESGCM(data_key).encrypt(nonce, secret.reveal().encode(), ad)
    kid = keyring.primary_kid
    wrapped = keyring.primary.wrap(
        data_key, _data_key_ad(connection_name, identifier, FORMAT_VERSION, kid, context)
    )
    return Sealed(ciphertext, wrapped, kid, FORMAT_VERSION, context)


def _unwrap(keyring: Keyring, connection_name: str, identifier: str, sealed: Sealed) -> bytes:
    """The data key. MasterKeyMissing if its key id is not configured (nothing is wrong with
    the row); CredentialUnreadable if it does not authenticate (tampered, moved, corrupted)."""
    if sealed.version not in SUPPORTED_VERSIONS:
        raise CredentialUnreadable(f"unknown credential format version {sealed.version}")
    master = keyring.key(sealed.kid)
    ad = _data_key_ad(connection_name, identifier, sealed.version, sealed.kid, sealed.context)
    return master.unwrap(sealed.wrapped_key, ad)


def verify(keyring: Keyring, connection_name: str, identifier: str, sealed: Sealed) -> None:
    """Check that the data key unwraps for this account and context, without opening the
    credential. Raises as `open_sealed` does; format 1 binds no context, so only the account."""
    _unwrap(keyring, connection_name, identifier, sealed)


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
        data_key, _data_key_ad(connection_name, identifier, sealed.version, kid, sealed.context)
    )
    return Sealed(sealed.ciphertext, wrapped, kid, sealed.version, sealed.context)


def upgrade_format(
    keyring: Keyring, connection_name: str, identifier: str, sealed: Sealed, context: str
) -> Sealed:
    """A format-1 credential re-sealed as format 2, its data key bound to `context`."""
    secret = open_sealed(keyring, connection_name, identifier, sealed)
    return seal(keyring, connection_name, identifier, secret, context)
