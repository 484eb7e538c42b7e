"""DM answers streamed into the thread (chat.startStream / appendStream / stopStream) through the
real app, the fake Slack and the scripted Claude; and the fallbacks that lose nothing."""

from __future__ import annotations

import pytest

from bot.devtools.fake_anthropic import reply
from bot.features.conversation.markdown import to_stream_markdown
from bot.features.conversation.mrkdwn import to_mrkdwn
from bot.features.conversation.replies import PLACEHOLDER_TEXT
from bot.features.conversation.visibility import channel_visibility
from tests.bot.test_conversation_approvals import one_note_script
from tests.bot.test_conversation_stream_buffering import assert_shown_then_posted
from tests.bot.test_conversation_support import *  # noqa: F403  (fixtures)
from tests.bot.test_conversation_support import (
    STATUS_METHOD,
    card_of,
    connect,
    leaks_anthropic_key,
    wait_text,
)

ANSWER = "\n".join(
    [
        "**Acme Corp** is in the *Series A Pipeline* at the _Diligence_ stage.",
        "- Owner: Maya Patel, who met the founders in March & wrote the first memo.",
        "- Last note: the partner meeting went well; terms are expected in two weeks.",
        "- Website: [acme.com](https://acme.com) — they sell logistics software to retailers.",
        "## Next steps",
        "Schedule the reference calls and ask <finance> for the model before Friday's review.",
        "If the numbers hold, the deal team wants a term sheet out by the end of the month.",
    ]
)


@pytest.fixture
def streaming_app(monkeypatch, chat_app_factory):
    monkeypatch.setenv("AGENT_STREAM_ANSWERS", "true")
    return chat_app_factory()


def stream_calls(fake):
    return [c for c in fake.calls() if c.method.startswith("chat.") and "Stream" in c.method]


def streamed_text(fake) -> str:
    return "".join(c.params.get("markdown_text") or "" for c in stream_calls(fake))


def dm(app, text, sandbox, **options):
    connect(app, app.slack.user_id, sandbox=sandbox)
    return app.slack.message_im(text, **options).payload["event"]["ts"]


def test_a_dm_answer_is_streamed_in_chunks_into_the_thread(streaming_app, api, sandbox):
    fake = streaming_app.fake
    api.add(reply(ANSWER))
    ts = dm(streaming_app, "tell me about acme", sandbox)

    stop = fake.wait_for("chat.stopStream", timeout=15)
    calls = stream_calls(fake)
    methods = [c.method for c in calls]
    assert methods[0] == "chat.startStream" and methods[-1] == "chat.stopStream"
    assert 1 <= methods.count("chat.appendStream") <= 4  # buffered, not one call per token
    start = calls[0]
    assert start["channel"] == streaming_app.slack.dm_channel and start["thread_ts"] == ts
    assert len({c["ts"] for c in calls[1:]}) == 1 and stop["channel"] == start["channel"]
    streamed = streamed_text(fake)
    assert streamed == to_stream_markdown(ANSWER)  # Markdown, as Slack renders a stream
    assert streamed.startswith("**Acme Corp** is in the **Series A Pipeline** at the _Dil")
    assert "\n- Owner: Maya Patel" in streamed and "\n**Next steps**" in streamed
    assert "[acme.com](https://acme.com)" in streamed
    assert "&lt;finance&gt;" in streamed and "March &amp; wrote" in streamed  # escaped
    # the status came first, and the answer was not also posted as a message
    assert fake.wait_for(STATUS_METHOD).at <= start.at
    assert not [c for c in fake.calls("chat.postMessage") if "Acme" in c.text]
    message = next(
        m for m in fake.messages(streaming_app.slack.dm_channel) if m["ts"] == stop["ts"]
    )
    assert message["thread_ts"] == ts and message["text"] == to_stream_markdown(ANSWER)
    assert not leaks_anthropic_key(fake)


