"""Commands typed in the bot's DM, without `/affinity`: answers go in the thread of the message,
buttons there answer in the same thread, and Share is left out (the DM is private already)."""

from __future__ import annotations

import pytest
from slack_sdk import WebClient

from affinity_client.sandbox import seed
from bot.blocks import actions as ids
from bot.features.commands import run_in_thread
from bot.grammar import is_command
from tests.bot.test_commands_support import (
    ALICE,
    CAROL,
    all_buttons,
    button,
    connect,
    has_button,
    make_app,
)

THREAD = "1700000100.000100"


@pytest.fixture
def app(slack_app_factory):
    return make_app(slack_app_factory)


def in_dm(app, text, user_id=ALICE, thread_ts=THREAD):
    """Run `text` as typed in `user_id`'s DM; the replies posted in that thread."""
    client = WebClient(token="xoxb-1111-2222-testbottoken", base_url=app.fake.api_url)
    before = len(app.fake.calls("chat.postMessage"))
    run_in_thread(
        app.services,
        client,
        team_id=app.slack.team_id,
        user_id=user_id,
        channel_id=app.fake.dm_channel(user_id),
        thread_ts=thread_ts,
        text=text,
    )
    posted = app.fake.calls("chat.postMessage")[before:]
    assert posted, "nothing was posted"
    for call in posted:
        assert call.params["channel"] == app.fake.dm_channel(user_id)
        assert call.params["thread_ts"] == thread_ts
    return posted[-1]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("person jane smith", True),
        ("Deals series a", True),
        ("/affinity lists", True),
        ("who-knows jane@acme.com", True),
        ("help", True),
        ("hello there", False),
        ("what do we know about Acme?", False),
        ("", False),
        ("  ", False),
    ],
)
def test_is_command(text, expected):
    assert is_command(text) is expected


def test_a_lookup_replies_in_the_thread_without_share(app, sandbox):
    connect(app, ALICE, sandbox=sandbox)
    reply = in_dm(app, "person jane smith")
    assert seed.JANE_EMAIL in reply.text
    assert f"https://northwind.affinity.co/persons/{seed.JANE_ID}" in reply.text
    assert not has_button(reply, ids.SHARE) and has_button(reply, ids.OPEN_IN_AFFINITY)


def test_usage_errors_and_help_in_a_dm(app, sandbox):
    assert "Usage:" in in_dm(app, "note pet 5 hello", user_id=CAROL).text
    assert "Affinity commands" in in_dm(app, "help", user_id=CAROL).text


def test_not_connected_and_connect_in_a_dm(app, sandbox):
    reply = in_dm(app, "lists", user_id=CAROL)
    assert "haven't connected" in reply.text and has_button(reply, ids.CONNECT)
    assert has_button(in_dm(app, "connect", user_id=CAROL), ids.CONNECT)  # no trigger_id in DMs


def dm_click(app, action_id, value, message, user_id=ALICE):
    """A click on a bot message in the DM thread (a real message, not an ephemeral)."""
    slack = app.slack.as_user(user_id)
    channel = app.fake.dm_channel(user_id)
    payload = slack.block_action_payload(
        action_id,
        value,
        message_ts=message.params.get("ts") or "1700000100.000200",
        channel_id=channel,
    )
    payload["message"]["thread_ts"] = THREAD
    return slack.block_action(action_id, payload=payload)


def test_a_chooser_in_a_dm_is_replaced_by_the_pick(app, sandbox):
    connect(app, ALICE, sandbox=sandbox)
    choice = in_dm(app, "person alex")
    value = button(choice, ids.PICK)["value"]
    dm_click(app, ids.PICK, value, choice)
    updated = app.fake.wait_for("chat.update")
    assert updated.params["channel"] == app.fake.dm_channel(ALICE)
    assert f"persons/{value.split()[1]}" in updated.text
    assert not any(b.get("action_id") == ids.SHARE for b in all_buttons(updated))


def test_more_in_a_dm_pages_in_place(app, sandbox):
    connect(app, ALICE, sandbox=sandbox)
    page = in_dm(app, "deals deal flow")
    dm_click(app, ids.MORE, button(page, ids.MORE)["value"], page)
    updated = app.fake.wait_for("chat.update")
    assert "Deal Flow" in updated.text and has_button(updated, ids.MORE)


def test_a_write_in_a_dm_runs_once_when_sent_twice(app, sandbox):
    connect(app, ALICE, sandbox=sandbox)
    notes = len(sandbox.state.notes)
    in_dm(app, f"note org {seed.ACME_ORG_ID} Intro call booked")
    assert "not repeated" in in_dm(app, f"note org {seed.ACME_ORG_ID} Intro call booked").text
    assert len(sandbox.state.notes) == notes + 1


def test_revoked_key_in_a_dm_gets_the_reconnect_prompt(app, sandbox):
    connect(app, ALICE, sandbox=sandbox)
    sandbox.state.revoke_key(seed.ADMIN_KEY)
    reply = in_dm(app, f"deal {seed.ACME_DEAL_ID}")
    assert has_button(reply, ids.RECONNECT)


def test_a_dm_message_is_routed_to_the_command(slack_app_factory, sandbox):
    """Through the real DM listener (the conversation feature routes commands here)."""
    harness = slack_app_factory()
    connect(harness, ALICE, sandbox=sandbox)
    sent = harness.slack.message_im("org acme.com")
    ts = sent.payload["event"]["ts"]
    reply = harness.fake.wait_for(
        "chat.postMessage",
        lambda c: c.params.get("thread_ts") == ts and "Acme" in c.text,
        timeout=10,
    )
    assert f"companies/{seed.ACME_ORG_ID}" in reply.text


def test_a_write_chooser_in_a_dm_writes_once_and_a_second_click_says_so(app, sandbox):
    connect(app, ALICE, sandbox=sandbox)
    choice = in_dm(app, "new-deal series Thread Deal Seed")
    value = button(choice, ids.PICK)["value"]
    dm_click(app, ids.PICK, value, choice)
    app.fake.wait_for("chat.update", lambda c: "Deal created" in c.text)
    dm_click(app, ids.PICK, value, choice)
    told = app.fake.wait_for("chat.postMessage", lambda c: "Already done" in c.text)
    assert told.params["thread_ts"] == THREAD and "Thread Deal Seed" in told.text
    made = [d for d in sandbox.state.opportunities.values() if d["name"] == "Thread Deal Seed"]
    assert len(made) == 1
