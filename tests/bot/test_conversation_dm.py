"""DMs and mentions through the real app: routing, feedback, answers in the thread, memory."""

from __future__ import annotations

import time

from bot.blocks.actions import CONNECT
from bot.devtools.fake_anthropic import reply
from bot.features import conversation, platform
from bot.features.conversation.replies import PLACEHOLDER_TEXT
from bot.features.conversation.timezones import today_in
from bot.features.conversation.visibility import channel_visibility
from tests.bot.test_conversation_support import *  # noqa: F403  (fixtures)
from tests.bot.test_conversation_support import (
    STATUS_METHOD,
    answer_with,
    answers,
    connect,
    in_thread,
    leaks_anthropic_key,
    tool_json,
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

    answer = answer_with(fake, "acme.com")
    assert answer.channel == slack.dm_channel and answer.thread_ts == ts
    assert answer.streamed and answer.text == "**Acme** is at [acme.com](https://acme.com)."
    status = fake.wait_for(STATUS_METHOD)
    assert status["channel_id"] == slack.dm_channel and status["thread_ts"] == ts
    assert "looking that up in Affinity" in status["status"]
    assert status.at <= answer.at
    # the model got the user's identity and lists, and the tool ran with the user's key
    first = api.message_requests[0]
    assert "Maya Patel" in first.system_text and "Series A Pipeline (id 201" in first.system_text
    assert not leaks_anthropic_key(fake)


def test_a_mention_in_a_public_channel_answers_in_its_thread_with_the_users_key(
    chat_app, api, sandbox
):
    slack, fake = chat_app.slack, chat_app.fake
    connect(chat_app, slack.user_id, sandbox=sandbox)
    channel_visibility(chat_app.services).set(
        slack.team_id, slack.channel_id, public=True, user_id="U0ADMIN01", identifier="T:U0ADMIN01"
    )
    api.add(reply("Here to help."))
    sent = slack.app_mention("  who knows   the founder of acme?")
    ts = sent.payload["event"]["ts"]

    placeholder = fake.wait_for("chat.postMessage", in_thread(slack.channel_id, ts))
    assert placeholder["text"] == PLACEHOLDER_TEXT
    answer = fake.wait_for("chat.update", lambda c: c.params.get("text") == "Here to help.")
    assert answer["channel"] == slack.channel_id
    assert fake.calls(STATUS_METHOD) == []  # the assistant status is for DMs
    last = api.message_requests[0].messages[-1]["content"][-1]["text"]
    assert last == "who knows the founder of acme?"


def test_someone_not_connected_gets_the_connect_button_and_claude_is_not_called(
    chat_app, api, sandbox
):
    slack, fake = chat_app.slack, chat_app.fake
    ts = slack.message_im("what's new with acme?").payload["event"]["ts"]
    prompt = fake.wait_for("chat.postMessage", in_thread(slack.dm_channel, ts))
    buttons = [
        e["action_id"] for b in prompt["blocks"] if b["type"] == "actions" for e in b["elements"]
    ]
    assert buttons == [CONNECT]
    assert api.message_requests == []


def test_without_the_status_scope_a_placeholder_is_replaced_by_the_answer(chat_app, api, sandbox):
    slack, fake = chat_app.slack, chat_app.fake
    connect(chat_app, slack.user_id, sandbox=sandbox)
    fake.fail_next(STATUS_METHOD, "missing_scope")
    api.add(reply("First answer."), reply("Second answer."))
    ts = slack.message_im("hello").payload["event"]["ts"]
    placeholder = fake.wait_for("chat.postMessage", in_thread(slack.dm_channel, ts))
    assert placeholder["text"] == PLACEHOLDER_TEXT
    first = answer_with(fake, "First answer.", thread_ts=ts)
    assert first.text == "First answer."
    # the streamed answer takes the placeholder's place: it is gone from the thread
    assert not [m for m in fake.messages(slack.dm_channel) if m["text"] == PLACEHOLDER_TEXT]

    slack.message_im("again", thread_ts=ts)  # the refusal is remembered: no second try
    assert answer_with(fake, "Second answer.", thread_ts=ts).text == "Second answer."
    assert len(fake.calls(STATUS_METHOD)) == 1
    assert len(fake.calls("chat.postMessage")) == 2  # a placeholder per turn


def test_a_follow_up_in_the_thread_works_on_a_rebuilt_app(chat_app, chat_app_factory, api, sandbox):
    slack, fake = chat_app.slack, chat_app.fake
    connect(chat_app, slack.user_id, sandbox=sandbox)
    api.add(
        reply(None, ("affinity_search_persons", {"term": "jane smith"})),
        reply("Jane Smith is the CEO of Acme."),
    )
    ts = slack.message_im("who is jane smith?").payload["event"]["ts"]
    answer_with(fake, "CEO of Acme")

    restarted = chat_app_factory(database_url=chat_app.database_url, upgrade=False)
    api.add(reply("She joined Acme in 2019."))
    restarted.slack.message_im("since when?", thread_ts=ts)
    answer = answer_with(fake, "joined Acme")
    assert answer.channel == slack.dm_channel and answer.thread_ts == ts
    history = api.message_requests[-1].messages
    assert history[0]["content"][0]["text"] == "who is jane smith?"
    assert any(
        b.get("type") == "tool_result" for m in history for b in m["content"] if isinstance(b, dict)
    )


def test_the_bot_ignores_its_own_messages_edits_and_other_bots(chat_app, api, sandbox):
    slack, fake = chat_app.slack, chat_app.fake
    connect(chat_app, slack.user_id, sandbox=sandbox)
    own = slack.message_im("I am the bot", user=fake.bot_user_id, bot_id=fake.bot_id)
    other_bot = slack.message_im("beep", bot_id="BOTHER001")
    edit = slack.event(
        {
            "type": "message",
            "subtype": "message_changed",
            "channel_type": "im",
            "channel": slack.dm_channel,
            "hidden": True,
            "ts": "1700000000.000200",
            "message": {
                "type": "message",
                "user": slack.user_id,
                "text": "edited",
                "ts": "1700000000.000100",
            },
        }
    )
    assert {own.status_code, other_bot.status_code, edit.status_code} == {200}
    api.add(reply("Only this one."))
    slack.message_im("a real question")
    answer_with(fake, "Only this one.")
    assert len(api.message_requests) == 1
    assert [a.text for a in answers(fake)] == ["Only this one."]


def test_without_an_anthropic_key_free_text_says_what_to_configure(slack_app_factory, sandbox, api):
    harness = slack_app_factory(features=[platform, conversation])
    slack, fake = harness.slack, harness.fake
    ts = slack.message_im("who knows the founder of acme best?").payload["event"]["ts"]
    said = fake.wait_for("chat.postMessage", in_thread(slack.dm_channel, ts))
    assert "ANTHROPIC_API_KEY" in said.text
    shown = " ".join(
        b.get("text", {}).get("text", "")
        if b["type"] == "section"
        else " ".join(e["text"] for e in b.get("elements", []))
        for b in said.params["blocks"]
    )
    assert len(said.params["blocks"]) == 2 and len(shown) < 400  # one line, not the whole help
    assert "`person jane smith`" in shown and "`deals series a`" in shown
    assert harness.services.agent is None and api.requests == []


def test_without_an_anthropic_key_a_name_gets_the_lookup_it_probably_meant(
    slack_app_factory, sandbox, api
):
    harness = slack_app_factory(features=[platform, conversation])
    slack, fake = harness.slack, harness.fake
    ts = slack.message_im("Jane Smith").payload["event"]["ts"]
    said = fake.wait_for("chat.postMessage", in_thread(slack.dm_channel, ts))
    assert "Did you mean `person Jane Smith`?" in said.text


def test_without_an_anthropic_key_dm_commands_still_run(slack_app_factory, sandbox):
    harness = slack_app_factory(features=[platform, conversation])
    slack, fake = harness.slack, harness.fake
    connect(harness, slack.user_id, sandbox=sandbox)
    ts = slack.message_im("lists").payload["event"]["ts"]
    said = fake.wait_for(
        "chat.postMessage",
        lambda c: in_thread(slack.dm_channel, ts)(c) and "Series A Pipeline" in c.text,
        timeout=10,
    )
    assert "ANTHROPIC_API_KEY" not in said.text


def test_a_retried_dm_delivery_runs_one_turn(chat_app, api, sandbox):
    slack, fake = chat_app.slack, chat_app.fake
    connect(chat_app, slack.user_id, sandbox=sandbox)
    api.add(reply("Once."), reply("Twice?!"))
    sent = slack.message_im("hello")
    again = slack.event(sent.payload["event"], event_id=sent.payload["event_id"], retry_num=1)
    assert again.status_code == 200
    answer_with(fake, "Once.")
    time.sleep(0.3)  # a second turn, had it started, would have reached Claude by now
    assert len(api.message_requests) == 1


def test_with_the_assistant_commands_still_run_and_plain_words_go_to_claude(chat_app, api, sandbox):
    slack, fake = chat_app.slack, chat_app.fake
    connect(chat_app, slack.user_id, sandbox=sandbox)
    ts = slack.message_im("lists").payload["event"]["ts"]
    fake.wait_for(
        "chat.postMessage",
        lambda c: in_thread(slack.dm_channel, ts)(c) and "Series A Pipeline" in c.text,
        timeout=10,
    )
    assert api.message_requests == []

    api.add(reply("I can propose that note."))
    slack.message_im("add a note to acme saying the call went well")
    answer_with(fake, "I can propose that note.")
    assert len(api.message_requests) == 1


def test_today_is_the_users_today_from_their_slack_time_zone(chat_app, api, sandbox):
    slack, fake = chat_app.slack, chat_app.fake
    connect(chat_app, slack.user_id, sandbox=sandbox)
    fake.set_user(slack.user_id, tz="Pacific/Kiritimati")
    api.add(reply("Noted."), reply("Noted again."))
    slack.message_im("what day is it?")
    answer_with(fake, "Noted.")
    expected = today_in("Pacific/Kiritimati").isoformat()
    assert f"Today is {expected} (Pacific/Kiritimati)" in api.message_requests[0].system_text

    other = slack.as_user("U0NOTZ001")
    connect(chat_app, other.user_id, sandbox=sandbox)
    fake.fail_next("users.info", "missing_scope")
    other.message_im("and for me?")
    answer_with(fake, "Noted again.")
    assert "(UTC)" in api.message_requests[1].system_text
