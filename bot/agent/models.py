"""The agent's tables: conversation memory and proposed writes awaiting approval."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from bot.models import Base
from vault.models import UTCDateTime


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class AgentConversation(Base):
    """One conversation per (Slack thread, user): data fetched with a user's key stays theirs."""

    __tablename__ = "agent_conversations"
    __table_args__ = (
        UniqueConstraint(
            "team_id",
            "channel_id",
            "thread_ts",
            "owner",
            name="uq_agent_conversations_thread_owner",
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    team_id: Mapped[str] = mapped_column(String(64))
    channel_id: Mapped[str] = mapped_column(String(64))
    thread_ts: Mapped[str] = mapped_column(String(64))
    owner: Mapped[str] = mapped_column(String(255))  # the vault identifier of the user
    messages: Mapped[list[Any]] = mapped_column(JSON)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())


class AgentProposalBatch(Base):
    """Writes proposed in one turn, approved or cancelled by their owner before expires_at."""

    __tablename__ = "agent_proposals"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    owner: Mapped[str] = mapped_column(String(255))
    team_id: Mapped[str] = mapped_column(String(64))
    channel_id: Mapped[str] = mapped_column(String(64))
    thread_ts: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), index=True)
    card_channel: Mapped[str | None] = mapped_column(String(64), nullable=True)
    card_ts: Mapped[str | None] = mapped_column(String(64), nullable=True)


class AgentProposalItem(Base):
    """One proposed write. ``status`` moves pending -> running -> done|failed|unknown, or
    pending -> cancelled|expired, each step by a conditional UPDATE (exactly once)."""

    __tablename__ = "agent_proposal_items"

    batch_id: Mapped[str] = mapped_column(
        String(32), ForeignKey("agent_proposals.id", ondelete="CASCADE"), primary_key=True
    )
    idx: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    tool: Mapped[str] = mapped_column(String(64))
    input: Mapped[dict[str, Any]] = mapped_column(JSON)
    description: Mapped[str] = mapped_column(Text)
    details: Mapped[dict[str, Any]] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(16), default="pending")
    result_summary: Mapped[str | None] = mapped_column(Text, nullable=True)
    error: Mapped[str | None] = mapped_column(Text, nullable=True)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
