"""The `/affinity` command layer's tables: write claims, write cards, stored "More" values.

- `command_claims`: one row per typed write command that must run once. The first process to
  insert the key runs the write; a double submit or a second delivery finds the row and does not.
- `command_write_cards`: one row per message whose buttons write (see `CommandWriteCard`).
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


class CommandWriteCard(Base):
    """A message whose buttons write (a "which list?" chooser for `new-deal`/`add`): one write.

    The id is minted when the card is built and carried in each of its buttons' values; the
    first click anywhere moves `state` from open to running with one conditional UPDATE, so a
    second click (another message ts, another container, another process) finds it taken and is
    answered from `state` and `outcome` (a one-line summary: no note text, no keys).
    """

    __tablename__ = "command_write_cards"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    owner: Mapped[str] = mapped_column(String(255))  # the vault identifier of the user
    command_digest: Mapped[str] = mapped_column(String(64), index=True)  # sha256(owner, command)
    state: Mapped[str] = mapped_column(String(16))
    outcome: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), index=True)
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
