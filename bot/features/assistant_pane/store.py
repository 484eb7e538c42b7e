"""The assistant pane's rows: its threads (viewed channel, title) and feedback verdicts."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from slack_bolt.context.assistant.thread_context import AssistantThreadContext
from slack_bolt.context.assistant.thread_context_store.store import AssistantThreadContextStore
from sqlalchemy import Engine, func, select, update
from sqlalchemy.orm import sessionmaker

from bot.database import rows_affected
from bot.features.assistant_pane.models import AssistantFeedback, AssistantThread

VERDICTS = ("good", "bad")


@dataclass(frozen=True)
class PaneThread:
    team_id: str
    user_id: str
    channel_id: str
    thread_ts: str
    context: dict[str, Any]


class PaneStore:
    def __init__(self, engine: Engine, clock: Callable[[], dt.datetime]) -> None:
        self.sessions = sessionmaker(engine, expire_on_commit=False)
        self.clock = clock

    def start(
        self, team_id: str, user_id: str, channel_id: str, thread_ts: str, context: dict[str, Any]
    ) -> None:
        with self.sessions.begin() as session:
            row = session.get(AssistantThread, (channel_id, thread_ts))
            if row is None:
                session.add(
                    AssistantThread(
                        channel_id=channel_id,
                        thread_ts=thread_ts,
                        team_id=team_id,
                        user_id=user_id,
                        context=dict(context or {}),
                        titled=False,
                        started_at=self.clock(),
                    )
                )
            else:  # a redelivery of the start: the context may be newer
                row.context = dict(context or {})

    def save_context(self, channel_id: str, thread_ts: str, context: dict[str, Any]) -> bool:
        """The channel the user now views beside the thread; False for an unknown thread."""
        with self.sessions.begin() as session:
            result = session.execute(
                update(AssistantThread)
                .where(
                    AssistantThread.channel_id == channel_id,
                    AssistantThread.thread_ts == thread_ts,
                )
                .values(context=dict(context or {}))
            )
            return rows_affected(result) == 1

    def find(self, channel_id: str, thread_ts: str) -> PaneThread | None:
        with self.sessions() as session:
            row = session.get(AssistantThread, (channel_id, thread_ts))
            if row is None:
                return None
            return PaneThread(
                row.team_id, row.user_id, row.channel_id, row.thread_ts, dict(row.context or {})
            )

    def claim_title(self, channel_id: str, thread_ts: str) -> bool:
        """True once per thread: its first question names it."""
        with self.sessions.begin() as session:
            result = session.execute(
                update(AssistantThread)
                .where(
                    AssistantThread.channel_id == channel_id,
                    AssistantThread.thread_ts == thread_ts,
                    AssistantThread.titled.is_(False),
                )
                .values(titled=True)
            )
            return rows_affected(result) == 1

    def record_feedback(
        self,
        team_id: str,
        user_id: str,
        channel_id: str,
        thread_ts: str,
        message_ts: str,
        verdict: str,
    ) -> None:
        if verdict not in VERDICTS:
            raise ValueError(f"unknown verdict {verdict!r}")
        with self.sessions.begin() as session:
            row = session.get(AssistantFeedback, (channel_id, message_ts, user_id))
            if row is None:
                row = AssistantFeedback(
                    channel_id=channel_id, message_ts=message_ts, user_id=user_id
                )
                session.add(row)
            row.team_id, row.thread_ts = team_id, thread_ts
            row.verdict, row.at = verdict, self.clock()

    def feedback_counts(self, team_id: str, since: dt.datetime | None = None) -> dict[str, int]:
        """{"good": n, "bad": m} for the workspace (since `since`, if given)."""
        query = (
            select(AssistantFeedback.verdict, func.count())
            .where(AssistantFeedback.team_id == team_id)
            .group_by(AssistantFeedback.verdict)
        )
        if since is not None:
            query = query.where(AssistantFeedback.at >= since)
        with self.sessions() as session:
            counts = {verdict: count for verdict, count in session.execute(query)}
        return {verdict: int(counts.get(verdict, 0)) for verdict in VERDICTS}


class DatabaseThreadContextStore(AssistantThreadContextStore):
    """Bolt's thread-context store on our database (Bolt's default rewrites the first bot
    message's metadata, which needs the message and another Web API call per change)."""

    def __init__(self, store: PaneStore) -> None:
        self.store = store

    def save(self, *, channel_id: str, thread_ts: str, context: dict[str, str]) -> None:
        self.store.save_context(channel_id, thread_ts, context)

    def find(self, *, channel_id: str, thread_ts: str) -> AssistantThreadContext | None:
        thread = self.store.find(channel_id, thread_ts)
        if thread is None or not thread.context.get("channel_id"):
            return None
        return AssistantThreadContext(thread.context)
