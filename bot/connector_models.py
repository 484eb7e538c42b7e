"""The connector's tables: claims shared by every bot process, and per-workspace tenant pins.

- `connector_claims`: one row per piece of work that must happen once across processes. A
  revocation DM claims `revoked-dm:<identifier>:<revoked_at>` (insert-only: the first process to
  insert sends the DM); a sweep check claims `sweep:<identifier>` by moving `claimed_until`
  forward with a compare-and-set, so two sweeps running together check each account once.
- `connector_tenant_pins`: a Slack workspace pinned to one Affinity tenant by a workspace admin;
  keys of any other tenant are refused at connect time.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, String
from sqlalchemy.orm import Mapped, mapped_column

from bot.models import Base
from vault.models import UTCDateTime


class ConnectorClaim(Base):
    __tablename__ = "connector_claims"

    key: Mapped[str] = mapped_column(String(320), primary_key=True)
    claimed_until: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class TenantPin(Base):
    __tablename__ = "connector_tenant_pins"

    team_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    tenant_id: Mapped[int] = mapped_column(BigInteger)
    tenant_name: Mapped[str | None] = mapped_column(String(255))
    pinned_by: Mapped[str] = mapped_column(String(64))
    pinned_at: Mapped[datetime] = mapped_column(UTCDateTime())
