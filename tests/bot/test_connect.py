"""Connecting, status, disconnect and tenant pinning, end to end: signed requests to the real app,
the Affinity sandbox behind it, the fake Slack in front."""

from __future__ import annotations

import logging

import pytest
from sqlalchemy.orm import sessionmaker

from affinity_client.sandbox import seed
from bot.agent.context import ThreadKey
from bot.agent.memory import ConversationStore
from bot.blocks import actions as ids
from bot.connector import identifier_for
from bot.features import connect, home, platform, revocation
from bot.features.connect import open_connect_modal, pin_tenant_reply, status_reply

MY_FEATURES = [platform, connect, home, revocation]
ADMIN, STANDARD, REVOKED_USER = seed.USERS[:3]


@pytest.fixture
def harness(slack_app_factory):
    return slack_app_factory(features=MY_FEATURES)


@pytest.fixture
def slack(harness):
    return harness.slack


def key_values(key: str) -> dict:
    return {ids.API_KEY_BLOCK: {ids.API_KEY_ACTION: {"type": "plain_text_input", "value": key}}}


def submit_key(slack, key: str):
    return slack.view_submission(ids.CONNECT_MODAL, key_values(key))


def ident(slack) -> str:
    return identifier_for(slack.team_id, slack.user_id)


def account(harness, slack):
    return harness.services.connector.account(ident(slack))


def connect_as(harness, slack, fake_slack, key: str):
    sent = submit_key(slack, key)
    assert sent.status_code == 200 and sent.text in ("", "{}"), sent.text
    return fake_slack.wait_for(
        "chat.postMessage",
        lambda c: c["channel"] == slack.user_id and "connected as" in c.text,
        timeout=10,
    )


def modal_error(sent) -> str:
    body = sent.json()
    assert body["response_action"] == "errors"
    return body["errors"][ids.API_KEY_BLOCK]


def test_connect_button_opens_the_private_modal(harness, slack, fake_slack):
    sent = slack.block_action(ids.CONNECT)
    assert sent.status_code == 200
    call = fake_slack.wait_for("views.open")
    assert call["trigger_id"] == sent.trigger_id
    assert call["view"]["callback_id"] == ids.CONNECT_MODAL


def test_open_connect_modal_for_the_commands_feature(harness, slack, fake_slack):
    open_connect_modal(harness.services, harness.app.client, "1.2.trigger", ident(slack))
    view = fake_slack.wait_for("views.open")["view"]
    assert view["title"]["text"] == "Connect Affinity"


def test_a_good_key_connects_caches_lists_and_says_who_and_what(harness, slack, fake_slack):
    dm = connect_as(harness, slack, fake_slack, ADMIN["api_key"])
    assert "Maya Patel" in dm.text and "Northwind Ventures" in dm.text
    assert "What your key can do" in dm.text and ":no_entry_sign:" not in dm.text
    acct = account(harness, slack)
    assert acct.status == "ACTIVE" and acct.profile.tenant_id == seed.TENANT["id"]
    assert {item.id for item in acct.lists} >= set(seed.LISTS.values())
    home_view = fake_slack.wait_for("views.publish")["view"]
    assert "Maya Patel" in str(home_view)


def test_the_standard_user_learns_the_private_list_limit(harness, slack, fake_slack):
    dm = connect_as(harness, slack, fake_slack, STANDARD["api_key"])
    assert "Daniel Okafor" in dm.text
    acct = account(harness, slack)
    assert seed.PRIVATE_LIST_ID not in {item.id for item in acct.lists}


def test_a_bad_key_is_refused_in_the_modal_and_nothing_is_stored(harness, slack, fake_slack):
    error = modal_error(submit_key(slack, REVOKED_USER["api_key"]))
    assert "did not accept this key" in error
    assert account(harness, slack) is None or account(harness, slack).status != "ACTIVE"
    assert not fake_slack.calls("chat.postMessage")


