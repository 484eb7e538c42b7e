"""The confirmation card: what will change, buttons while pending, states after, Slack limits."""

from __future__ import annotations

import json

from bot.agent.describe import describe_write
from bot.agent.proposals import ProposalStore
from bot.blocks import limits
from bot.blocks.confirmation import (
    APPROVE,
    APPROVE_ALL,
    CANCEL,
    CANCEL_ALL,
    confirmation_card,
    parse_action_value,
)
from bot.blocks.text import Links
from tests.agent.conftest import RecordingExecutor

OWNER = "T1:U_MAYA"
NAMES = {("opportunity", 30001): {"name": "Acme <Series A>", "list": "Series A Pipeline"}}


def _batch(sessions, thread, n, text="Met the <!channel> founders & liked it\nSecond line"):
    store = ProposalStore(sessions)
    items = [
        describe_write(
            "affinity_create_note", {"content": text, "opportunity_ids": [30001 + i]}, NAMES
        )
        for i in range(n)
    ]
    return store, store.create_batch(OWNER, thread, items)


def _action_ids(card):
    return [e["action_id"] for b in card["blocks"] if b["type"] == "actions" for e in b["elements"]]


def test_single_item_shows_exactly_what_changes_escaped(sessions, thread):
    _, batch = _batch(sessions, thread, 1)
    card = confirmation_card(batch, links=Links("northwind"))
    text = json.dumps(card)
    assert "Acme &lt;Series A&gt;" in text and "<Series A>" not in text
    assert "&lt;!channel&gt; founders &amp; liked it" in text and "<!channel>" not in text
    assert "Second line" in text
    assert "https://northwind.affinity.co/opportunities/30001" in text
    assert "Series A Pipeline" in text
    assert _action_ids(card) == [APPROVE, CANCEL]
    assert limits.problems(card) == []


def test_several_items_get_approve_all_and_values_carry_batch_and_index(sessions, thread):
    _, batch = _batch(sessions, thread, 8)
    card = confirmation_card(batch)
    ids = _action_ids(card)
    assert ids.count(APPROVE) == 8 and ids[-2:] == [APPROVE_ALL, CANCEL_ALL]
    values = [e["value"] for b in card["blocks"] if b["type"] == "actions" for e in b["elements"]]
    assert parse_action_value(values[2]) == (batch.id, 1)
    assert parse_action_value(values[-1]) == (batch.id, None)
    assert len(card["blocks"]) <= 50 and limits.problems(card) == []


def test_many_items_are_grouped_within_slack_limits(sessions, thread):
    _, batch = _batch(sessions, thread, 40, text="y" * 1500)
    card = confirmation_card(batch)
    assert len(card["blocks"]) <= 50 and limits.problems(card) == []
    assert _action_ids(card) == [APPROVE_ALL, CANCEL_ALL]


def test_long_note_text_is_split_not_lost(sessions, thread):
    _, batch = _batch(sessions, thread, 1, text="word " * 1000)
    card = confirmation_card(batch)
    shown = "".join(
        b["text"]["text"]
        for b in card["blocks"]
        if b["type"] == "section" and b["text"]["text"].startswith(">")
    )
    assert shown.count("word") == 1000
    assert limits.problems(card) == []


def test_states_after_approve_and_cancel(sessions, thread):
    store, batch = _batch(sessions, thread, 3)
    store.approve(batch.id, OWNER, RecordingExecutor(), index=0)
    store.cancel(batch.id, OWNER, index=1)
    card = confirmation_card(store.get(batch.id))
    text = json.dumps(card, ensure_ascii=False)
    assert "Done — Note 9000" in text and "Cancelled" in text
    assert _action_ids(card) == [APPROVE, CANCEL]  # only the pending item keeps buttons


def test_failed_unknown_and_expired_states(sessions, thread):
    import datetime as dt

    from affinity_client.errors import InvalidRequestError, UnknownOutcomeError

    now = [dt.datetime(2026, 11, 28, 12, tzinfo=dt.UTC)]
    store = ProposalStore(sessions, clock=lambda: now[0])
    items = [
        describe_write(
            "affinity_create_note", {"content": f"n{i}", "opportunity_ids": [30001]}, NAMES
        )
        for i in range(3)
    ]
    batch = store.create_batch(OWNER, thread, items)
    outcomes = {"n0": InvalidRequestError("content: too long <b>"), "n1": UnknownOutcomeError()}
    execute = RecordingExecutor({"affinity_create_note": lambda i: outcomes[i["content"]]})
    store.approve(batch.id, OWNER, execute, index=0)
    store.approve(batch.id, OWNER, execute, index=1)
    now[0] += dt.timedelta(hours=1)

    card = confirmation_card(store.get(batch.id))
    text = json.dumps(card, ensure_ascii=False)
    assert "Failed — content: too long &lt;b&gt;" in text
    assert "Outcome unknown" in text
    assert "Expired" in text
    assert _action_ids(card) == []  # nothing left to click
