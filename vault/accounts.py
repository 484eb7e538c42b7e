"""Connected accounts: one per (connection name, identifier), each with its sealed credential.

`Vault(engine, keyring)` is the repository. Every method runs in its own short transaction.
Statuses (see docs/vault.md): PENDING (no key), ACTIVE (usable key), REVOKED (Affinity refused the
key, or the stored credential failed authentication; the user must reconnect). Every status change
writes a history row.

Two ways a credential may not open, kept apart on purpose:
- its master key id is not configured (`MasterKeyMissing`): the operator's mistake; the account
  is left ACTIVE and works again once the key is back;
- it fails authentication under a configured key (`CredentialUnreadable`: tampered, moved,
  its profile edited): the account turns REVOKED with UNVERIFIABLE_REASON.
The profile an account shows is the verified one: None when it cannot be checked.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from datetime import UTC, datetime

from sqlalchemy import ColumnElement, Engine, delete, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from vault.envelope import LEGACY_FORMAT_VERSION, Sealed, open_sealed, seal, upgrade_format, verify
from vault.errors import (
    AccountNotFound,
    CredentialUnavailable,
    CredentialUnreadable,
    MasterKeyMissing,
)
from vault.keyring import Keyring
from vault.models import AccountRow, CachedListRow, Status, StatusChangeRow
from vault.records import AffinityList, AffinityProfile, ConnectedAccount, StatusChange
from vault.rows import (
    clip,
    clip_profile,
    erase_credential,
    profile_context,
    profile_of,
    record_status,
    sealed_of,
    set_status,
    store_profile,
    store_sealed,
)
from vault.secrets import Secret

log = logging.getLogger(__name__)

AFFINITY = "affinity"
# The reason a stored credential that failed authentication under a configured key is REVOKED.
UNVERIFIABLE_REASON = "the stored credential could not be verified"
# What versions before the profile binding wrote for any credential that did not open, including
# one whose master key was merely missing from the configuration (see vault/repair.py).
UNREADABLE_REASON = "credential unreadable"
UNTRUSTED_REASONS = frozenset({UNVERIFIABLE_REASON, UNREADABLE_REASON})
CONNECTION_NAME_MAX = 64
IDENTIFIER_MAX = 255
Clock = Callable[[], datetime]


def utcnow() -> datetime:
    return datetime.now(UTC)


class Vault:
    """The repository of connected accounts and their encrypted credentials."""

    def __init__(self, engine: Engine, keyring: Keyring, *, clock: Clock = utcnow) -> None:
        self.engine = engine
        self.keyring = keyring
        self._clock = clock
        self._sessions = sessionmaker(engine, expire_on_commit=False)

    @property
    def sessions(self) -> sessionmaker[Session]:
        """Short transactions on the vault's engine (for vault/repair.py)."""
        return self._sessions

    def now(self) -> datetime:
        return self._clock()

    def __repr__(self) -> str:
        return f"Vault({self.engine.url.render_as_string()!r}, {self.keyring!r})"

    # -- accounts ---------------------------------------------------------------------------

    def get_or_create_connected_account(
        self, connection_name: str, identifier: str
    ) -> ConnectedAccount:
        """The account, created PENDING if missing. Racing callers create exactly one row."""
        _check_names(connection_name, identifier)
        now = self._clock()
        with self._sessions.begin() as session:
            account_id = self._insert_if_missing(session, connection_name, identifier, now)
            if account_id is not None:
                record_status(session, account_id, None, Status.PENDING, "created", now)
            return self._view(session, self._require(session, connection_name, identifier))

    def get_account(self, connection_name: str, identifier: str) -> ConnectedAccount | None:
        """The account with its verified profile. An ACTIVE account whose row fails
        verification (e.g. its profile was edited) is marked REVOKED first."""
        with self._sessions.begin() as session:
            row = self._load(session, connection_name, identifier)
            if row is None:
                return None
            view, tampered = self._checked_view(session, row)
        if tampered is None:
            return view
        self._mark_unreadable(view.id, tampered)
        return self.get_account(connection_name, identifier)

    def list_accounts(
        self,
        status: Status | str | None = None,
        connection_name: str | None = None,
        *,
        verified_before: datetime | None = None,
    ) -> list[ConnectedAccount]:
        """Accounts in id order, optionally filtered; `verified_before` finds the accounts a
        periodic whoami sweep should check (never verified, or last verified before then)."""
        query = select(AccountRow).order_by(AccountRow.id)
        if status is not None:
            query = query.where(AccountRow.status == Status(status).value)
        if connection_name is not None:
            query = query.where(AccountRow.connection_name == connection_name)
        if verified_before is not None:
            query = query.where(
                (AccountRow.last_verified_at.is_(None))
                | (AccountRow.last_verified_at < verified_before)
            )
        with self._sessions.begin() as session:
            checked = [self._checked_view(session, row) for row in session.scalars(query)]
        tampered = [(view.id, seen) for view, seen in checked if seen is not None]
        for account_id, seen in tampered:
            self._mark_unreadable(account_id, seen)
        if tampered:  # read again: those accounts are no longer what was asked for
            return self.list_accounts(status, connection_name, verified_before=verified_before)
        return [view for view, _seen in checked]

    def status_history(self, connection_name: str, identifier: str) -> list[StatusChange]:
        with self._sessions.begin() as session:
            row = self._require(session, connection_name, identifier)
            changes = session.scalars(
                select(StatusChangeRow)
                .where(StatusChangeRow.account_id == row.id)
                .order_by(StatusChangeRow.id)
            )
            return [
                StatusChange(
                    c.changed_at,
                    Status(c.from_status) if c.from_status else None,
                    Status(c.to_status),
                    c.reason,
                )
                for c in changes
            ]

    # -- credentials ------------------------------------------------------------------------

    def connect(
        self,
        connection_name: str,
        identifier: str,
        api_key: Secret | str,
        profile: AffinityProfile,
        lists: Iterable[AffinityList] | None = None,
    ) -> ConnectedAccount:
        """Store a key the caller has verified with Affinity, and whose key it is -> ACTIVE."""
        secret = api_key if isinstance(api_key, Secret) else Secret(api_key)
        if not secret.reveal().strip():
            raise ValueError("an empty API key cannot be connected")
        self.get_or_create_connected_account(connection_name, identifier)
        profile = clip_profile(profile)
        sealed = seal(self.keyring, connection_name, identifier, secret, profile_context(profile))
        now = self._clock()
        with self._sessions.begin() as session:
            row = self._require(session, connection_name, identifier, for_update=True)
            reason = "reconnected" if row.connected_at else "connected"
            store_sealed(row, sealed)
            store_profile(row, profile)
            row.connected_at = row.last_verified_at = now
            set_status(session, row, Status.ACTIVE, reason, now)
            if lists is not None:
                self._replace_lists(session, row, lists, now)
            return self._view(session, row)

    def get_credential(self, connection_name: str, identifier: str) -> Secret:
        """The account's key, only if ACTIVE; CredentialUnavailable (with .status) otherwise.

        A credential that fails authentication (tampered, moved, profile edited) marks this
        account REVOKED (UNVERIFIABLE_REASON) and raises CredentialUnavailable: it never returns
        another account's key. A credential whose master key id is not configured raises
        MasterKeyMissing and leaves the account ACTIVE. A format-1 credential is re-sealed as
        format 2 (bound to the profile) the first time it opens.
        """
        with self._sessions.begin() as session:
            row = self._require(session, connection_name, identifier)
            if row.status != Status.ACTIVE:
                raise CredentialUnavailable(
                    connection_name, identifier, Status(row.status), row.status_reason
                )
            sealed, account_id = sealed_of(row), row.id
        try:
            if sealed is None:
                raise CredentialUnreadable("ACTIVE account holds no sealed credential")
            secret = open_sealed(self.keyring, connection_name, identifier, sealed)
        except CredentialUnreadable as exc:
            log.warning(
                "vault: credential for %s / %s failed verification (%s); marking it REVOKED",
                connection_name,
                identifier,
                exc,
            )
            self._mark_unreadable(account_id, sealed)
            raise CredentialUnavailable(
                connection_name, identifier, Status.REVOKED, UNVERIFIABLE_REASON
            ) from exc
        if sealed.version == LEGACY_FORMAT_VERSION:
            self.upgrade_format(account_id, sealed)
        log.debug("vault: credential opened for %s / %s", connection_name, identifier)
        return secret

    def mark_revoked(
        self,
        connection_name: str,
        identifier: str,
        reason: str,
        *,
        credential: Secret | None = None,
    ) -> ConnectedAccount:
        """ACTIVE -> REVOKED (e.g. Affinity answered 401). Any other status is left as it is.

        Pass the `credential` that was refused: if the user has reconnected with another key
        since it was read, the new key is not revoked by the old key's 401.
        """
        now = self._clock()
        with self._sessions.begin() as session:
            row = self._require(session, connection_name, identifier, for_update=True)
            if row.status == Status.ACTIVE and self._still_holds(row, credential):
                row.revoked_at = now
                set_status(session, row, Status.REVOKED, reason, now)
            return self._view(session, row)

    def disconnect(
        self, connection_name: str, identifier: str, reason: str = "disconnected"
    ) -> ConnectedAccount:
        """Erase the sealed key, data key, profile and cached lists -> PENDING."""
        now = self._clock()
        with self._sessions.begin() as session:
            row = self._require(session, connection_name, identifier, for_update=True)
            if row.status == Status.PENDING and row.ciphertext is None:
                return self._view(session, row)
            erase_credential(row)
            row.connected_at = row.last_verified_at = row.lists_fetched_at = None
            session.execute(delete(CachedListRow).where(CachedListRow.account_id == row.id))
            set_status(session, row, Status.PENDING, reason, now)
            return self._view(session, row)

    def touch_verified(self, connection_name: str, identifier: str) -> None:
        """Record that the key was just checked with Affinity and still works."""
        with self._sessions.begin() as session:
            row = self._require(session, connection_name, identifier, for_update=True)
            row.last_verified_at = row.updated_at = self._clock()

    def cache_lists(
        self, connection_name: str, identifier: str, lists: Iterable[AffinityList]
    ) -> ConnectedAccount:
        """Replace the account's cached Affinity lists, stamped with the time fetched."""
        with self._sessions.begin() as session:
            row = self._require(session, connection_name, identifier, for_update=True)
            self._replace_lists(session, row, lists, self._clock())
            return self._view(session, row)

    def delete_for_identifier(self, identifier: str) -> int:
        """Erase every account of this identifier (e.g. a deactivated Slack user), with its
        credential, cached lists and history. Returns how many accounts were deleted."""
        with self._sessions.begin() as session:
            return self._delete_accounts(session, AccountRow.identifier == identifier)

    def delete_for_identifier_prefix(self, prefix: str) -> int:
        """Erase every account whose identifier starts with `prefix` (e.g. "T123:" when the app
        is uninstalled from a workspace). Returns how many accounts were deleted."""
        if not prefix:
            raise ValueError("an empty prefix would erase every account")
        condition = AccountRow.identifier.startswith(prefix, autoescape=True)
        with self._sessions.begin() as session:
            return self._delete_accounts(session, condition)

    def key_ids_in_use(self) -> set[str]:
        """Master key ids that wrap at least one stored credential."""
        with self._sessions.begin() as session:
            query = select(AccountRow.kid).where(AccountRow.kid.is_not(None)).distinct()
            return set(session.scalars(query))

    def unknown_key_ids(self) -> set[str]:
        """Master key ids referenced by stored credentials but missing from the keyring.

        Check it at start-up or before removing a key: every such credential will not open.
        """
        return {kid for kid in self.key_ids_in_use() if kid not in self.keyring}

    # -- internals --------------------------------------------------------------------------

    @staticmethod
    def _delete_accounts(session: Session, condition: ColumnElement[bool]) -> int:
        ids = list(session.scalars(select(AccountRow.id).where(condition)))
        if ids:  # children first: do not rely on the backend enforcing ON DELETE CASCADE
            for table in (StatusChangeRow, CachedListRow):
                session.execute(delete(table).where(table.account_id.in_(ids)))
            session.execute(delete(AccountRow).where(AccountRow.id.in_(ids)))
        return len(ids)

    def _still_holds(self, row: AccountRow, credential: Secret | None) -> bool:
        """True unless `credential` is given and the row now holds a different key."""
        sealed = sealed_of(row)
        if credential is None or sealed is None:
            return True
        try:
            current = open_sealed(self.keyring, row.connection_name, row.identifier, sealed)
        except (CredentialUnreadable, MasterKeyMissing):
            return True
        return current == credential

    def _insert_if_missing(
        self, session: Session, connection_name: str, identifier: str, now: datetime
    ) -> int | None:
        """INSERT ... ON CONFLICT DO NOTHING; the new id, or None if the row already existed."""
        values = dict(
            connection_name=connection_name,
            identifier=identifier,
            status=Status.PENDING.value,
            status_reason=None,
            status_changed_at=now,
            created_at=now,
            updated_at=now,
        )
        dialect = session.get_bind().dialect.name
        if dialect in ("postgresql", "sqlite"):
            insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
            statement = (
                insert(AccountRow)
                .values(**values)
                .on_conflict_do_nothing(index_elements=["connection_name", "identifier"])
                .returning(AccountRow.id)
            )
            return session.execute(statement).scalar_one_or_none()
        try:  # other backends: rely on the unique constraint
            with session.begin_nested():
                row = AccountRow(**values)
                session.add(row)
            return row.id
        except IntegrityError:
            return None

    def _load(
        self, session: Session, connection_name: str, identifier: str, for_update: bool = False
    ) -> AccountRow | None:
        query = select(AccountRow).where(
            AccountRow.connection_name == connection_name, AccountRow.identifier == identifier
        )
        if for_update:
            query = query.with_for_update()
        return session.scalars(query).one_or_none()

    def _require(
        self, session: Session, connection_name: str, identifier: str, for_update: bool = False
    ) -> AccountRow:
        row = self._load(session, connection_name, identifier, for_update)
        if row is None:
            raise AccountNotFound(connection_name, identifier)
        return row

    def _mark_unreadable(self, account_id: int, seen: Sealed | None) -> None:
        """REVOKED (UNVERIFIABLE_REASON), unless the row changed since we read it (e.g. a
        reconnect in between)."""
        now = self._clock()
        with self._sessions.begin() as session:
            row = session.scalars(
                select(AccountRow).where(AccountRow.id == account_id).with_for_update()
            ).one_or_none()
            if row is None or row.status != Status.ACTIVE or sealed_of(row) != seen:
                return
            row.revoked_at = now
            set_status(session, row, Status.REVOKED, UNVERIFIABLE_REASON, now)

    def upgrade_format(self, account_id: int, seen: Sealed) -> bool:
        """Re-seal a format-1 credential as format 2, bound to the profile the row holds now;
        False if the row changed since `seen` was read, or it does not open."""
        with self._sessions.begin() as session:
            row = session.scalars(
                select(AccountRow).where(AccountRow.id == account_id).with_for_update()
            ).one_or_none()
            if row is None or sealed_of(row) != seen or seen.version != LEGACY_FORMAT_VERSION:
                return False
            try:
                upgraded = upgrade_format(
                    self.keyring, row.connection_name, row.identifier, seen, seen.context
                )
            except (CredentialUnreadable, MasterKeyMissing):
                return False
            store_sealed(row, upgraded)
            row.updated_at = self._clock()
        log.info(
            "vault: credential of %s / %s re-sealed with its profile bound",
            row.connection_name,
            row.identifier,
        )
        return True

    @staticmethod
    def _replace_lists(
        session: Session, row: AccountRow, lists: Iterable[AffinityList], now: datetime
    ) -> None:
        session.execute(delete(CachedListRow).where(CachedListRow.account_id == row.id))
        unique = {item.id: item for item in lists}
        session.add_all(
            CachedListRow(
                account_id=row.id,
                list_id=item.id,
                name=clip(item.name, 255),
                type=clip(str(item.type), 32),
                fetched_at=now,
            )
            for item in unique.values()
        )
        row.lists_fetched_at = row.updated_at = now

    def _checked_view(
        self, session: Session, row: AccountRow
    ) -> tuple[ConnectedAccount, Sealed | None]:
        """The view, and the sealed credential if the row is ACTIVE but fails verification."""
        profile, failed = self._verified_profile(row)
        view = self._view(session, row, profile)
        if failed and row.status == Status.ACTIVE:
            return view, sealed_of(row)
        return view, None

    def _verified_profile(self, row: AccountRow) -> tuple[AffinityProfile | None, bool]:
        """(the profile columns if they are the ones bound to the credential, else None;
        whether the row failed authentication under a configured master key)."""
        sealed = sealed_of(row)
        if sealed is None:
            return None, False
        try:
            verify(self.keyring, row.connection_name, row.identifier, sealed)
        except CredentialUnreadable:
            return None, True
        except MasterKeyMissing:
            return None, False
        return profile_of(row), False

    def _view(
        self, session: Session, row: AccountRow, profile: AffinityProfile | None = None
    ) -> ConnectedAccount:
        """What callers see of a row; `profile` when the caller already verified it."""
        session.flush()
        if profile is None:
            profile = self._verified_profile(row)[0]
        lists = session.scalars(
            select(CachedListRow)
            .where(CachedListRow.account_id == row.id)
            .order_by(CachedListRow.list_id)
        )
        return ConnectedAccount(
            id=row.id,
            connection_name=row.connection_name,
            identifier=row.identifier,
            status=Status(row.status),
            status_reason=row.status_reason,
            status_changed_at=row.status_changed_at,
            revoked_at=row.revoked_at,
            has_credential=row.ciphertext is not None,
            kid=row.kid,
            profile=profile,
            connected_at=row.connected_at,
            last_verified_at=row.last_verified_at,
            lists=tuple(AffinityList(item.list_id, item.name, item.type) for item in lists),
            lists_fetched_at=row.lists_fetched_at,
            created_at=row.created_at,
        )


def _check_names(connection_name: str, identifier: str) -> None:
    """Refuse names the table cannot hold, with a clear message, before touching the database."""
    for label, value, limit in (
        ("connection name", connection_name, CONNECTION_NAME_MAX),
        ("identifier", identifier, IDENTIFIER_MAX),
    ):
        if not isinstance(value, str) or not value.strip():
            raise ValueError(f"the {label} must be a non-empty string")
        if len(value) > limit:
            raise ValueError(f"the {label} is {len(value)} characters; the limit is {limit}")