def test_a_key_with_spaces_is_refused_before_affinity_is_asked(harness, slack, sandbox):
    sandbox.state.clear_requests()
    assert "no spaces" in modal_error(submit_key(slack, "abc def ghi jkl"))
    assert sandbox.state.requests == []


def test_affinity_down_gives_a_retry_later_error_in_the_modal(harness, slack, sandbox):
    sandbox.state.fail("GET", "/auth/whoami*", 503, 5)
    assert "try again" in modal_error(submit_key(slack, ADMIN["api_key"]))
    assert account(harness, slack) is None or account(harness, slack).status != "ACTIVE"


def test_a_slow_affinity_still_answers_the_modal_within_three_seconds(harness, slack, sandbox):
    sandbox.state.add_latency(4000, "/auth/whoami*")
    import time

    started = time.monotonic()
    error = modal_error(submit_key(slack, ADMIN["api_key"]))
    assert time.monotonic() - started < 3.0
    assert "try again" in error


def test_a_key_from_another_tenant_is_refused_when_pinned_by_settings(
    slack_app_factory, fake_slack
):
    harness = slack_app_factory(features=MY_FEATURES, affinity_tenant_id="999")
    error = modal_error(submit_key(harness.slack, ADMIN["api_key"]))
    assert "Northwind Ventures" in error and "only connects to" in error


def test_a_workspace_admin_pins_the_tenant(harness, slack, fake_slack):
    client = harness.app.client
    text, _ = pin_tenant_reply(harness.services, client, slack.team_id, slack.user_id, ident(slack))
    assert "Only a Slack workspace admin" in text
    fake_slack.set_user(slack.user_id, is_admin=True)
    text, _ = pin_tenant_reply(harness.services, client, slack.team_id, slack.user_id, ident(slack))
    assert "Connect your own Affinity key first" in text
    connect_as(harness, slack, fake_slack, ADMIN["api_key"])
    text, _ = pin_tenant_reply(harness.services, client, slack.team_id, slack.user_id, ident(slack))
    assert "Northwind Ventures" in text
    assert connect.pinned_tenant(harness.services, slack.team_id)[0] == seed.TENANT["id"]
    # Another workspace is not affected; the pinned one accepts its own tenant's keys.
    other = slack.as_user("UBOB", team_id="T0OTHER01")
    assert connect.pinned_tenant(harness.services, other.team_id) is None
    connect_as(harness, slack.as_user("UDAN"), fake_slack, STANDARD["api_key"])
    # A pin to another tenant refuses this firm's keys.
    from sqlalchemy.orm import Session

    from bot.models import TenantPin

    with Session(harness.services.engine) as session, session.begin():
        session.get(TenantPin, slack.team_id).tenant_id = 424242
    error = modal_error(submit_key(slack.as_user("UEVE"), STANDARD["api_key"]))
    assert "only connects to" in error


def test_status_shows_who_and_what_the_key_can_do(harness, slack, fake_slack):
    text, blocks = status_reply(harness.services, ident(slack))
    assert "Not connected" in str(blocks)
    connect_as(harness, slack, fake_slack, STANDARD["api_key"])
    text, blocks = status_reply(harness.services, ident(slack))
    assert text == "Connected to Affinity"
    assert "Daniel Okafor" in str(blocks) and "What your key can do" in str(blocks)


