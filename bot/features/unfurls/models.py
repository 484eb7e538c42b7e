"""Link previews per workspace: a row only when a workspace admin changed it (no row: on)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, String
from sqlalchemy.orm import Mapped, mapped_column

from bot.models import Base
from vault.models import UTCDateTime


class UnfurlSetting(Base):
    __tablename__ = "unfurl_settings"

    team_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    enabled: Mapped[bool] = mapped_column(Boolean)
    changed_by: Mapped[str] = mapped_column(String(64))  # the admin's Slack user id
    changed_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
