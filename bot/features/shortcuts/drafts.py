"""Note forms in the database: created when a shortcut opens one, claimed once on submit."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import Engine, delete, update
from sqlalchemy.orm import sessionmaker

from bot.database import rows_affected
from bot.features.shortcuts.models import NoteDraft

KEEP = dt.timedelta(days=1)
PRUNE_SECONDS = 3600.0


@dataclass(frozen=True)
class Draft:
    id: str
    owner: str
    channel_id: str | None
    message_ts: str | None
    thread_ts: str | None
    text: str
    state: str
    note_id: int | None


class NoteDrafts:
    def __init__(self, engine: Engine, clock: Callable[[], dt.datetime]) -> None:
        self.sessions = sessionmaker(engine, expire_on_commit=False)
        self.clock = clock

    def create(
        self,
        owner: str,
        text: str,
        *,
        channel_id: str | None = None,
        message_ts: str | None = None,
        thread_ts: str | None = None,
    ) -> Draft:
        row = NoteDraft(
            id=uuid.uuid4().hex,
            owner=owner,
            channel_id=channel_id,
            message_ts=message_ts,
            thread_ts=thread_ts,
            text=text,
            state="open",
            note_id=None,
            created_at=self.clock(),
        )
        with self.sessions.begin() as session:
            session.add(row)
        return _view(row)

    def get(self, draft_id: str, owner: str) -> Draft | None:
        """The draft, only for its owner (a forged id of someone else's form gives None)."""
        with self.sessions() as session:
            row = session.get(NoteDraft, draft_id)
            return _view(row) if row is not None and row.owner == owner else None

    def claim(self, draft_id: str, owner: str) -> bool:
        """True for the one submission that may save this draft's note."""
        with self.sessions.begin() as session:
            result = session.execute(
                update(NoteDraft)
                .where(NoteDraft.id == draft_id, NoteDraft.owner == owner)
                .where(NoteDraft.state == "open")
                .values(state="saving")
            )
            return rows_affected(result) == 1

    def finish(self, draft_id: str, note_id: int | None) -> None:
        state = "saved" if note_id is not None else "failed"
        with self.sessions.begin() as session:
            session.execute(
                update(NoteDraft)
                .where(NoteDraft.id == draft_id)
                .values(state=state, note_id=note_id, text="")
            )

    def release(self, draft_id: str) -> None:
        """A save that certainly wrote nothing: the form may be submitted again."""
        with self.sessions.begin() as session:
            session.execute(
                update(NoteDraft)
                .where(NoteDraft.id == draft_id, NoteDraft.state == "saving")
                .values(state="open")
            )

    def prune(self) -> int:
        with self.sessions.begin() as session:
            result = session.execute(
                delete(NoteDraft).where(NoteDraft.created_at < self.clock() - KEEP)
            )
            return rows_affected(result)


def _view(row: NoteDraft) -> Draft:
    return Draft(
        row.id,
        row.owner,
        row.channel_id,
        row.message_ts,
        row.thread_ts,
        row.text,
        row.state,
        row.note_id,
    )