def test_disconnect_asks_first_then_erases(harness, slack, fake_slack):
    text, blocks = connect.disconnect_prompt(harness.services, ident(slack))
    assert "nothing to disconnect" in text
    connect_as(harness, slack, fake_slack, ADMIN["api_key"])
    text, blocks = connect.disconnect_prompt(harness.services, ident(slack))
    action_ids = [e["action_id"] for b in blocks if b["type"] == "actions" for e in b["elements"]]
    assert action_ids == [ids.DISCONNECT_CONFIRM, ids.DISCONNECT_CANCEL]
    assert account(harness, slack).status == "ACTIVE"

    cancel = slack.block_action(ids.DISCONNECT_CANCEL)
    reply = fake_slack.wait_for("response_url", lambda c: c.response_id == cancel.response_id)
    assert "Nothing changed" in reply.text
    assert account(harness, slack).status == "ACTIVE"

    memory = remember_a_thread(harness, ident(slack))

    confirm = slack.block_action(ids.DISCONNECT_CONFIRM)
    reply = fake_slack.wait_for("response_url", lambda c: c.response_id == confirm.response_id)
    assert "erased" in reply.text
    acct = account(harness, slack)
    assert acct.status == "PENDING" and not acct.has_credential and acct.profile is None
    assert ident(slack) not in harness.services.connector.pool
    assert memory() == []  # what the assistant read with the key goes with it


def remember_a_thread(harness, identifier: str):
    """Store an assistant conversation for `identifier`; return a reader of it."""
    store = ConversationStore(sessionmaker(harness.services.engine))
    thread = ThreadKey("T0FAKE001", "D0DM00001", "1700000000.000100")
    store.save(thread, identifier, [{"role": "user", "content": "deals at Acme?"}])
    assert store.load(thread, identifier) != []
    return lambda: store.load(thread, identifier)


def test_disconnect_button_on_home_sends_the_confirmation_by_dm(harness, slack, fake_slack):
    connect_as(harness, slack, fake_slack, ADMIN["api_key"])
    slack.block_action(ids.DISCONNECT, view={"type": "home"})
    dm = fake_slack.wait_for(
        "chat.postMessage", lambda c: "Disconnect" in c.text and c["channel"] == slack.user_id
    )
    assert "Maya Patel" in dm.text


def test_the_key_never_appears_in_slack_or_logs(harness, slack, fake_slack, sandbox, caplog):
    caplog.set_level(logging.DEBUG)
    key = ADMIN["api_key"]
    outputs = [submit_key(slack, key).text]
    connect_as(harness, slack, fake_slack, key)
    outputs.append(str(status_reply(harness.services, ident(slack))))
    sandbox.state.revoke_key(key)
    outputs.append(str(status_reply(harness.services, ident(slack))))
    outputs.append(modal_error(submit_key(slack, key)))
    fake_slack.wait_for("chat.postMessage", lambda c: "stopped working" in c.text)
    everything = "\n".join(
        outputs
        + [repr(c.params) for c in fake_slack.calls()]
        + [r.getMessage() for r in caplog.records]
    )
    assert key not in everything


@pytest.mark.parametrize("other_team", [None, "T0OTHER01"])
def test_same_slack_user_id_in_two_workspaces_and_two_users_stay_apart(
    harness, slack, fake_slack, other_team
):
    other = slack.as_user(slack.user_id if other_team else "UBOB0001", team_id=other_team)
    connect_as(harness, slack, fake_slack, ADMIN["api_key"])
    connect_as(harness, other, fake_slack, STANDARD["api_key"])
    connector = harness.services.connector
    assert ident(slack) != ident(other)
    assert account(harness, slack).profile.user_name == "Maya Patel"
    assert account(harness, other).profile.user_name == "Daniel Okafor"
    mine = {
        i["id"] for i in connector.execute_tool(ident(slack), "affinity_list_lists", {})["lists"]
    }
    theirs = {
        i["id"] for i in connector.execute_tool(ident(other), "affinity_list_lists", {})["lists"]
    }
    assert seed.PRIVATE_LIST_ID in mine and seed.PRIVATE_LIST_ID not in theirs
    # Disconnecting one leaves the other connected.
    confirm = other.block_action(ids.DISCONNECT_CONFIRM)
    fake_slack.wait_for("response_url", lambda c: c.response_id == confirm.response_id)
    assert account(harness, other).status == "PENDING"
    assert account(harness, slack).status == "ACTIVE"
