"""The vault's tables. Every name starts with `vault_`: the database is shared with the Slack app.

The schema is created and changed only by the Alembic migrations in vault/migrations/; a test
checks that the migrations and these models agree.
"""

from __future__ import annotations

import enum
from datetime import UTC, datetime

from sqlalchemy import (
    BigInteger,
    DateTime,
    ForeignKey,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Status(enum.StrEnum):
    PENDING = "PENDING"  # the account exists, no key yet (or the key was disconnected)
    ACTIVE = "ACTIVE"  # a verified key is stored and usable
    REVOKED = "REVOKED"  # the key stopped working (Affinity 401, or unreadable); reconnect


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC datetimes on every backend (SQLite returns naive values otherwise)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: object) -> datetime | None:
        if value is not None and value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(UTC) if value is not None else None

    def process_result_value(self, value: datetime | None, dialect: object) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class AccountRow(Base):
    __tablename__ = "vault_connected_accounts"
    __table_args__ = (UniqueConstraint("connection_name", "identifier"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    connection_name: Mapped[str] = mapped_column(String(64))
    identifier: Mapped[str] = mapped_column(String(255))
    status: Mapped[str] = mapped_column(String(16), index=True)
    status_reason: Mapped[str | None] = mapped_column(Text)
    status_changed_at: Mapped[datetime] = mapped_column(UTCDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # The sealed credential (see vault/envelope.py); all four are NULL when there is no key.
    ciphertext: Mapped[bytes | None] = mapped_column(LargeBinary)
    wrapped_key: Mapped[bytes | None] = mapped_column(LargeBinary)
    kid: Mapped[str | None] = mapped_column(String(64), index=True)
    format_version: Mapped[int | None] = mapped_column(Integer)
    # The Affinity user and tenant the key belongs to (from whoami).
    affinity_user_id: Mapped[int | None] = mapped_column(BigInteger)
    affinity_user_name: Mapped[str | None] = mapped_column(String(255))
    affinity_user_email: Mapped[str | None] = mapped_column(String(320))
    affinity_tenant_id: Mapped[int | None] = mapped_column(BigInteger)
    affinity_tenant_name: Mapped[str | None] = mapped_column(String(255))
    affinity_tenant_subdomain: Mapped[str | None] = mapped_column(String(255))
    connected_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    lists_fetched_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class StatusChangeRow(Base):
    __tablename__ = "vault_account_status_history"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    account_id: Mapped[int] = mapped_column(
        ForeignKey("vault_connected_accounts.id", ondelete="CASCADE"), index=True
    )
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime())
    from_status: Mapped[str | None] = mapped_column(String(16))
    to_status: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str | None] = mapped_column(Text)


class CachedListRow(Base):
    __tablename__ = "vault_account_lists"

    account_id: Mapped[int] = mapped_column(
        ForeignKey("vault_connected_accounts.id", ondelete="CASCADE"), primary_key=True
    )
    list_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    name: Mapped[str] = mapped_column(String(255))
    type: Mapped[str] = mapped_column(String(32))
    fetched_at: Mapped[datetime] = mapped_column(UTCDateTime())
