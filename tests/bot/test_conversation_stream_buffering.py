"""AnswerStream on its own: how it buffers and cuts the model's text, with a recording client."""

from __future__ import annotations

import logging
from typing import Any

import pytest
from slack_sdk.errors import SlackApiError
from slack_sdk.models.messages.chunk import MarkdownTextChunk
from slack_sdk.web.chat_stream import ChatStream

from bot.agent import AgentSettings
from bot.features.conversation import streaming
from bot.features.conversation.markdown import to_stream_markdown
from bot.features.conversation.mrkdwn import to_mrkdwn
from bot.features.conversation.replies import TeamRefusals, ThreadReply
from bot.features.conversation.streaming import AnswerStream


class Client:
    """Records chat.* calls; `fail` maps a method to the error code of its next call."""

    def __init__(self, **fail: str) -> None:
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self.fail = dict(fail)

    def _call(self, method: str, **params: Any) -> dict[str, Any]:
        chunks = params.pop("chunks", None) or []  # what WebClient.chat_stream() sends
        text = "".join(chunk.text for chunk in chunks if isinstance(chunk, MarkdownTextChunk))
        if text:
            params["markdown_text"] = text
        params.pop("token", None)
        self.calls.append((method, params))
        code = self.fail.pop(method, None)
        if code:
            raise SlackApiError(code, {"ok": False, "error": code})
        return {"ok": True, "ts": "9.9"}

    def chat_stream(self, **params: Any) -> ChatStream:
        return ChatStream(self, logger=logging.getLogger("test"), **params)  # type: ignore[arg-type]

    def __getattr__(self, name: str) -> Any:
        if name.startswith("chat_"):
            return lambda **params: self._call(name, **params)
        raise AttributeError(name)

    def methods(self) -> list[str]:
        return [m for m, _ in self.calls]

    def streamed(self) -> str:
        return "".join(p.get("markdown_text") or "" for m, p in self.calls if "Stream" in m)

    def posted(self) -> list[str]:
        return [p["text"] for m, p in self.calls if m == "chat_postMessage"]


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def make(
    client: Client, clock: Clock | None = None, refusals: TeamRefusals | None = None
) -> AnswerStream:
    reply = ThreadReply(client, "D1", "1.1", "T1", True, TeamRefusals())
    return AnswerStream(reply, "U1", refusals or TeamRefusals(), clock=clock or Clock())


def feed_tokens(
    stream: AnswerStream, text: str, size: int = 3, clock: Clock | None = None, step: float = 0.0
) -> None:
    for i in range(0, len(text), size):
        if clock is not None:
            clock.now += step
        stream.feed(text[i : i + size])


def assert_shown_then_posted(shown: str, posted: list[str], raw: str) -> None:
    """The stream shows the first lines of `raw` as Markdown, the messages the rest as mrkdwn:
    every line exactly once, in order."""
    lines = raw.split("\n")
    count = shown.count("\n") + 1
    assert shown == to_stream_markdown("\n".join(lines[:count]))
    assert "\n".join(posted) == to_mrkdwn("\n".join(lines[count:]))


LINES = "\n".join(f"Line {n}: **deal {n}** moved to diligence & needs a memo." for n in range(30))


def test_tokens_are_buffered_into_a_few_calls_and_add_up_to_the_answer():
    client = Client()
    stream = make(client)
    feed_tokens(stream, LINES)
    assert stream.finish() is True
    methods = client.methods()
    assert methods[0] == "chat_startStream" and methods[-1] == "chat_stopStream"
    assert len(methods) <= len(LINES) // streaming.FLUSH_CHARS + 3
    assert client.streamed() == to_stream_markdown(LINES)
    assert "**deal 29**" in client.streamed() and "&amp;" in client.streamed()
    start = client.calls[0][1]
    assert start["thread_ts"] == "1.1" and start["recipient_user_id"] == "U1"


def test_a_slow_model_is_flushed_every_half_second_at_a_word_boundary():
    client, clock = Client(), Clock()
    stream = make(client, clock)
    text = "Acme is a logistics company based in Berlin"
    feed_tokens(stream, text, clock=clock, step=0.2)
    methods = client.methods()  # 15 tokens over 3 s: about one call per 0.6 s, not 15
    assert methods[0] == "chat_startStream" and 3 <= len(methods) <= 6
    words = set(text.split(" "))
    for _, params in client.calls:  # whole words only
        assert all(w in words for w in params["markdown_text"].split())
    stream.finish()
    assert client.streamed() == "Acme is a logistics company based in Berlin"


def test_a_markdown_link_is_never_sent_half_converted():
    client, clock = Client(), Clock()
    stream = make(client, clock)
    text = "See the deck at [Acme Series A deck](https://acme.com/deck) before the call."
    feed_tokens(stream, text, size=2, clock=clock, step=0.3)
    stream.finish()
    assert client.streamed() == to_stream_markdown(text)
    assert "[Acme Series A deck](https://acme.com/deck)" in client.streamed()
    sent = [p.get("markdown_text", "") for m, p in client.calls if "Stream" in m]
    assert all(chunk.count("[") == chunk.count("](") for chunk in sent)  # never half a link


