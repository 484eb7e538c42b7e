"""Proposed writes held for approval, and their exactly-once execution.

Every state change is one conditional UPDATE whose rowcount decides who won: approving claims an
item with ``status='pending'`` in a batch that has not expired, so a double click, a Slack retry
or a second process finds nothing left to claim and never runs the write again.
"""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from affinity_client.errors import AffinityError, AuthenticationError, UnknownOutcomeError
from bot.agent.catalog import Executor
from bot.agent.context import ThreadKey
from bot.agent.describe import ProposedWrite
from bot.agent.models import AgentProposalBatch, AgentProposalItem, utcnow
from bot.agent.results import summarise_result
from bot.database import rows_affected

log = logging.getLogger(__name__)

PENDING, RUNNING, DONE, FAILED, UNKNOWN, CANCELLED, EXPIRED = (
    "pending",
    "running",
    "done",
    "failed",
    "unknown",
    "cancelled",
    "expired",
)
FINAL = {DONE, FAILED, UNKNOWN, CANCELLED, EXPIRED}


@dataclass(frozen=True)
class ItemView:
    index: int
    tool: str
    input: dict[str, Any]
    description: str
    details: dict[str, Any]
    status: str  # as shown: a pending item past the batch's expiry reads "expired"
    result_summary: str | None = None
    error: str | None = None


@dataclass(frozen=True)
class BatchView:
    id: str
    owner: str
    thread: ThreadKey
    created_at: dt.datetime
    expires_at: dt.datetime
    items: tuple[ItemView, ...]
    card_channel: str | None = None
    card_ts: str | None = None

    @property
    def open(self) -> bool:
        return any(i.status == PENDING for i in self.items)


@dataclass
class ActionResult:
    """What an approve or cancel did. ``refused`` is set when nothing was allowed to happen."""

    batch: BatchView | None
    refused: str | None = None  # "not_found" | "not_owner"
    acted: list[int] = field(default_factory=list)  # indexes this call approved/cancelled
    skipped: dict[int, str] = field(default_factory=dict)  # index -> status that blocked it
    needs_reconnect: bool = False

    @property
    def message(self) -> str:
        if self.refused == "not_found":
            return (
                "This card is no longer valid: its proposed changes were replaced or "
                "removed, so nothing was changed. Ask me again if you still want them."
            )
        if self.refused == "not_owner":
            return (
                "Only the person who asked for these changes can approve or cancel them; "
                "nothing was changed."
            )
        if not self.acted and self.skipped:
            states = sorted(set(self.skipped.values()))
            return "Nothing to do: already " + " / ".join(states) + "."
        return ""


