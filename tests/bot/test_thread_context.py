"""An @mention inside a channel thread gives the assistant the thread (bounded, with names)."""

from __future__ import annotations

from typing import Any

import pytest
from slack_sdk import WebClient

from bot.devtools.fake_anthropic import reply
from bot.features import commands, conversation, platform
from bot.features import connect as connect_feature
from bot.features.threads import AuthorNames, read_thread
from tests.bot.test_conversation_support import *  # noqa: F403  (fixtures)
from tests.bot.test_conversation_support import connect, in_thread, tool_json

FOUNDER, PARTNER = "U0BOB0001", "U0CAROL01"


@pytest.fixture
def channel_app(chat_app_factory: Any) -> Any:
    return chat_app_factory(features=[platform, connect_feature, commands, conversation])


def seed_thread(fake: Any, channel: str) -> str:
    fake.set_user(FOUNDER, real_name="Bob Founder")
    fake.set_user(PARTNER, real_name="Carol Partner")
    root = fake.add_message(
        channel, "Acme just sent the term sheet: $4M at $20M pre.", user=FOUNDER
    )
    fake.add_message(
        channel, f"<@{FOUNDER}> great, let's sign by Friday", user=PARTNER, thread_ts=root
    )
    return root


def test_log_this_thread_proposes_one_note_with_the_threads_words(channel_app, api, sandbox):
    slack, fake = channel_app.slack, channel_app.fake
    connect(channel_app, slack.user_id, sandbox=sandbox)
    root = seed_thread(fake, slack.channel_id)
    seen: dict[str, str] = {}

    def search(request):
        seen["system"] = request.system_text
        return reply(None, ("affinity_search_organizations", {"term": "acme"}))

    def propose(request):
        org = tool_json(request)[0]["organizations"][0]
        thread = seen["system"].split("oldest first (author: text):\n", 1)[1]
        content = thread.split("\n</slack_context>", 1)[0]
        return reply(
            None, ("affinity_create_note", {"content": content, "organization_ids": [org["id"]]})
        )

    api.add(search, propose, reply("I've proposed one note with the thread; approve it."))
    slack.app_mention("log this thread on Acme", thread_ts=root)

    card = fake.wait_for(
        "chat.postEphemeral",
        lambda c: in_thread(slack.channel_id, root)(c) and "Proposed change" in c.text,
        timeout=15,
    )
    assert "Bob Founder: Acme just sent the term sheet" in seen["system"]
    assert "Carol Partner: @Bob Founder great, let's sign by Friday" in seen["system"]
    assert "log this thread on Acme" not in seen["system"]  # the request itself is the message
    assert "term sheet" in card.text
    assert [c.params["ts"] for c in fake.calls("conversations.replies")] == [root]
    cards = [c for c in fake.calls("chat.postEphemeral") if "Proposed change" in c.text]
    assert len(cards) == 1


def test_a_mention_outside_a_thread_reads_nothing(channel_app, api, sandbox):
    slack, fake = channel_app.slack, channel_app.fake
    connect(channel_app, slack.user_id, sandbox=sandbox)
    api.add(reply("Hello."))
    ts = slack.app_mention("hello").payload["event"]["ts"]

    fake.wait_for(
        "chat.postEphemeral", lambda c: in_thread(slack.channel_id, ts)(c) and "Hello" in c.text
    )
    assert fake.calls("conversations.replies") == []
    assert "<slack_context>" not in api.message_requests[0].system_text


def test_an_unreadable_thread_still_gets_an_answer(channel_app, api, sandbox):
    slack, fake = channel_app.slack, channel_app.fake
    connect(channel_app, slack.user_id, sandbox=sandbox)
    root = seed_thread(fake, slack.channel_id)
    fake.fail_next("conversations.replies", "missing_scope")
    api.add(reply("Answered without the thread."))
    slack.app_mention("what is this about?", thread_ts=root)

    fake.wait_for(
        "chat.postEphemeral", lambda c: "Answered without the thread" in c.text, timeout=15
    )
    assert "<slack_context>" not in api.message_requests[0].system_text


def test_a_long_thread_is_bounded_by_count_and_characters_keeping_its_first_message(fake_slack):
    client = WebClient(token="xoxb-test", base_url=fake_slack.api_url)
    root = fake_slack.add_message("C1", "The opening message", user=FOUNDER)
    for i in range(30):
        fake_slack.add_message(
            "C1", f"reply number {i:02d} " + "x" * 40, user=PARTNER, thread_ts=root
        )

    by_count = read_thread(client, "T1", "C1", root, AuthorNames(), max_messages=5)
    assert by_count is not None
    lines = by_count.render().splitlines()
    assert lines[0].endswith("The opening message")
    assert lines[1] == "[26 earlier message(s) of this thread left out]"
    assert [line.split("reply number ")[1][:2] for line in lines[2:]] == ["26", "27", "28", "29"]

    by_chars = read_thread(client, "T1", "C1", root, AuthorNames(), max_chars=400)
    assert by_chars is not None and len(by_chars.render()) <= 400 + 60
    assert by_chars.messages[-1].text.startswith("reply number 29")
    assert by_chars.omitted == 31 - len(by_chars.messages)
