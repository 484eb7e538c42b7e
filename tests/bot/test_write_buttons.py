"""Write buttons of `/affinity` are single-use by the card id they carry, whatever message they
are clicked on: a second click is told what the first did, a click while it runs is told it is
in progress, and replaced, expired, unknown or someone else's cards change nothing."""

from __future__ import annotations

import re
import threading
from datetime import timedelta

import pytest

from affinity_client.sandbox import seed
from bot.blocks import actions as ids
from bot.blocks.choices import parse_write_value
from bot.features.commands.engine import command_runner
from tests.bot.test_commands_support import (
    ALICE,
    BOB,
    answer,
    button,
    click,
    connect,
    make_app,
    run,
)


@pytest.fixture
def app(slack_app_factory):
    return make_app(slack_app_factory)


def chooser_value(app) -> str:
    choice = run(app, "new-deal series Orbit Robotics Seed")
    assert "Did you mean the list" in choice.text
    return button(choice, ids.PICK)["value"]


def deals_named(sandbox, name: str) -> list[dict]:
    return [d for d in sandbox.state.opportunities.values() if d.get("name") == name]


def test_a_write_button_carries_its_card_id_and_the_command(app, sandbox):
    connect(app, ALICE, sandbox=sandbox)
    card, command = parse_write_value(chooser_value(app))
    assert len(card) >= 16 and command == 'new-deal 201 "Orbit Robotics Seed"'
    assert command_runner(app.services).cards.get(card).state == "open"


def test_second_click_from_another_container_is_told_what_the_first_did(app, sandbox):
    connect(app, ALICE, sandbox=sandbox)
    value = chooser_value(app)
    first = click(app, ids.PICK, value, message_ts="1700000010.000001")
    created = answer(app, first, index=1)
    deal_id = re.search(r"opportunities/(\d+)", created.text).group(1)
    # the same button, from a non-ephemeral copy of the message in another channel
    second = click(
        app,
        ids.PICK,
        value,
        ephemeral=False,
        message_ts="1700000099.000002",
        channel_id="C0OTHER01",
    )
    told = answer(app, second)
    assert told.text.startswith("Already done: Deal Orbit Robotics Seed created in Series A")
    assert f"(deal #{deal_id})" in told.text and "changed nothing" in told.text
    assert len(deals_named(sandbox, "Orbit Robotics Seed")) == 1


