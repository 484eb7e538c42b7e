"""The vault's exceptions: one base class, one subclass per answer a caller acts on.

No message here ever contains a credential: they name the connection, the identifier,
the status and the reason, nothing else.
"""

from __future__ import annotations


class VaultError(Exception):
    """Base of every error the vault raises on purpose."""


class VaultConfigurationError(VaultError):
    """The vault cannot start: a setting is missing or malformed.

    The message says exactly which setting to set and how; the CLI prints it without a traceback.
    """


class AccountNotFound(VaultError):
    """No connected account exists for this connection and identifier."""

    def __init__(self, connection_name: str, identifier: str) -> None:
        super().__init__(f"no connected account for {connection_name!r} / {identifier!r}")
        self.connection_name = connection_name
        self.identifier = identifier


class CredentialUnavailable(VaultError):
    """The account exists but has no usable credential: it is not ACTIVE.

    `status` is the account's status (PENDING or REVOKED) and `reason` why, so the caller can
    offer the right next step (connect, or reconnect).
    """

    def __init__(
        self, connection_name: str, identifier: str, status: str, reason: str | None
    ) -> None:
        detail = f" ({reason})" if reason else ""
        super().__init__(
            f"account {connection_name!r} / {identifier!r} is {status}{detail}; "
            "the user needs to connect their API key"
        )
        self.connection_name = connection_name
        self.identifier = identifier
        self.status = status
        self.reason = reason


class CredentialUnreadable(VaultError):
    """A sealed credential failed authentication under a configured master key: it was
    tampered with (its profile edited, its bytes changed), moved from another row, or corrupted.

    Raised by the envelope layer; the account layer turns it into a REVOKED account with the
    reason UNVERIFIABLE_REASON and raises CredentialUnavailable to its caller.
    """


class MasterKeyMissing(VaultError):
    """A credential is sealed with a master key id that `VAULT_MASTER_KEYS` does not hold.

    An operator's configuration mistake, not the user's: the account is left as it is (ACTIVE),
    and works again as soon as the key is configured. `kid` names the missing key id.
    """

    def __init__(self, kid: str) -> None:
        super().__init__(f"master key {kid!r} is not configured in VAULT_MASTER_KEYS")
        self.kid = kid
