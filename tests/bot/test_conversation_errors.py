"""Failures in a conversation: Claude's API errors, a key revoked mid-conversation, a tool error."""

from __future__ import annotations

import json

from affinity_client.sandbox import seed
from bot.agent.model_errors import BUSY
from bot.devtools.fake_anthropic import overloaded, rate_limited, reply
from bot.features.conversation.mrkdwn import EMPTY_ANSWER_TEXT
from tests.bot.test_conversation_support import *  # noqa: F403  (fixtures)
from tests.bot.test_conversation_support import (
    answer_with,
    answers,
    connect,
    in_thread,
    posts_in,
    tool_json,
    wait_text,
)


def test_a_rate_limit_is_retried_then_answered(chat_app, api, sandbox):
    slack, fake = chat_app.slack, chat_app.fake
    connect(chat_app, slack.user_id, sandbox=sandbox)
    api.add(rate_limited(0.01), reply("Hello! Ask me about your deals."))
    ts = slack.message_im("hi").payload["event"]["ts"]
    answer = answer_with(fake, "Ask me about your deals")
    assert answer.channel == slack.dm_channel and answer.thread_ts == ts
    assert answer.text == "Hello! Ask me about your deals."
    assert [a.text for a in answers(fake)] == [answer.text]  # answered once, not per attempt
    assert len(api.message_requests) == 2


def test_claude_overloaded_gets_one_line_in_the_thread(chat_app, api, sandbox):
    slack, fake = chat_app.slack, chat_app.fake
    connect(chat_app, slack.user_id, sandbox=sandbox)
    api.add(overloaded(), overloaded())  # AGENT_MAX_RETRIES=1: two attempts
    ts = slack.message_im("what's in our series a pipeline?").payload["event"]["ts"]
    said = wait_text(fake, "chat.postMessage", BUSY)
    assert in_thread(slack.dm_channel, ts)(said)
    assert said["text"] == f":warning: {BUSY}"
    assert len(posts_in(fake, slack.dm_channel, ts)) == 1


def test_a_key_revoked_mid_conversation_gets_the_reconnect_prompt(chat_app, api, sandbox):
    slack, fake = chat_app.slack, chat_app.fake
    connect(chat_app, slack.user_id, sandbox=sandbox)
    api.add(reply(None, ("affinity_list_lists", {})), reply("You have 8 lists."))
    ts = slack.message_im("what lists do I have?").payload["event"]["ts"]
    answer_with(fake, "You have 8 lists.", thread_ts=ts)

    sandbox.state.revoke_key(seed.ADMIN_KEY)
    api.add(reply(None, ("affinity_search_persons", {"term": "jane"})))
    slack.message_im("and who is jane?", thread_ts=ts)
    prompt = fake.wait_for(
        "chat.postMessage",
        lambda c: (
            in_thread(slack.dm_channel, ts)(c)
            and "Reconnect" in json.dumps(c.params.get("blocks") or [])
        ),
    )
    assert "stopped working" in prompt.text
    assert len(api.message_requests) == 3  # the turn stopped at the rejected key
    assert seed.ADMIN_KEY not in json.dumps([r.body for r in api.requests])
    assert seed.ADMIN_KEY not in json.dumps([c.params for c in fake.calls()])

    # the next message gets the prompt straight away, without calling Claude
    slack.message_im("hello?", thread_ts=ts)
    fake.wait_for(
        "chat.postMessage",
        lambda c: (
            in_thread(slack.dm_channel, ts)(c)
            and c is not prompt
            and "Reconnect" in json.dumps(c.params.get("blocks") or [])
        ),
    )
    assert len(api.message_requests) == 3


def test_a_tool_error_reaches_the_model_and_the_user_sees_its_answer(chat_app, api, sandbox):
    slack, fake = chat_app.slack, chat_app.fake
    connect(chat_app, slack.user_id, seed.STANDARD_KEY, sandbox=sandbox)

    def explain(request):
        result = request.tool_results()[0]
        assert result.get("is_error") is True
        assert "Traceback" not in tool_json(request)[0]
        return reply("You don't have access to that list in Affinity.")

    api.add(
        reply(None, ("affinity_list_opportunities", {"list_id": seed.PRIVATE_LIST_ID})), explain
    )
    slack.message_im("show me the partners only deals")
    answer_with(fake, "You don't have access to that list")
    assert api.step_errors == []


def test_no_key_reaches_slack_claude_or_the_logs(chat_app, api, sandbox, caplog):
    import logging

    from tests.bot.test_conversation_support import ANTHROPIC_TEST_KEY

    caplog.set_level(logging.DEBUG)
    slack, fake = chat_app.slack, chat_app.fake
    connect(chat_app, slack.user_id, sandbox=sandbox)
    api.add(
        reply(None, ("affinity_search_organizations", {"term": "acme"})),
        reply(
            None,
            ("affinity_create_note", {"content": "hi", "organization_ids": [seed.ACME_ORG_ID]}),
        ),
        reply("Proposed."),
    )
    slack.message_im("please log hi on acme")
    wait_text(fake, "chat.postMessage", "Proposed change")
    sandbox.state.revoke_key(seed.ADMIN_KEY)
    api.add(reply(None, ("affinity_list_lists", {})))
    slack.message_im("my lists?")
    fake.wait_for(
        "chat.postMessage", lambda c: "Reconnect" in json.dumps(c.params.get("blocks") or [])
    )

    seen = (
        json.dumps([c.params for c in fake.calls()])
        + json.dumps([r.body for r in api.requests])
        + caplog.text
    )
    for secret in (seed.ADMIN_KEY, ANTHROPIC_TEST_KEY):
        assert secret not in seen


def test_an_empty_answer_says_so_in_plain_words(chat_app, api, sandbox):
    slack, fake = chat_app.slack, chat_app.fake
    connect(chat_app, slack.user_id, sandbox=sandbox)
    api.add(reply(""))
    ts = slack.message_im("hi").payload["event"]["ts"]
    said = wait_text(fake, "chat.postMessage", EMPTY_ANSWER_TEXT)
    assert in_thread(slack.dm_channel, ts)(said)
    assert [c.params["text"] for c in posts_in(fake, slack.dm_channel, ts)] == [EMPTY_ANSWER_TEXT]
