"""Master-key rotation: re-wrap every data key under the primary master key, online.

Row by row, each in its own short transaction that locks only that row; a credential is
readable throughout (its old key id stays in the keyring until rotation is done). Only rows not
yet under the primary key are touched, so a second run, or a run after a crash, does just the
rest. Rows whose data key does not unwrap are left as they are and reported.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, sessionmaker

from vault.envelope import rewrap
from vault.errors import CredentialUnreadable, MasterKeyMissing
from vault.keyring import Keyring
from vault.models import AccountRow
from vault.rows import sealed_of, store_sealed

log = logging.getLogger(__name__)


@dataclass
class RotationReport:
    primary_kid: str
    rewrapped: int = 0
    unreadable: list[tuple[str, str]] = field(default_factory=list)  # (connection, identifier)


def rotate(
    engine: Engine,
    keyring: Keyring,
    *,
    batch_size: int = 200,
    on_rewrapped: Callable[[int], None] | None = None,
) -> RotationReport:
    """Re-wrap the data key of every credential not yet under `keyring.primary_kid`."""
    sessions = sessionmaker(engine, expire_on_commit=False)
    report = RotationReport(keyring.primary_kid)
    last_id = 0
    while True:
        with sessions.begin() as session:
            ids = list(
                session.scalars(
                    select(AccountRow.id)
                    .where(
                        AccountRow.id > last_id,
                        AccountRow.ciphertext.is_not(None),
                        AccountRow.kid != keyring.primary_kid,
                    )
                    .order_by(AccountRow.id)
                    .limit(batch_size)
                )
            )
        if not ids:
            return report
        for account_id in ids:
            if _rewrap_one(sessions, keyring, account_id, report) and on_rewrapped:
                on_rewrapped(account_id)
        last_id = ids[-1]


def _rewrap_one(
    sessions: sessionmaker[Session], keyring: Keyring, account_id: int, report: RotationReport
) -> bool:
    with sessions.begin() as session:
        row = session.scalars(
            select(AccountRow).where(AccountRow.id == account_id).with_for_update()
        ).one_or_none()
        sealed = sealed_of(row) if row is not None else None
        if row is None or sealed is None or sealed.kid == keyring.primary_kid:
            return False  # deleted, disconnected or reconnected since we listed it
        try:
            store_sealed(row, rewrap(keyring, row.connection_name, row.identifier, sealed))
        except (CredentialUnreadable, MasterKeyMissing) as exc:
            log.warning(
                "vault rotate: %s / %s did not unwrap (%s); left as it is",
                row.connection_name,
                row.identifier,
                exc,
            )
            report.unreadable.append((row.connection_name, row.identifier))
            return False
    report.rewrapped += 1
    return True
