"""Approving and cancelling proposed writes: owner only, exactly once, expiry, failures."""

from __future__ import annotations

import datetime as dt

import pytest

from affinity_client.errors import AuthenticationError, InvalidRequestError, UnknownOutcomeError
from bot.agent.describe import describe_write
from bot.agent.proposals import (
    CANCELLED,
    DONE,
    EXPIRED,
    FAILED,
    PENDING,
    UNKNOWN,
    ProposalStore,
)
from tests.agent.conftest import RecordingExecutor

OWNER = "T1:U_MAYA"


class Clock:
    def __init__(self) -> None:
        self.now = dt.datetime(2026, 11, 28, 12, 0, tzinfo=dt.UTC)

    def __call__(self) -> dt.datetime:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def store(sessions, clock) -> ProposalStore:
    return ProposalStore(sessions, ttl_seconds=900, clock=clock)


def notes(n: int):
    return [
        describe_write(
            "affinity_create_note", {"content": f"note {i}", "opportunity_ids": [30000 + i]}, {}
        )
        for i in range(n)
    ]


@pytest.fixture
def batch(store, thread):
    return store.create_batch(OWNER, thread, notes(3))


def test_approving_one_item_runs_only_that_item(store, batch):
    execute = RecordingExecutor()
    result = store.approve(batch.id, OWNER, execute, index=1)
    assert execute.calls == [
        ("affinity_create_note", {"content": "note 1", "opportunity_ids": [30001]})
    ]
    assert [i.status for i in result.batch.items] == [PENDING, DONE, PENDING]
    assert result.batch.items[1].result_summary.startswith("Note 9000")


def test_double_approve_runs_once(store, batch):
    execute = RecordingExecutor()
    store.approve(batch.id, OWNER, execute, index=0)
    second = store.approve(batch.id, OWNER, execute, index=0)
    assert len(execute.calls) == 1
    assert second.acted == [] and second.skipped == {0: DONE}


def test_only_the_owner_may_approve_or_cancel(store, batch):
    execute = RecordingExecutor()
    result = store.approve(batch.id, "T1:U_DANIEL", execute)
    assert result.refused == "not_owner" and execute.calls == []
    assert "Only the person who asked" in result.message
    assert store.cancel(batch.id, "T1:U_DANIEL").refused == "not_owner"
    assert {i.status for i in store.get(batch.id).items} == {PENDING}


def test_cancel_one_then_all_and_cancelled_items_never_run(store, batch):
    assert store.cancel(batch.id, OWNER, index=2).acted == [2]
    result = store.cancel(batch.id, OWNER)
    assert result.acted == [0, 1] and result.skipped == {2: CANCELLED}
    execute = RecordingExecutor()
    assert store.approve(batch.id, OWNER, execute).acted == []
    assert execute.calls == []


def test_expired_batch_cannot_be_approved(store, batch, clock):
    clock.now += dt.timedelta(minutes=16)
    execute = RecordingExecutor()
    result = store.approve(batch.id, OWNER, execute)
    assert execute.calls == []
    assert {i.status for i in result.batch.items} == {EXPIRED}
    assert store.expire_due() == 3
    assert store.expire_due() == 0


def test_ttl_is_configurable(sessions, thread, clock):
    store = ProposalStore(sessions, ttl_seconds=60, clock=clock)
    batch = store.create_batch(OWNER, thread, notes(1))
    assert batch.expires_at - batch.created_at == dt.timedelta(seconds=60)


def test_failures_are_recorded_and_never_retried(store, batch):
    execute = RecordingExecutor(
        {
            "affinity_create_note": lambda i: {
                "note 0": UnknownOutcomeError(operation="create note"),
                "note 1": InvalidRequestError("content: too long", param="content"),
            }.get(i["content"], {"id": 5})
        }
    )
    result = store.approve(batch.id, OWNER, execute)
    assert [i.status for i in result.batch.items] == [UNKNOWN, FAILED, DONE]
    assert "may or may not have been applied" in result.batch.items[0].error
    assert result.batch.items[1].error == "content: too long"
    store.approve(batch.id, OWNER, execute)
    assert len(execute.calls) == 3


def test_revoked_key_stops_and_leaves_the_rest_pending(store, batch):
    execute = RecordingExecutor({"affinity_create_note": lambda _: AuthenticationError()})
    result = store.approve(batch.id, OWNER, execute)
    assert result.needs_reconnect
    assert len(execute.calls) == 1
    assert [i.status for i in result.batch.items] == [FAILED, PENDING, PENDING]


def test_unknown_batch(store):
    assert store.approve("nope", OWNER, RecordingExecutor()).refused == "not_found"
