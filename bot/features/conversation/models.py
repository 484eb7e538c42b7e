"""The conversation feature's tables: who may see answers in a channel, and answers held for
their Share button.

- `channel_answer_settings`: one row per channel a workspace admin made public (or private
  again). No row means private: answers go to the asker only.
- `held_answers`: an answer shown privately in a channel thread, exactly as the asker saw it,
  until they press Share (the row is then taken) or it expires. It holds CRM data read with the
  asker's key, so only its owner may publish it and it is pruned after `HOLD_TIME`.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, Boolean, String
from sqlalchemy.orm import Mapped, mapped_column

from bot.models import Base
from vault.models import UTCDateTime


class ChannelAnswerSetting(Base):
    __tablename__ = "channel_answer_settings"

    team_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    channel_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    public: Mapped[bool] = mapped_column(Boolean)
    changed_by: Mapped[str] = mapped_column(String(64))  # the admin's Slack user id
    changed_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())


class HeldAnswer(Base):
    __tablename__ = "held_answers"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    owner: Mapped[str] = mapped_column(String(255))  # the vault identifier of the asker
    channel_id: Mapped[str] = mapped_column(String(64))
    thread_ts: Mapped[str] = mapped_column(String(64))
    messages: Mapped[list[Any]] = mapped_column(JSON)  # [{"text", "blocks"}], as shown
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), index=True)