def test_each_steps_text_is_kept_apart_in_the_stream(streaming_app, api, sandbox):
    fake = streaming_app.fake
    api.add(
        reply("Let me look that up.", ("affinity_search_organizations", {"term": "acme"})),
        reply("Acme Corp is at acme.com."),
    )
    dm(streaming_app, "what do we have on acme?", sandbox)

    fake.wait_for("chat.stopStream", timeout=15)
    assert streamed_text(fake) == "Let me look that up.\n\nAcme Corp is at acme.com."
    assert not leaks_anthropic_key(fake)


def test_a_tool_step_after_streamed_text_shows_as_a_task_update(streaming_app, api, sandbox):
    """Once text streams, each tool step appears in the stream as a task (in progress, then
    complete when the next text arrives); the text itself is unchanged."""
    fake = streaming_app.fake
    api.add(
        reply("Let me look that up.", ("affinity_search_organizations", {"term": "acme"})),
        reply("Acme Corp is at acme.com."),
    )
    dm(streaming_app, "what do we have on acme?", sandbox)

    fake.wait_for("chat.stopStream", timeout=15)
    tasks = [
        (chunk["id"], chunk["title"], chunk["status"])
        for call in stream_calls(fake)
        for chunk in call.params.get("chunks") or []
        if chunk.get("type") == "task_update"
    ]
    title = "Searching organizations in Affinity…"
    assert tasks == [("step-1", title, "in_progress"), ("step-1", title, "complete")]
    assert streamed_text(fake) == "Let me look that up.\n\nAcme Corp is at acme.com."


def test_an_answer_cut_short_streams_the_note_too(streaming_app, api, sandbox):
    fake = streaming_app.fake
    api.add(reply("Acme Corp has three open deals", stop_reason="max_tokens"))
    dm(streaming_app, "how many open deals does acme have?", sandbox)

    fake.wait_for("chat.stopStream", timeout=15)
    assert streamed_text(fake).startswith("Acme Corp has three open deals  \n_")
    assert "cut short" in streamed_text(fake)


def test_a_workspace_that_refuses_streaming_gets_the_placeholder_and_is_remembered(
    streaming_app, api, sandbox
):
    slack, fake = streaming_app.slack, streaming_app.fake
    fake.fail_next(STATUS_METHOD, "missing_scope")
    fake.fail_next("chat.startStream", "missing_scope")
    api.add(reply(ANSWER), reply("Second answer, posted plainly."))
    ts = dm(streaming_app, "tell me about acme", sandbox)

    update = fake.wait_for("chat.update", lambda c: "Acme" in c.text, timeout=15)
    placeholder = fake.wait_for("chat.postMessage", lambda c: c.text == PLACEHOLDER_TEXT)
    assert placeholder["thread_ts"] == ts
    assert update["text"] == to_mrkdwn(ANSWER)
    replaced = [m for m in fake.messages(slack.dm_channel) if m["ts"] == update["ts"]]
    assert replaced and replaced[0]["thread_ts"] == ts
    assert [c.method for c in stream_calls(fake)] == ["chat.startStream"]

    slack.message_im("and a follow-up?", thread_ts=ts)
    fake.wait_for("chat.update", lambda c: "Second answer, posted plainly." in c.text)
    assert [c.method for c in stream_calls(fake)] == ["chat.startStream"]  # not tried again
    assert not leaks_anthropic_key(fake)


def test_a_transient_refusal_is_not_remembered(streaming_app, api, sandbox):
    slack, fake = streaming_app.slack, streaming_app.fake
    fake.fail_next("chat.startStream", "ratelimited")
    api.add(reply("First answer."), reply("Second answer."))
    ts = dm(streaming_app, "hello", sandbox)
    wait_text(fake, "chat.postMessage", "First answer.")

    slack.message_im("again", thread_ts=ts)
    fake.wait_for("chat.stopStream", timeout=15)
    retried = stream_calls(fake)[1:]  # after the refused start
    assert retried[0].method == "chat.startStream"
    assert "".join(c.params.get("markdown_text") or "" for c in retried) == "Second answer."