def test_a_click_while_the_first_runs_is_told_it_is_in_progress(app, sandbox):
    connect(app, ALICE, sandbox=sandbox)
    value = chooser_value(app)
    gate = sandbox.state.hold("/opportunities*")  # the deal is being created until it opens
    sent: list = []
    threads = [
        threading.Thread(
            target=lambda ts=ts: sent.append(click(app, ids.PICK, value, message_ts=ts))
        )
        for ts in ("1700000011.1", "1700000011.2")
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    waiting = app.fake.wait_for("response_url", lambda c: "In progress" in c.text)
    assert "will not be made twice" in waiting.text
    assert deals_named(sandbox, "Orbit Robotics Seed") == []  # still held: nothing written yet
    gate.set()
    app.fake.wait_for("response_url", lambda c: "Deal created" in c.text)
    assert len(deals_named(sandbox, "Orbit Robotics Seed")) == 1


def test_someone_elses_card_is_refused_and_stays_usable_for_its_owner(app, sandbox):
    connect(app, ALICE, sandbox=sandbox)
    connect(app, BOB, seed.STANDARD_KEY, sandbox=sandbox)
    value = chooser_value(app)
    refused = answer(app, click(app, ids.PICK, value, BOB))
    assert "belong to another person's command; nothing was changed" in refused.text
    assert deals_named(sandbox, "Orbit Robotics Seed") == []
    assert "Deal created" in answer(app, click(app, ids.PICK, value), index=1).text


def test_a_card_replaced_by_a_newer_one_for_the_same_command_changes_nothing(app, sandbox):
    connect(app, ALICE, sandbox=sandbox)
    older, newer = chooser_value(app), chooser_value(app)  # the command sent twice
    replaced = answer(app, click(app, ids.PICK, older))
    assert "replaced by a newer one for the same command" in replaced.text
    assert deals_named(sandbox, "Orbit Robotics Seed") == []
    assert "Deal created" in answer(app, click(app, ids.PICK, newer), index=1).text


def test_an_expired_or_unknown_card_changes_nothing(app, sandbox):
    connect(app, ALICE, sandbox=sandbox)
    value = chooser_value(app)
    cards = command_runner(app.services).cards
    now = cards.clock()
    cards.clock = lambda: now + timedelta(hours=25)
    expired = answer(app, click(app, ids.PICK, value))
    assert "These buttons expired at" in expired.text and "nothing was changed" in expired.text
    unknown = value.replace(parse_write_value(value)[0], "no-such-card")
    gone = answer(app, click(app, ids.PICK, unknown))
    assert "This button no longer works" in gone.text
    assert deals_named(sandbox, "Orbit Robotics Seed") == []


def test_a_write_command_without_a_card_is_never_run_from_a_button(app, sandbox):
    connect(app, ALICE, sandbox=sandbox)
    _, command = parse_write_value(chooser_value(app))
    refused = answer(app, click(app, ids.PICK, command))
    assert "That button cannot change data" in refused.text
    assert deals_named(sandbox, "Orbit Robotics Seed") == []


def test_a_second_click_after_an_unconfirmed_write_does_not_retry(app, sandbox):
    from tests.bot.test_commands_support import without_retries

    connect(app, ALICE, sandbox=sandbox)
    without_retries(app)
    value = chooser_value(app)
    sandbox.state.fail("POST", "/opportunities*", 500, 1)
    first = answer(app, click(app, ids.PICK, value), index=1)
    assert "may or may not have been saved" in first.text
    posts = sandbox.state.request_count("POST", "/opportunities")
    again = answer(app, click(app, ids.PICK, value, message_ts="1700000012.000002"))
    assert again.text.startswith("Already tried once: Affinity did not confirm")
    assert sandbox.state.request_count("POST", "/opportunities") == posts


def test_the_card_store_lets_one_claim_win_among_many_at_once(db_url):
    from datetime import UTC, datetime

    from bot.database import make_engine, upgrade_all
    from bot.features.commands.cards import WriteCards

    upgrade_all(db_url)
    now = [datetime(2026, 11, 30, 12, 0, tzinfo=UTC)]
    engines = [make_engine(db_url) for _ in range(2)]  # two processes' pools
    try:
        one, two = (WriteCards(e, lambda: now[0]) for e in engines)
        card = one.mint("T1:U1", "new-deal series Orbit")
        results: list[bool] = []
        threads = [
            threading.Thread(target=lambda s=store: results.append(s.claim(card, "T1:U1").won))
            for store in (one, two) * 4
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert results.count(True) == 1
        two.settle(card, "done", "Deal Orbit created.")
        assert one.claim(card, "T1:U1").card.outcome == "Deal Orbit created."
        other = one.mint("T1:U1", "new-deal  series Orbit")  # the same command again
        assert two.claim(card, "T1:U1").refused == "taken"  # done cards stay done
        newest = one.mint("T1:U1", "new-deal series Orbit")
        assert one.get(other).state == "replaced" and one.get(newest).state == "open"
        assert one.claim(newest, "T1:U2").refused == "not_owner"
        assert one.claim(newest, "T1:U1").won
        one.release(newest)
        now[0] += timedelta(hours=25)
        assert one.claim(newest, "T1:U1").refused == "expired"
        now[0] += timedelta(days=7)
        assert one.prune() == 3 and one.get(card) is None
    finally:
        for engine in engines:
            engine.dispose()


def test_a_slack_connect_guest_clicks_as_the_account_their_command_used(app, sandbox):
    """In a shared channel the payload's `team` is this workspace while `user.team_id` is the
    guest's home workspace: the click runs with the key the slash command ran with."""
    connect(app, ALICE, sandbox=sandbox)
    value = chooser_value(app)
    payload = app.slack.as_user(ALICE).block_action_payload(ids.PICK, value)
    payload["user"]["team_id"] = "T0GUESTHOME"
    payload["container"]["is_ephemeral"] = True
    sent = app.slack.as_user(ALICE).block_action(ids.PICK, payload=payload)
    created = answer(app, sent, index=1)
    assert re.search(r"opportunities/(\d+)", created.text), created.text
    assert len(deals_named(sandbox, "Orbit Robotics Seed")) == 1
