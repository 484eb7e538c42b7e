"""`ProposalStore.expire_due_batches`: the sweep behind the expired cards in Slack."""

from __future__ import annotations

import datetime as dt
import threading

from sqlalchemy.orm import sessionmaker

import bot.agent.models  # noqa: F401  (registers the agent tables)
from bot.agent import ThreadKey
from bot.agent.describe import describe_write
from bot.agent.proposals import EXPIRED, PENDING, RUNNING, ProposalStore
from bot.database import make_engine
from bot.models import Base

THREAD = ThreadKey("T1", "D1", "1.000100")


class Clock:
    def __init__(self) -> None:
        self.now = dt.datetime(2026, 11, 28, 12, 0, tzinfo=dt.UTC)

    def __call__(self) -> dt.datetime:
        return self.now


def make_store(tmp_path, clock) -> ProposalStore:
    engine = make_engine(f"sqlite:///{tmp_path / 'p.db'}")
    Base.metadata.create_all(engine)
    return ProposalStore(sessionmaker(engine, expire_on_commit=False), ttl_seconds=60, clock=clock)


def note(deal_id: int):
    return describe_write(
        "affinity_create_note", {"content": "x", "opportunity_ids": [deal_id]}, {}
    )


def test_due_batches_are_expired_once_and_reported(tmp_path):
    clock = Clock()
    store = make_store(tmp_path, clock)
    old = store.create_batch("T1:U1", THREAD, [note(1), note(2)])
    clock.now += dt.timedelta(seconds=30)
    fresh = store.create_batch("T1:U1", THREAD, [note(3)])
    clock.now += dt.timedelta(seconds=31)

    assert store.expire_due_batches() == [old.id]
    assert store.expire_due_batches() == []
    assert {i.status for i in store.get(old.id).items} == {EXPIRED}
    assert {i.status for i in store.get(fresh.id).items} == {PENDING}


def test_a_running_item_is_not_expired_and_concurrent_sweeps_report_once(tmp_path):
    clock = Clock()
    store = make_store(tmp_path, clock)
    batch = store.create_batch("T1:U1", THREAD, [note(1), note(2)])
    assert store._transition(batch.id, 0, PENDING, RUNNING)
    clock.now += dt.timedelta(minutes=5)
    reports: list[list[str]] = []
    barrier = threading.Barrier(3)

    def sweep() -> None:
        barrier.wait()
        reports.append(store.expire_due_batches())

    sweeps = [threading.Thread(target=sweep) for _ in range(3)]
    for t in sweeps:
        t.start()
    for t in sweeps:
        t.join()
    assert sorted(r for report in reports for r in report) == [batch.id]
    assert [i.status for i in store.get(batch.id).items] == [RUNNING, EXPIRED]


def test_idle_conversations_are_forgotten_by_the_periodic_job(tmp_path):
    from unittest.mock import MagicMock

    from bot.features.conversation import IDLE_CONVERSATION, forget_idle_conversations

    services = MagicMock(agent=MagicMock())
    services.agent.memory.delete_idle.return_value = 3
    assert forget_idle_conversations(services) == 3
    services.agent.memory.delete_idle.assert_called_once_with(IDLE_CONVERSATION)
    assert forget_idle_conversations(MagicMock(agent=None)) == 0
