"""The bot's own tables, on one declarative `Base`; each package's tables beside their owner.

The bot's tables live in the same database as the vault's, under their own Alembic environment
(`bot/migrations`, version table `bot_alembic_version`), so the two schemas evolve independently.
Where a table is declared:

- here, the platform's and the connector's (revision 0001_bot_base and 0003_connector):
  - `slack_event_receipts`: one row per Slack event/interaction handled, so that a retried
    delivery is recognised by every process (bot/middleware/dedup.py);
  - `audit_log`: one row per Affinity call made for a user (written by bot/connector.py);
  - `slack_installations`, `slack_bots`, `slack_oauth_states`: slack-sdk's SQLAlchemy
    installation and OAuth state stores, declared on our metadata so that migrations create
    them (the stores' `create_tables()` is never called);
  - `connector_claims`: one row per piece of work that must happen once across processes. A
    revocation DM claims `revoked-dm:<identifier>:<revoked_at>` (insert-only: the first process
    to insert sends the DM); a sweep check claims `sweep:<identifier>` by moving
    `claimed_until` forward with a compare-and-set, so two sweeps check each account once
    (bot/features/revocation.py);
  - `connector_tenant_pins`: a Slack workspace pinned to one Affinity tenant by a workspace
    admin; keys of any other tenant are refused at connect time (bot/features/connect.py);
  - `mcp_tokens` (revision 0006_mcp_tokens): personal bearer tokens of the MCP server, stored
    as SHA-256 digests only (bot/adapters/tokens.py);
  - `account_links` (revision 0007_account_links): an external identifier a Slack user linked
    to their own account in the connect modal, so agents naming it use that user's key
    (bot/adapters/links.py);
- in `models.py` of the package that owns them: bot/agent/models.py,
  bot/features/commands/models.py, bot/features/conversation/models.py.

`bot.database.load_models()` imports every one of these modules (a new one is added there).
"""

from __future__ import annotations

from datetime import datetime

from slack_sdk.oauth.installation_store.sqlalchemy import SQLAlchemyInstallationStore
from slack_sdk.oauth.state_store.sqlalchemy import SQLAlchemyOAuthStateStore
from sqlalchemy import BigInteger, DateTime, Float, Integer, MetaData, String
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from vault.models import (
    NAMING_CONVENTION,  # one constraint-naming scheme for the database
    UTCDateTime,
)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


INSTALLATIONS_TABLE = "slack_installations"
BOTS_TABLE = "slack_bots"
OAUTH_STATES_TABLE = "slack_oauth_states"


_PortableBigInt = BigInteger().with_variant(Integer(), "sqlite")  # SQLite autoincrements INTEGER


class SlackEventReceipt(Base):
    """A Slack delivery seen once: its stable key claimed by the first process to see it."""

    __tablename__ = "slack_event_receipts"

    key: Mapped[str] = mapped_column(String(255), primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))
    first_seen_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)


class AuditLogEntry(Base):
    """One Affinity call made on behalf of a user. Never holds keys or note text."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(_PortableBigInt, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    identifier: Mapped[str] = mapped_column(String(255), index=True)
    tool: Mapped[str] = mapped_column(String(100))
    outcome: Mapped[str] = mapped_column(String(32))
    duration_ms: Mapped[int] = mapped_column(Integer)
    affinity_status: Mapped[int | None] = mapped_column(Integer)
    error_kind: Mapped[str | None] = mapped_column(String(64))
    reference: Mapped[str | None] = mapped_column(String(64))
    # What made the call for the user when they did not ask for it there and then: "brief"
    # (their daily brief), "prep" (a meeting's preparation). None: their own request.
    via: Mapped[str | None] = mapped_column(String(32))


slack_installations = SQLAlchemyInstallationStore.build_installations_table(
    Base.metadata, INSTALLATIONS_TABLE
)
slack_bots = SQLAlchemyInstallationStore.build_bots_table(Base.metadata, BOTS_TABLE)
slack_oauth_states = SQLAlchemyOAuthStateStore.build_oauth_states_table(
    Base.metadata, OAUTH_STATES_TABLE
)


class ConnectorClaim(Base):
    __tablename__ = "connector_claims"

    key: Mapped[str] = mapped_column(String(320), primary_key=True)
    claimed_until: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class AffinityRequestBudget(Base):
    """A key's shared token bucket (`bot.budget`); `refilled_at` is the database's epoch clock."""

    __tablename__ = "affinity_request_budgets"

    key_fingerprint: Mapped[str] = mapped_column(String(64), primary_key=True)
    per_minute: Mapped[int] = mapped_column(Integer)
    tokens: Mapped[float] = mapped_column(Float)
    refilled_at: Mapped[float] = mapped_column(Float)


class TenantPin(Base):
    __tablename__ = "connector_tenant_pins"

    team_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    tenant_id: Mapped[int] = mapped_column(BigInteger)
    tenant_name: Mapped[str | None] = mapped_column(String(255))
    pinned_by: Mapped[str] = mapped_column(String(64))
    pinned_at: Mapped[datetime] = mapped_column(UTCDateTime())


class McpToken(Base):
    """A personal bearer token for the MCP server: whoever presents it acts as `identifier`.

    Only the SHA-256 digest of the token is kept (tokens are 256 random bits, so a fast digest
    is enough); `hint` is the token's first characters, to tell tokens apart in a list.
    """

    __tablename__ = "mcp_tokens"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    token_digest: Mapped[str] = mapped_column(String(64), unique=True)
    identifier: Mapped[str] = mapped_column(String(255), index=True)
    label: Mapped[str] = mapped_column(String(100))
    hint: Mapped[str] = mapped_column(String(16))
    created_via: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class AccountLink(Base):
    """An external identifier (e.g. `ana@firm.com`) that stands for a Slack user's account.

    Made only by that Slack user, in the connect modal (with their key); removed when they
    disconnect or link the identifier again elsewhere is refused.
    """

    __tablename__ = "account_links"

    external_identifier: Mapped[str] = mapped_column(String(255), primary_key=True)
    identifier: Mapped[str] = mapped_column(String(255), index=True)
    linked_at: Mapped[datetime] = mapped_column(UTCDateTime())
