"""Answers in channels through the real app: private to the asker (ephemeral, in the mention's
thread) with Share, unless a workspace admin made the channel's answers public."""

from __future__ import annotations

import json
import threading
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from affinity_client.sandbox import seed
from bot.blocks.confirmation import APPROVE
from bot.devtools.fake_anthropic import reply
from bot.devtools.fake_slack import RecordedCall
from bot.features import commands, conversation, platform
from bot.features import connect as connect_feature
from bot.features.conversation.held import SHARE_ANSWER, Held, HeldAnswers
from bot.features.conversation.replies import PLACEHOLDER_TEXT
from bot.models import AuditLogEntry
from tests.bot.test_conversation_approvals import notes_with, one_note_script
from tests.bot.test_conversation_support import *  # noqa: F403  (fixtures)
from tests.bot.test_conversation_support import (
    SERIES_A,
    STATUS_METHOD,
    answer_with,
    button_value,
    connect,
    in_thread,
    wait_text,
    wait_until,
)

NOTE = "Intro call went well."


@pytest.fixture
def channel_app(chat_app_factory: Any) -> Any:
    """The app with the assistant and the `/affinity` command (for `channel-answers`)."""
    return chat_app_factory(features=[platform, connect_feature, commands, conversation])


def ephemeral_click(slack: Any, action_id: str, value: str, thread_ts: str) -> Any:
    """A click on an ephemeral message in a channel thread, as Slack sends it: the container
    says `is_ephemeral` and carries the thread; there is no `message` (Slack does not send an
    ephemeral message's content back)."""
    payload = slack.block_action_payload(action_id, value, channel_id=slack.channel_id)
    payload["container"].update(is_ephemeral=True, thread_ts=thread_ts)
    del payload["message"]
    return slack.block_action(action_id, payload=payload)


def private_to(
    fake: Any, user: str, channel: str, ts: str, needle: str, timeout: float = 10.0
) -> RecordedCall:
    return fake.wait_for(
        "chat.postEphemeral",
        lambda c: in_thread(channel, ts)(c) and c.params.get("user") == user and needle in c.text,
        timeout=timeout,
    )


def public_posts(fake: Any, channel: str) -> list[RecordedCall]:
    return [c for c in fake.calls("chat.postMessage") if c.params.get("channel") == channel]


def share_value(call: RecordedCall) -> str:
    return button_value(call, SHARE_ANSWER)


def test_a_command_in_a_mention_is_answered_privately_and_share_publishes_what_was_seen(
    channel_app, sandbox
):
    slack, fake = channel_app.slack, channel_app.fake
    connect(channel_app, slack.user_id, sandbox=sandbox)
    ts = slack.app_mention(f"deals {SERIES_A}").payload["event"]["ts"]

    shown = private_to(fake, slack.user_id, slack.channel_id, ts, "Acme")
    value = share_value(shown)
    time.sleep(0.2)
    assert public_posts(fake, slack.channel_id) == []  # nobody else saw the pipeline

    # a colleague's forged click (they never saw the button) publishes nothing
    colleague = slack.as_user("U0BOB0001")
    ephemeral_click(colleague, SHARE_ANSWER, value, ts)
    wait_text(fake, "response_url", "Only the person who asked")
    assert public_posts(fake, slack.channel_id) == []

    requests_before = sandbox.state.request_count()
    ephemeral_click(slack, SHARE_ANSWER, value, ts)
    shared = fake.wait_for("chat.postMessage", in_thread(slack.channel_id, ts))
    assert f"Shared by <@{slack.user_id}>" in shared.text
    seen = [b for b in shown.params["blocks"] if b["type"] != "actions"]
    assert shared.params["blocks"][: len(seen)] == seen  # exactly what the asker saw
    assert sandbox.state.request_count() == requests_before  # not fetched again
    marked = wait_text(fake, "response_url", "You shared this in the thread")
    assert marked.params["replace_original"] is True

    ephemeral_click(slack, SHARE_ANSWER, value, ts)  # a second click shares nothing more
    wait_text(fake, "response_url", "can no longer be shared")
    assert len(public_posts(fake, slack.channel_id)) == 1


def test_the_assistants_answer_in_a_channel_is_private_and_not_streamed(channel_app, api, sandbox):
    slack, fake = channel_app.slack, channel_app.fake
    connect(channel_app, slack.user_id, sandbox=sandbox)
    api.add(reply("**Jane Smith** knows the founder."))
    ts = slack.app_mention("who knows the founder of acme?").payload["event"]["ts"]

    answer = private_to(fake, slack.user_id, slack.channel_id, ts, "Jane Smith")
    assert "*Jane Smith* knows the founder." in answer.text
    working = fake.calls("chat.postEphemeral")[0]
    assert "Only you will see the answer" in working.text and working.at <= answer.at
    assert not fake.calls("chat.startStream") and not fake.calls(STATUS_METHOD)
    assert public_posts(fake, slack.channel_id) == [] and not fake.calls("chat.update")

    ephemeral_click(slack, SHARE_ANSWER, share_value(answer), ts)
    shared = fake.wait_for("chat.postMessage", in_thread(slack.channel_id, ts))
    assert "*Jane Smith* knows the founder." in shared.text
    assert f"Shared by <@{slack.user_id}>" in shared.text