def test_a_stream_that_breaks_midway_delivers_the_rest_once(streaming_app, api, sandbox):
    fake = streaming_app.fake
    fake.fail_next("chat.appendStream", "internal_error")
    api.add(reply(ANSWER))
    ts = dm(streaming_app, "tell me about acme", sandbox)

    rest = fake.wait_for("chat.postMessage", lambda c: "term sheet" in c.text, timeout=15)
    fake.wait_for("chat.stopStream")
    assert rest["thread_ts"] == ts
    shown = fake.calls("chat.startStream")[0]["markdown_text"]
    assert_shown_then_posted(shown, [rest.text], ANSWER)
    replies = [
        m.get("text") or ""
        for m in fake.messages(streaming_app.slack.dm_channel)
        if m.get("thread_ts") == ts and m.get("bot_id")
    ]
    assert replies == [shown, rest.text]  # nothing lost, nothing twice


def test_a_turn_that_proposes_a_write_still_posts_the_card(streaming_app, api, sandbox):
    fake = streaming_app.fake
    one_note_script(api)
    dm(streaming_app, "log that the acme intro call went well", sandbox)

    card = card_of(fake)
    stop = fake.wait_for("chat.stopStream")
    streamed = streamed_text(fake)
    assert streamed.startswith("I've proposed the note; approve it to log it.\n\n")
    assert "Not done yet: nothing in Affinity has changed." in streamed  # the app's own words
    assert stop.at <= card.at
    assert "Intro call went well." in str(card.params["blocks"])
    assert not leaks_anthropic_key(fake)


def test_a_model_error_after_streamed_text_still_gets_its_line(streaming_app, api, sandbox):
    from bot.devtools.fake_anthropic import error

    fake = streaming_app.fake
    api.add(
        reply("Checking Affinity now.", ("affinity_search_organizations", {"term": "x"})),
        error(400, "invalid_request_error", "bad request"),
    )
    dm(streaming_app, "hi", sandbox)

    line = fake.wait_for("chat.postMessage", lambda c: c.text.startswith(":warning:"), timeout=15)
    assert fake.wait_for("chat.stopStream").at <= line.at
    assert streamed_text(fake) == "Checking Affinity now."


def test_mentions_in_a_public_channel_keep_the_placeholder_and_update(streaming_app, api, sandbox):
    """(In a private channel the answer is ephemeral and never streamed either: see
    test_conversation_channels.py.)"""
    slack, fake = streaming_app.slack, streaming_app.fake
    connect(streaming_app, slack.user_id, sandbox=sandbox)
    channel_visibility(streaming_app.services).set(
        slack.team_id, slack.channel_id, public=True, user_id="U0ADMIN01", identifier="T:U0ADMIN01"
    )
    api.add(reply("Here to help."))
    slack.app_mention("who knows the founder of acme?")

    update = fake.wait_for("chat.update", lambda c: "Here to help." in c.text, timeout=15)
    assert update["text"] == "Here to help."
    assert stream_calls(fake) == []


def test_streaming_is_the_default(monkeypatch, chat_app_factory, api, sandbox):
    monkeypatch.delenv("AGENT_STREAM_ANSWERS", raising=False)
    app = chat_app_factory()
    api.add(reply("**Streamed** by default."))
    dm(app, "hello", sandbox)
    app.fake.wait_for("chat.stopStream", timeout=15)
    assert streamed_text(app.fake) == "**Streamed** by default."
    assert not [c for c in app.fake.calls("chat.postMessage") if "Streamed" in c.text]


def test_the_setting_turns_streaming_off(monkeypatch, chat_app_factory, api, sandbox):
    monkeypatch.setenv("AGENT_STREAM_ANSWERS", "false")
    app = chat_app_factory()
    api.add(reply("**Posted** as a message."))
    ts = dm(app, "hello", sandbox)
    posted = wait_text(app.fake, "chat.postMessage", "as a message.")
    assert posted["thread_ts"] == ts and posted.text == "*Posted* as a message."
    assert stream_calls(app.fake) == []
