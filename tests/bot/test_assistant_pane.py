"""Slack's assistant pane through signed events and the fake Slack: suggested prompts from the
user's lists, a status per tool step, a title, the viewed channel as context, feedback stored."""

from __future__ import annotations

from typing import Any

import pytest

from affinity_client.sandbox import seed
from bot.devtools.fake_anthropic import reply
from bot.features import activity, assistant_pane, commands, conversation, platform
from bot.features import connect as connect_feature
from bot.features.assistant_pane import FEEDBACK, PaneStore
from tests.bot.test_conversation_support import *  # noqa: F403  (fixtures)
from tests.bot.test_conversation_support import STATUS_METHOD, connect, wait_until

FEATURES = [platform, connect_feature, commands, conversation, assistant_pane, activity]
PROMPTS = "assistant.threads.setSuggestedPrompts"


@pytest.fixture
def pane_app(chat_app_factory: Any) -> Any:
    return chat_app_factory(features=FEATURES)


def started(slack: Any, viewing: str | None = "C0DEALS01") -> str:
    sent = slack.assistant_thread_event(viewing=viewing)
    return sent.payload["event"]["assistant_thread"]["thread_ts"]


def feedback_blocks(fake: Any, channel: str, thread_ts: str) -> list[dict[str, Any]]:
    """The blocks of the answer as the user sees it: posted, or the finished stream."""
    for message in fake.messages(channel):
        if message.get("thread_ts") == thread_ts and message.get("bot_id"):
            for block in message.get("blocks") or []:
                if block.get("type") == "context_actions":
                    return block["elements"]
    return []


def test_a_new_pane_thread_suggests_prompts_from_the_users_own_lists(pane_app, sandbox):
    slack, fake = pane_app.slack, pane_app.fake
    connect(pane_app, slack.user_id, sandbox=sandbox)
    thread_ts = started(slack)

    call = fake.wait_for(PROMPTS)
    assert call["channel_id"] == slack.dm_channel and call["thread_ts"] == thread_ts
    titles = [p["title"] for p in call["prompts"]]
    assert titles[0] == "Deals reviewed today in Series A Pipeline"
    assert "Prep my next meeting" in titles and 2 <= len(titles) <= 4


def test_the_prompts_name_the_record_the_user_looked_at_last(pane_app, sandbox):
    slack, fake = pane_app.slack, pane_app.fake
    identifier = connect(pane_app, slack.user_id, sandbox=sandbox)
    pane_app.services.connector.execute_tool(
        identifier, "affinity_get_organization", {"organization_id": seed.ACME_ORG_ID}
    )
    started(slack)

    prompts = fake.wait_for(PROMPTS)["prompts"]
    assert prompts[-1]["title"] == "What's new with Acme"


def test_someone_not_connected_is_asked_to_connect_first(pane_app):
    slack, fake = pane_app.slack, pane_app.fake
    thread_ts = started(slack)

    call = fake.wait_for(PROMPTS)
    assert [p["message"] for p in call["prompts"]] == ["connect"]
    prompt = fake.wait_for("chat.postMessage", lambda c: c.params.get("thread_ts") == thread_ts)
    assert "Connect Affinity" in prompt.text


def test_a_question_gets_a_status_per_step_a_title_the_channel_and_feedback_buttons(
    pane_app, api, sandbox
):
    slack, fake = pane_app.slack, pane_app.fake
    connect(pane_app, slack.user_id, sandbox=sandbox)
    thread_ts = started(slack, viewing="C0DEALS01")
    fake.wait_for(PROMPTS)
    api.add(
        reply(None, ("affinity_search_organizations", {"term": "acme"})),
        reply("Acme is in your Series A pipeline."),
    )
    question = "What do we know about Acme, the company discussed in this channel?"
    slack.message_im(question, thread_ts=thread_ts)

    wait_until(lambda: feedback_blocks(fake, slack.dm_channel, thread_ts), timeout=15)
    statuses = [c["status"] for c in fake.calls(STATUS_METHOD) if c["thread_ts"] == thread_ts]
    assert statuses[:2] == [
        "is looking that up in Affinity…",
        "is searching organizations in Affinity…",
    ]
    title = fake.wait_for("assistant.threads.setTitle")
    assert title["title"] == "What do we know about Acme, the company discussed in this…"
    assert "<#C0DEALS01>" in api.message_requests[0].system_text
    (buttons,) = feedback_blocks(fake, slack.dm_channel, thread_ts)
    assert buttons["type"] == "feedback_buttons" and buttons["action_id"] == FEEDBACK

    api.add(reply("Still Acme."))  # a second question: no new title
    slack.message_im("and now?", thread_ts=thread_ts)
    wait_until(lambda: api.remaining == 0 and len(fake.calls("chat.stopStream")) >= 2, timeout=15)
    assert len(fake.calls("assistant.threads.setTitle")) == 1


def test_the_channel_the_user_switches_to_is_the_next_turns_context(pane_app, api, sandbox):
    slack, fake = pane_app.slack, pane_app.fake
    connect(pane_app, slack.user_id, sandbox=sandbox)
    thread_ts = started(slack, viewing="C0DEALS01")
    fake.wait_for(PROMPTS)
    slack.assistant_thread_event(
        "assistant_thread_context_changed", thread_ts=thread_ts, viewing="C0PORTF01"
    )
    store = PaneStore(pane_app.services.engine, pane_app.services.clock)
    wait_until(
        lambda: (
            (store.find(slack.dm_channel, thread_ts) or None)
            and store.find(slack.dm_channel, thread_ts).context.get("channel_id") == "C0PORTF01"
        )
    )
    api.add(reply("Here you go."))
    slack.message_im("summarise this channel's companies", thread_ts=thread_ts)

    wait_until(lambda: api.message_requests, timeout=15)
    system = api.message_requests[0].system_text
    assert "<#C0PORTF01>" in system and "C0DEALS01" not in system


def test_feedback_clicks_are_stored_one_verdict_per_person_and_counted(pane_app):
    slack = pane_app.slack
    store = PaneStore(pane_app.services.engine, pane_app.services.clock)

    def click(who: Any, verdict: str) -> None:
        payload = who.block_action_payload(
            FEEDBACK, verdict, channel_id=who.dm_channel, message_ts="1700000000.000100"
        )
        payload["actions"][0]["type"] = "feedback_buttons"
        assert who.block_action(FEEDBACK, payload=payload).status_code == 200

    click(slack, "good")
    wait_until(lambda: store.feedback_counts(slack.team_id)["good"] == 1)
    click(slack, "bad")  # changed their mind: still one verdict
    wait_until(lambda: store.feedback_counts(slack.team_id) == {"good": 0, "bad": 1})
    click(slack.as_user("U0BOB0001"), "good")
    wait_until(lambda: store.feedback_counts(slack.team_id) == {"good": 1, "bad": 1})
    assert store.feedback_counts("T0OTHER01") == {"good": 0, "bad": 0}