def test_an_approval_card_in_a_channel_is_private_and_approving_works_once(
    channel_app, api, sandbox
):
    slack, fake = channel_app.slack, channel_app.fake
    connect(channel_app, slack.user_id, sandbox=sandbox)
    one_note_script(api, NOTE)
    ts = slack.app_mention("log that the acme intro call went well").payload["event"]["ts"]

    card = private_to(fake, slack.user_id, slack.channel_id, ts, "Proposed change")
    value = button_value(card, APPROVE)
    ephemeral_click(slack, APPROVE, value, ts)
    outcome = private_to(fake, slack.user_id, slack.channel_id, ts, "Approved 1 change: 1 done")
    assert outcome is not None and len(notes_with(sandbox, NOTE)) == 1
    # the card itself shows the outcome: replaced through the click's response_url
    replaced = [c for c in fake.responses() if c.params.get("replace_original")]
    assert "making the changes" in replaced[0].text
    final = wait_until(
        lambda: (
            (r := [c for c in fake.responses() if c.params.get("replace_original")])[-1:]
            and "Done" in r[-1].text
            and r[-1]
        )
    )
    assert "agent_item:" not in json.dumps(final.params["blocks"])

    ephemeral_click(slack, APPROVE, value, ts)  # again: nothing more is written
    private_to(fake, slack.user_id, slack.channel_id, ts, "Already done")
    assert len(notes_with(sandbox, NOTE)) == 1
    assert sandbox.state.request_count("POST", "/v2/notes") == 1
    assert public_posts(fake, slack.channel_id) == [] and not fake.calls("chat.update")


def admin_says(harness: Any, text: str, user_id: str) -> RecordedCall:
    sent = harness.slack.as_user(user_id).command(text)
    assert sent.status_code == 200
    return harness.fake.wait_for("response_url", lambda c: c.response_id == sent.response_id)


def audit_rows(harness: Any) -> list[tuple[str, str, str | None]]:
    with Session(harness.services.engine) as session:
        rows = session.scalars(
            select(AuditLogEntry)
            .where(AuditLogEntry.tool == "setting:channel-answers")
            .order_by(AuditLogEntry.id)
        )
        return [(r.identifier, r.outcome, r.reference) for r in rows]


def test_a_workspace_admin_makes_a_channels_answers_public_and_private_again(
    channel_app, api, sandbox
):
    slack, fake = channel_app.slack, channel_app.fake
    admin = slack.user_id
    fake.set_user(admin, is_admin=True)
    connect(channel_app, admin, sandbox=sandbox)
    assert "answers are *private*" in admin_says(channel_app, "channel-answers", admin).text

    said = admin_says(channel_app, "channel-answers public", admin)
    assert "Changed" in said.text and "answers are *public*" in said.text
    assert audit_rows(channel_app) == [(f"{slack.team_id}:{admin}", "public", slack.channel_id)]
    assert "answers are *public*" in admin_says(channel_app, "channel-answers", "U0BOB0001").text

    api.add(reply("Here to help."), reply("Just for you."))
    ts = slack.app_mention("who knows the founder of acme?").payload["event"]["ts"]
    placeholder = fake.wait_for("chat.postMessage", in_thread(slack.channel_id, ts))
    assert placeholder["text"] == PLACEHOLDER_TEXT
    assert answer_with(fake, "Here to help.", channel=slack.channel_id).channel == slack.channel_id
    assert not fake.calls("chat.postEphemeral") and not fake.calls("chat.startStream")

    admin_says(channel_app, "channel-answers private", admin)
    assert [r[1] for r in audit_rows(channel_app)] == ["public", "private"]
    ts = slack.app_mention("and who else?").payload["event"]["ts"]
    private_to(fake, admin, slack.channel_id, ts, "Just for you.")


def test_someone_who_is_not_an_admin_cannot_change_it(channel_app, api, sandbox):
    slack, fake = channel_app.slack, channel_app.fake
    member = "U0BOB0001"
    said = admin_says(channel_app, "channel-answers public", member)
    assert "Only a Slack workspace admin or owner" in said.text
    assert "nothing was changed" in said.text and "answers are *private*" in said.text
    assert audit_rows(channel_app) == []
    fake.fail_next("users.info", "missing_scope")
    said = admin_says(channel_app, "channel-answers public", member)
    assert "couldn't check with Slack" in said.text and "missing_scope" in said.text
    assert audit_rows(channel_app) == []

    sent = slack.as_user(member).command(
        "channel-answers public", channel_id=fake.dm_channel(member)
    )
    told = fake.wait_for("response_url", lambda c: c.response_id == sent.response_id)
    assert "in the channel you mean" in told.text

    asked = slack.as_user(member).app_mention("channel-answers public")  # in the thread too
    ts = asked.payload["event"]["ts"]
    private_to(fake, member, slack.channel_id, ts, "Only a Slack workspace admin")

    connect(channel_app, member, sandbox=sandbox)
    api.add(reply("Still private."))
    ts = slack.as_user(member).app_mention("hello").payload["event"]["ts"]
    private_to(fake, member, slack.channel_id, ts, "Still private.")
    assert public_posts(fake, slack.channel_id) == []


