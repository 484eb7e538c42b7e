"""Which records each Affinity call was about, for App Home's recent activity: one row per
audited call (`reference`, as in `audit_log`). Names were read with the owner's key: erased with
their other data (`bot.erasure`) and kept only for the newest rows per person."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, String
from sqlalchemy.orm import Mapped, mapped_column

from bot.models import Base
from vault.models import UTCDateTime


class ActivityRecord(Base):
    __tablename__ = "activity_records"

    reference: Mapped[str] = mapped_column(String(32), primary_key=True)
    owner: Mapped[str] = mapped_column(String(255), index=True)
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    term: Mapped[str | None] = mapped_column(String(200))  # what a search looked for
    records: Mapped[list[Any]] = mapped_column(JSON)  # [{"kind", "id", "name"}]