class ProposalStore:
    def __init__(
        self,
        sessions: sessionmaker[Session],
        *,
        ttl_seconds: int = 900,
        clock: Callable[[], dt.datetime] = utcnow,
    ) -> None:
        self._sessions = sessions
        self.ttl = dt.timedelta(seconds=ttl_seconds)
        self._clock = clock

    # creation and reading -----------------------------------------------------------------

    def create_batch(
        self, owner: str, thread: ThreadKey, proposals: Sequence[ProposedWrite]
    ) -> BatchView:
        if not proposals:
            raise ValueError("a proposal batch needs at least one item")
        now = self._clock()
        batch_id = uuid.uuid4().hex
        with self._sessions.begin() as session:
            session.add(
                AgentProposalBatch(
                    id=batch_id,
                    owner=owner,
                    team_id=thread.team_id,
                    channel_id=thread.channel_id,
                    thread_ts=thread.thread_ts,
                    created_at=now,
                    expires_at=now + self.ttl,
                )
            )
            session.flush()
            for index, p in enumerate(proposals):
                session.add(
                    AgentProposalItem(
                        batch_id=batch_id,
                        idx=index,
                        tool=p.tool,
                        input=p.input,
                        description=p.description,
                        details=p.details(),
                        status=PENDING,
                        updated_at=now,
                    )
                )
        view = self.get(batch_id)
        assert view is not None
        return view

    def get(self, batch_id: str) -> BatchView | None:
        with self._sessions() as session:
            batch = session.get(AgentProposalBatch, batch_id)
            if batch is None:
                return None
            items = session.scalars(
                select(AgentProposalItem)
                .where(AgentProposalItem.batch_id == batch_id)
                .order_by(AgentProposalItem.idx)
            ).all()
            expired = self._clock() >= batch.expires_at
            return BatchView(
                batch.id,
                batch.owner,
                ThreadKey(batch.team_id, batch.channel_id, batch.thread_ts),
                batch.created_at,
                batch.expires_at,
                tuple(_item_view(i, expired) for i in items),
                batch.card_channel,
                batch.card_ts,
            )

    def set_card(self, batch_id: str, channel: str, ts: str) -> None:
        """Remember where the confirmation card was posted, so it can be updated later."""
        with self._sessions.begin() as session:
            session.execute(
                update(AgentProposalBatch)
                .where(AgentProposalBatch.id == batch_id)
                .values(card_channel=channel, card_ts=ts)
            )

    # state changes --------------------------------------------------------------------------

    def approve(
        self,
        batch_id: str,
        actor: str,
        execute: Executor,
        index: int | None = None,
        on_running: Callable[[], object] | None = None,
    ) -> ActionResult:
        """Claim and run the pending item ``index`` (or all of them) once, as ``actor``.

        ``execute`` must be bound to the batch owner's credential; only the owner may approve.
        ``on_running`` is called once, when the first item is claimed and before it runs (so a
        card that says "making the changes" is shown only once a second click would be told
        they are in progress).
        """
        result = self._check(batch_id, actor)
        batch = result.batch
        if result.refused or batch is None:
            return result
        for i in self._indexes(batch, index):
            if result.needs_reconnect:  # key rejected: leave the rest pending for later
                break
            if not self._transition(batch_id, i, PENDING, RUNNING, unexpired=True):
                continue
            if on_running is not None and not result.acted:
                on_running()
            result.acted.append(i)
            self._run(batch_id, batch.items[i], execute, result)
        return self._refresh(result, batch_id, index)

    def cancel(self, batch_id: str, actor: str, index: int | None = None) -> ActionResult:
        result = self._check(batch_id, actor)
        if result.refused:
            return result
        for i in self._indexes(result.batch, index):
            if self._transition(batch_id, i, PENDING, CANCELLED):
                result.acted.append(i)
        return self._refresh(result, batch_id, index)

    def expire_due(self) -> int:
        """Mark pending items of expired batches as expired; returns how many."""
        expired = select(AgentProposalBatch.id).where(
            AgentProposalBatch.expires_at <= self._clock()
        )
        with self._sessions.begin() as session:
            done = session.execute(
                update(AgentProposalItem)
                .where(AgentProposalItem.status == PENDING, AgentProposalItem.batch_id.in_(expired))
                .values(status=EXPIRED, updated_at=self._clock())
            )
            return rows_affected(done)

    def expire_due_batches(self) -> list[str]:
        """Like :meth:`expire_due`, but returns the ids of the batches that had items expired
        by this call (so their cards can be updated). Safe when several processes sweep."""
        now = self._clock()
        due = (
            select(AgentProposalItem.batch_id)
            .distinct()
            .join(AgentProposalBatch, AgentProposalBatch.id == AgentProposalItem.batch_id)
            .where(AgentProposalItem.status == PENDING, AgentProposalBatch.expires_at <= now)
        )
        expired: list[str] = []
        for batch_id in self._read_ids(due):
            with self._sessions.begin() as session:
                done = session.execute(
                    update(AgentProposalItem)
                    .where(
                        AgentProposalItem.batch_id == batch_id, AgentProposalItem.status == PENDING
                    )
                    .values(status=EXPIRED, updated_at=now)
                )
                if rows_affected(done):
                    expired.append(batch_id)
        return expired

    def _read_ids(self, query: Any) -> list[str]:
        with self._sessions() as session:
            return list(session.scalars(query).all())

    # internals -------------------------------------------------------------------------------

    def _check(self, batch_id: str, actor: str) -> ActionResult:
        batch = self.get(batch_id)
        if batch is None:
            return ActionResult(None, refused="not_found")
        if actor != batch.owner:
            return ActionResult(batch, refused="not_owner")
        return ActionResult(batch)

    @staticmethod
    def _indexes(batch: BatchView | None, index: int | None) -> list[int]:
        assert batch is not None
        if index is None:
            return [i.index for i in batch.items]
        return [index] if 0 <= index < len(batch.items) else []

    def _transition(
        self,
        batch_id: str,
        index: int,
        old: str,
        new: str,
        *,
        unexpired: bool = False,
        **values: Any,
    ) -> bool:
        now = self._clock()
        stmt = update(AgentProposalItem).where(
            AgentProposalItem.batch_id == batch_id,
            AgentProposalItem.idx == index,
            AgentProposalItem.status == old,
        )
        if unexpired:
            stmt = stmt.where(
                AgentProposalItem.batch_id.in_(
                    select(AgentProposalBatch.id).where(
                        AgentProposalBatch.id == batch_id, AgentProposalBatch.expires_at > now
                    )
                )
            )
        with self._sessions.begin() as session:
            return (
                rows_affected(session.execute(stmt.values(status=new, updated_at=now, **values)))
                == 1
            )

    def _run(self, batch_id: str, item: ItemView, execute: Executor, result: ActionResult) -> None:
        try:
            output = execute(item.tool, item.input)
        except UnknownOutcomeError as exc:
            self._transition(batch_id, item.index, RUNNING, UNKNOWN, error=str(exc))
        except AuthenticationError as exc:
            result.needs_reconnect = True
            self._transition(batch_id, item.index, RUNNING, FAILED, error=str(exc))
        except AffinityError as exc:
            self._transition(batch_id, item.index, RUNNING, FAILED, error=str(exc))
        except Exception as exc:
            log.error("approved write %s raised %s", item.tool, type(exc).__name__)
            self._transition(
                batch_id,
                item.index,
                RUNNING,
                FAILED,
                error="The change failed unexpectedly; check Affinity.",
            )
        else:
            self._transition(
                batch_id,
                item.index,
                RUNNING,
                DONE,
                result_summary=summarise_result(item.tool, output),
            )

    def _refresh(self, result: ActionResult, batch_id: str, index: int | None) -> ActionResult:
        result.batch = self.get(batch_id)
        assert result.batch is not None
        for i in self._indexes(result.batch, index):
            if i not in result.acted:
                result.skipped[i] = result.batch.items[i].status
        return result


def _item_view(item: AgentProposalItem, batch_expired: bool) -> ItemView:
    status = EXPIRED if item.status == PENDING and batch_expired else item.status
    return ItemView(
        item.idx,
        item.tool,
        dict(item.input),
        item.description,
        dict(item.details or {}),
        status,
        item.result_summary,
        item.error,
    )
