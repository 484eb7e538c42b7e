"""The "Log to Affinity" feature's table: one row per note form, so its submission saves one
note however many times it is submitted, in whichever process receives it.

`note_drafts`: opened by a shortcut, `state` goes `open` -> `saving` (claimed by the first
submission) -> `saved` (with the note id) or `failed`. Drafts hold message text read from Slack
for the form and are pruned after a day.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import BigInteger, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from bot.models import Base
from vault.models import UTCDateTime


class NoteDraft(Base):
    __tablename__ = "note_drafts"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    owner: Mapped[str] = mapped_column(String(255))  # the vault identifier of the user
    channel_id: Mapped[str | None] = mapped_column(String(64))  # None: the global shortcut
    message_ts: Mapped[str | None] = mapped_column(String(64))
    thread_ts: Mapped[str | None] = mapped_column(String(64))
    text: Mapped[str] = mapped_column(Text)  # the message as the form first shows it
    state: Mapped[str] = mapped_column(String(16))  # open | saving | saved | failed
    note_id: Mapped[int | None] = mapped_column(BigInteger)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), index=True)
