"""The `/affinity` command layer's tables: write claims and stored "More"/"Share" values.

- `command_claims`: one row per write that must run once (a click on a write chooser, a typed
  write command). The first process to insert the key runs the write; a double click, a second
  delivery or a second process finds the row and does not.
- `command_page_keys`: a "More"/"Share" button whose command and page token do not fit in
  Slack's 2000-character button value carries a short key to a row here instead. The row names
  its owner (the vault identifier) so that only the user who got the result can use it.
  No CRM data is stored: only the command text and Affinity's opaque page token.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column

from bot.models import Base
from vault.models import UTCDateTime


class CommandClaim(Base):
    __tablename__ = "command_claims"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)  # sha256 hex of the claim
    claimed_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), index=True)


class CommandPageKey(Base):
    __tablename__ = "command_page_keys"

    key: Mapped[str] = mapped_column(String(32), primary_key=True)
    owner: Mapped[str] = mapped_column(String(255))
    command: Mapped[str] = mapped_column(Text)
    page_token: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), index=True)