def test_direct_messages_are_unchanged(channel_app, api, sandbox):
    slack, fake = channel_app.slack, channel_app.fake
    connect(channel_app, slack.user_id, sandbox=sandbox)
    api.add(reply("In your DM."))
    ts = slack.message_im("what's new?").payload["event"]["ts"]
    answer = answer_with(fake, "In your DM.", thread_ts=ts)
    assert answer.streamed and answer.channel == slack.dm_channel
    assert not fake.calls("chat.postEphemeral")
    slack.message_im(f"deal {seed.ACME_DEAL_ID}", thread_ts=ts)
    result = fake.wait_for(
        "chat.postMessage", lambda c: in_thread(slack.dm_channel, ts)(c) and "Acme" in c.text
    )
    assert SHARE_ANSWER not in json.dumps(result.params.get("blocks"))


def test_two_processes_clicking_share_at_once_publish_once(chat_app_factory, api, sandbox, db_url):
    first = chat_app_factory(
        database_url=db_url, features=[platform, connect_feature, commands, conversation]
    )
    second = chat_app_factory(
        database_url=db_url,
        upgrade=False,
        features=[platform, connect_feature, commands, conversation],
    )
    slack, fake = first.slack, first.fake
    connect(first, slack.user_id, sandbox=sandbox)
    api.add(reply("Shared once."))
    ts = slack.app_mention("anything new on acme?").payload["event"]["ts"]
    value = share_value(private_to(fake, slack.user_id, slack.channel_id, ts, "Shared once."))

    clicks = [
        threading.Thread(target=ephemeral_click, args=(s, SHARE_ANSWER, value, ts))
        for s in (slack, second.slack)
    ]
    for click in clicks:
        click.start()
    for click in clicks:
        click.join()
    wait_text(fake, "response_url", "can no longer be shared")
    wait_until(lambda: public_posts(fake, slack.channel_id))  # the winner may still be posting
    wait_text(fake, "response_url", "You shared this")  # the winner has finished its work
    assert len(public_posts(fake, slack.channel_id)) == 1


def test_an_unshared_answer_is_kept_a_day_then_pruned(channel_app):
    now = [datetime(2026, 11, 30, 9, 0, tzinfo=UTC)]
    held = HeldAnswers(channel_app.services.engine, lambda: now[0])
    message = {"text": "Pipeline", "blocks": []}
    kept = held.hold("T0FAKE001:U0ALICE01", "C0DEALS01", "1.000100", [message])
    gone = held.hold("T0FAKE001:U0ALICE01", "C0DEALS01", "1.000200", [message])

    now[0] += timedelta(hours=23)
    assert isinstance(held.take(kept, "T0FAKE001:U0ALICE01"), Held)
    now[0] += timedelta(hours=2)
    assert held.take(gone, "T0FAKE001:U0ALICE01") == "gone"  # too old to share
    assert held.prune() == 1


def test_disconnecting_erases_answers_held_for_share(channel_app, sandbox):
    """A held answer was read with the asker's key: it goes with the key, so a Share clicked
    after disconnecting publishes nothing."""
    slack, fake = channel_app.slack, channel_app.fake
    identifier = connect(channel_app, slack.user_id, sandbox=sandbox)
    ts = slack.app_mention(f"deals {SERIES_A}").payload["event"]["ts"]
    value = share_value(private_to(fake, slack.user_id, slack.channel_id, ts, "Acme"))

    connect_feature.disconnect(channel_app.services, identifier)
    ephemeral_click(slack, SHARE_ANSWER, value, ts)
    wait_text(fake, "response_url", "can no longer be shared")
    assert public_posts(fake, slack.channel_id) == []


def test_uninstalling_erases_the_workspaces_held_answers(channel_app):
    held = HeldAnswers(channel_app.services.engine, lambda: datetime.now(UTC))
    message = {"text": "Pipeline", "blocks": []}
    ours = held.hold("T0FAKE001:U0ALICE01", "C0DEALS01", "1.000100", [message])
    theirs = held.hold("T0OTHER01:U0ALICE01", "C0DEALS01", "1.000200", [message])

    platform.erase_workspace(channel_app.services, "T0FAKE001")
    assert held.take(ours, "T0FAKE001:U0ALICE01") == "gone"
    assert isinstance(held.take(theirs, "T0OTHER01:U0ALICE01"), Held)