def test_nothing_is_sent_into_an_open_code_block_until_it_closes():
    client, clock = Client(), Clock()
    stream = make(client, clock)
    text = "Query:\n```\nselect *\nfrom deals <x>\n```\nDone."
    feed_tokens(stream, text, size=4, clock=clock, step=0.6)
    stream.finish()
    assert client.streamed() == to_stream_markdown(text)
    sent = [p.get("markdown_text", "") for m, p in client.calls if "Stream" in m]
    assert all(chunk.count("```") % 2 == 0 for chunk in sent)


def test_a_refused_start_falls_back_and_only_lasting_refusals_are_remembered():
    refusals = TeamRefusals()
    client = Client(chat_startStream="not_allowed")
    stream = make(client, refusals=refusals)
    feed_tokens(stream, LINES)
    assert stream.finish() is False  # the caller posts the answer
    assert client.methods() == ["chat_startStream"] and not refusals.allowed("T1")

    refusals = TeamRefusals()
    stream = make(Client(chat_startStream="ratelimited"), refusals=refusals)
    stream.feed("Hello.")
    assert stream.finish() is False and refusals.allowed("T1")


def test_a_broken_stream_posts_exactly_the_rest():
    client = Client(chat_appendStream="internal_error")
    stream = make(client)
    feed_tokens(stream, LINES)
    assert stream.finish() is True
    assert client.methods().count("chat_appendStream") == 1  # not retried after breaking
    assert "chat_stopStream" in client.methods()
    assert_shown_then_posted(client.calls[0][1]["markdown_text"], client.posted(), LINES)


def test_a_failed_stop_loses_nothing_and_posts_nothing():
    client = Client(chat_stopStream="internal_error")
    stream = make(client)
    feed_tokens(stream, LINES)
    assert stream.finish() is True
    assert client.streamed() == to_stream_markdown(LINES) and client.posted() == []


def test_an_answer_past_the_stream_limit_continues_as_messages(monkeypatch):
    monkeypatch.setattr(streaming, "STREAM_TEXT_LIMIT", 500)
    client = Client()
    stream = make(client)
    feed_tokens(stream, LINES)
    stream.finish()
    shown = client.streamed()
    assert len(shown) <= 500
    assert_shown_then_posted(shown, client.posted(), LINES)


def test_a_bug_while_streaming_never_reaches_the_model_turn(monkeypatch):
    client = Client()
    stream = make(client)

    def broken(_text: str) -> str:
        raise RuntimeError("converter bug")

    monkeypatch.setattr(streaming, "to_stream_markdown", broken)
    feed_tokens(stream, LINES)  # does not raise
    assert client.calls == []


def test_no_text_means_no_stream():
    client = Client()
    assert make(client).finish() is False and client.calls == []


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("", True), ("true", True), ("ON", True), ("0", False), ("no", False), ("off", False)],
)
def test_stream_answers_setting(raw, expected):
    assert AgentSettings.from_env({"AGENT_STREAM_ANSWERS": raw}).stream_answers is expected


def test_streaming_is_on_by_default():
    assert AgentSettings.from_env({}).stream_answers is True
    assert AgentSettings().stream_answers is True


def test_a_malformed_stream_answers_setting_says_which():
    with pytest.raises(ValueError, match="AGENT_STREAM_ANSWERS"):
        AgentSettings.from_env({"AGENT_STREAM_ANSWERS": "maybe"})


def test_a_bug_at_the_end_leaves_the_answer_to_the_caller(monkeypatch):
    client = Client()
    stream = make(client)
    stream.feed("Short answer.")

    def broken(_text: str) -> str:
        raise RuntimeError("converter bug")

    monkeypatch.setattr(streaming, "to_stream_markdown", broken)
    assert stream.finish() is False and client.calls == []  # the caller posts the answer


@pytest.mark.parametrize(
    "text",
    [
        "• *Acme Corp* moved to _Diligence stage_ today, ~Intro~ is done\n• *Beta* waits",
        "- **Acme** moved\n> a quoted line from the memo\n1. first step to take now",
        "Owner: Maya\nStage: Diligence & terms <soon>\n\nSee <https://acme.com|the Acme deck> now",
    ],
)
def test_a_slow_answer_streams_exactly_the_markdown_of_the_whole(text):
    client, clock = Client(), Clock()
    stream = make(client, clock)
    feed_tokens(stream, text, size=2, clock=clock, step=0.6)  # a flush is due at every token
    assert stream.finish() is True
    assert client.streamed() == to_stream_markdown(text) and client.posted() == []


def test_text_that_cannot_continue_the_stream_is_posted_not_lost(monkeypatch):
    client, clock = Client(), Clock()
    stream = make(client, clock)
    stream.feed("First line.\n")
    clock.now += 1
    stream.feed("Sec")  # due: "First line." is streamed
    monkeypatch.setattr(streaming, "to_stream_markdown", lambda text: "Rewritten " + text)
    stream.feed("ond line.")
    assert stream.finish() is True
    assert client.streamed() == "First line." and client.posted() == ["Second line."]
