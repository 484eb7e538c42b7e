"""DMs and mentions through the real app: routing, feedback, answers in the thread, memory."""

from __future__ import annotations

from bot.devtools.fake_anthropic import reply
from tests.bot.test_conversation_support import *  # noqa: F403  (fixtures)
from tests.bot.test_conversation_support import (
    STATUS_METHOD,
    connect,
    in_thread,
    leaks_anthropic_key,
    tool_json,
    wait_text,
)


def test_a_lookup_in_a_dm_answers_in_the_thread_after_a_status(chat_app, api, sandbox):
    slack, fake = chat_app.slack, chat_app.fake
    connect(chat_app, slack.user_id, sandbox=sandbox)

    def answer_from_tool(request):
        org = tool_json(request)[0]["organizations"][0]
        return reply(f"**{org['name']}** is at [{org['domain']}](https://{org['domain']}).")

    api.add(reply(None, ("affinity_search_organizations", {"term": "acme"})), answer_from_tool)
    sent = slack.message_im("what do we have on acme?")
    assert sent.status_code == 200
    ts = sent.payload["event"]["ts"]

    answer = wait_text(fake, "chat.postMessage", "acme.com")
    assert in_thread(slack.dm_channel, ts)(answer)
    assert answer["text"] == "*Acme* is at <https://acme.com|acme.com>."
    status = fake.wait_for(STATUS_METHOD)
    assert status["channel_id"] == slack.dm_channel and status["thread_ts"] == ts
    assert "looking that up in Affinity" in status["status"]
    assert status.at <= answer.at
    # the model got the user's identity and lists, and the tool ran with the user's key
    first = api.message_requests[0]
    assert "Maya Patel" in first.system_text and "Series A Pipeline (id 201" in first.system_text
    assert not leaks_anthropic_key(fake)
