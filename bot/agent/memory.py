"""Conversation memory per (Slack thread, user) in the database, size-bounded.

Keyed by the user as well as the thread: in a channel thread several people may talk to the bot,
each turn runs with that person's own Affinity key, and what one key fetched must never be shown
to (or reasoned over for) another person.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from anthropic.types import MessageParam
from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from bot.agent.context import ThreadKey
from bot.agent.memory_format import append_user_text, trim
from bot.agent.models import AgentConversation, utcnow
from bot.database import rows_affected


class ConversationStore:
    def __init__(self, sessions: sessionmaker[Session], max_chars: int = 60_000) -> None:
        self._sessions = sessions
        self.max_chars = max_chars

    @staticmethod
    def _query(thread: ThreadKey, owner: str) -> Any:
        return select(AgentConversation).where(
            AgentConversation.team_id == thread.team_id,
            AgentConversation.channel_id == thread.channel_id,
            AgentConversation.thread_ts == thread.thread_ts,
            AgentConversation.owner == owner,
        )

    def load(self, thread: ThreadKey, owner: str) -> list[MessageParam]:
        with self._sessions() as session:
            row = session.scalars(self._query(thread, owner)).first()
            return list(row.messages) if row else []

    def save(self, thread: ThreadKey, owner: str, messages: list[MessageParam]) -> None:
        kept = trim(messages, self.max_chars)
        for _ in range(2):  # a concurrent first insert loses the race once, then updates
            try:
                self._upsert(thread, owner, kept)
                return
            except IntegrityError:
                continue
        self._upsert(thread, owner, kept)

    def _upsert(self, thread: ThreadKey, owner: str, messages: list[MessageParam]) -> None:
        with self._sessions.begin() as session:
            row = session.scalars(self._query(thread, owner)).first()
            if row is None:
                session.add(
                    AgentConversation(
                        team_id=thread.team_id,
                        channel_id=thread.channel_id,
                        thread_ts=thread.thread_ts,
                        owner=owner,
                        messages=messages,
                        updated_at=utcnow(),
                    )
                )
            else:
                row.messages = messages
                row.updated_at = utcnow()

    def append_note(self, thread: ThreadKey, owner: str, note: str) -> None:
        """Add an app-written status line (e.g. approval results) the model sees next turn."""
        messages = self.load(thread, owner)
        if not messages:
            return
        append_user_text(messages, note)
        self.save(thread, owner, messages)

    def delete_idle(self, older_than: dt.timedelta) -> int:
        """Erase conversations untouched for ``older_than`` (they hold CRM data)."""
        cutoff = utcnow() - older_than
        with self._sessions.begin() as session:
            return rows_affected(
                session.execute(
                    delete(AgentConversation).where(AgentConversation.updated_at < cutoff)
                )
            )
