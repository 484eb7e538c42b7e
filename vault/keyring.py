"""Master keys: parsing `VAULT_MASTER_KEYS`, generating new ones, the local dev key file.

A master key wraps the per-credential data keys (see envelope.py). It never goes in the database.
`VAULT_MASTER_KEYS` is a comma-separated list of `kid:base64url-32-bytes`; all listed keys can
unwrap, the first one wraps ("primary"). Rotation = put a new key first, run `vault rotate`,
then drop the old one.
"""

from __future__ import annotations

import base64
import binascii
import logging
import os
import re
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from vault.config import MASTER_KEYS_ENV, VaultSettings, data_dir
from vault.errors import CredentialUnreadable, MasterKeyMissing, VaultConfigurationError

log = logging.getLogger(__name__)

KEY_BYTES = 32
NONCE_BYTES = 12
DEV_KEYFILE_NAME = "vault-dev-master-key"
_KID = re.compile(r"^[A-Za-z0-9_.-]{1,64}$")
_HOW_TO_FIX = (
    f"Set {MASTER_KEYS_ENV} to one or more comma-separated 'kid:key' entries, where key is 32 "
    "random bytes in URL-safe base64; generate one with `affinity-bot vault keygen`."
)


class MasterKey:
    """One master key and its id. The key bytes never appear in repr."""

    __slots__ = ("_aead", "kid")

    def __init__(self, kid: str, key: bytes) -> None:
        if not _KID.match(kid):
            raise VaultConfigurationError(
                f"master key id {kid!r} is not valid: use 1-64 letters, digits, '.', '_' or '-'. "
                + _HOW_TO_FIX
            )
        if len(key) != KEY_BYTES:
            raise VaultConfigurationError(
                f"master key {kid!r} is {len(key)} bytes long; it must be exactly {KEY_BYTES}. "
                + _HOW_TO_FIX
            )
        self.kid = kid
        self._aead = AESGCM(key)

    def __repr__(self) -> str:
        return f"MasterKey(kid={self.kid!r})"

    def wrap(self, data_key: bytes, associated_data: bytes) -> bytes:
        nonce = os.urandom(NONCE_BYTES)
        return nonce + self._aead.encrypt(nonce, data_key, associated_data)

    def unwrap(self, wrapped: bytes, associated_data: bytes) -> bytes:
        try:
            return self._aead.decrypt(wrapped[:NONCE_BYTES], wrapped[NONCE_BYTES:], associated_data)
        except (InvalidTag, ValueError) as exc:
            raise CredentialUnreadable(
                f"data key did not unwrap under master key {self.kid!r}"
            ) from exc


class Keyring:
    """The live master keys, in order; the first (primary) wraps, any of them unwraps."""

    def __init__(self, keys: Sequence[MasterKey]) -> None:
        if not keys:
            raise VaultConfigurationError(f"{MASTER_KEYS_ENV} holds no key. " + _HOW_TO_FIX)
        kids = [k.kid for k in keys]
        duplicates = sorted({kid for kid in kids if kids.count(kid) > 1})
        if duplicates:
            raise VaultConfigurationError(
                f"{MASTER_KEYS_ENV} lists key id(s) {', '.join(duplicates)} more than once; "
                "give every key its own id. " + _HOW_TO_FIX
            )
        self._keys = {k.kid: k for k in keys}
        self.primary = keys[0]

    @property
    def primary_kid(self) -> str:
        return self.primary.kid

    @property
    def kids(self) -> tuple[str, ...]:
        return tuple(self._keys)

    def __contains__(self, kid: object) -> bool:
        return kid in self._keys

    def __repr__(self) -> str:
        return f"Keyring(primary={self.primary_kid!r}, kids={list(self._keys)!r})"

    def key(self, kid: str) -> MasterKey:
        try:
            return self._keys[kid]
        except KeyError:
            raise MasterKeyMissing(kid) from None


def generate_key_entry(kid: str | None = None) -> str:
    """A new `kid:key` entry for VAULT_MASTER_KEYS (kid defaults to today's date + random)."""
    kid = kid or f"k{datetime.now(UTC):%Y%m%d}-{os.urandom(3).hex()}"
    key = base64.urlsafe_b64encode(os.urandom(KEY_BYTES)).decode().rstrip("=")
    MasterKey(kid, _decode_key(kid, key))  # validates the kid
    return f"{kid}:{key}"


def _decode_key(kid: str, text: str) -> bytes:
    text = text.strip()
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError):
        raise VaultConfigurationError(
            f"master key {kid!r} is not valid URL-safe base64. " + _HOW_TO_FIX
        ) from None


def parse_master_keys(text: str) -> Keyring:
    """Parse `kid:key,kid:key`; errors name the setting and never echo a key."""
    entries = [e.strip() for e in text.split(",") if e.strip()]
    if not entries:
        raise VaultConfigurationError(f"{MASTER_KEYS_ENV} is empty. " + _HOW_TO_FIX)
    keys = []
    for position, entry in enumerate(entries, start=1):
        kid, sep, encoded = entry.partition(":")
        if not sep or not kid.strip() or not encoded.strip():
            raise VaultConfigurationError(
                f"entry {position} of {MASTER_KEYS_ENV} is not of the form 'kid:key'. "
                + _HOW_TO_FIX
            )
        kid = kid.strip()
        keys.append(MasterKey(kid, _decode_key(kid, encoded)))
    return Keyring(keys)


def load_keyring(
    environ: Mapping[str, str] | None = None, *, allow_dev_keyfile: bool = False
) -> Keyring:
    """The keyring from `VAULT_MASTER_KEYS`.

    When it is unset, start-up stops with VaultConfigurationError, unless the caller opts in to
    `allow_dev_keyfile` (the zero-configuration local demo): then a random key is created once
    in the data directory and reused, with a warning that it is for local use only.
    """
    keys = VaultSettings.from_environ(environ).master_keys
    if keys is not None:
        return parse_master_keys(keys.get_secret_value())
    if not allow_dev_keyfile:
        raise VaultConfigurationError(f"{MASTER_KEYS_ENV} is not set. " + _HOW_TO_FIX)
    return _dev_keyring(data_dir(environ) / DEV_KEYFILE_NAME)


def _dev_keyring(path: Path) -> Keyring:
    if not path.exists():
        entry = generate_key_entry("dev")
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(entry + "\n")
    log.warning(
        "vault: using the development master key in %s - for local use only; set %s in "
        "production (generate with `affinity-bot vault keygen`)",
        path,
        MASTER_KEYS_ENV,
    )
    try:
        return parse_master_keys(path.read_text())
    except VaultConfigurationError as exc:
        raise VaultConfigurationError(
            f"the development key file {path} is damaged: {exc}"
        ) from None
