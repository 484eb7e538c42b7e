"""The assistant pane's tables.

- `assistant_threads`: one row per thread the pane opened (`assistant_thread_started`): whose
  it is, the channel the user was viewing (updated by `assistant_thread_context_changed`), and
  whether the thread got its title from the first question.
- `assistant_feedback`: one verdict per (answer message, user) from the feedback buttons under
  an answer ("good" | "bad"; a second click changes it), counted for workspace admins.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, Boolean, String
from sqlalchemy.orm import Mapped, mapped_column

from bot.models import Base
from vault.models import UTCDateTime


class AssistantThread(Base):
    __tablename__ = "assistant_threads"

    channel_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    thread_ts: Mapped[str] = mapped_column(String(64), primary_key=True)
    team_id: Mapped[str] = mapped_column(String(64))
    user_id: Mapped[str] = mapped_column(String(64))
    context: Mapped[dict[str, Any]] = mapped_column(JSON)  # Slack's: channel_id, team_id...
    titled: Mapped[bool] = mapped_column(Boolean)
    started_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), index=True)


class AssistantFeedback(Base):
    __tablename__ = "assistant_feedback"

    channel_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    message_ts: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    team_id: Mapped[str] = mapped_column(String(64), index=True)
    thread_ts: Mapped[str] = mapped_column(String(64))
    verdict: Mapped[str] = mapped_column(String(8))  # good | bad
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
