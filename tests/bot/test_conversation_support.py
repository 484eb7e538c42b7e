"""Shared fixtures and helpers for the conversation tests (imported by test_conversation_*.py).

The real app (every feature) over signed HTTP, the fake Slack, the Affinity sandbox behind the
connector, and `ScriptedAnthropic` as Claude (real HTTP, the real SDK).
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from affinity_client import AffinityClient, run_tool
from affinity_client.sandbox import seed
from bot.agent.tables import read_result
from bot.devtools.fake_anthropic import RecordedRequest, ScriptedAnthropic
from bot.devtools.fake_slack import FakeSlack, RecordedCall
from bot.features import conversation, platform
from vault import AffinityProfile
from vault.records import AffinityList

# Fixtures, for `from tests.bot.test_conversation_support import *` in the test modules.
__all__ = ["agent_limits", "api", "chat_app", "chat_app_factory"]

ANTHROPIC_TEST_KEY = "fake-anthropic-key-conversation"
SERIES_A = seed.LISTS["Series A Pipeline"]
STATUS_METHOD = "assistant.threads.setStatus"


@pytest.fixture
def api() -> Iterator[ScriptedAnthropic]:
    with ScriptedAnthropic() as server:
        yield server


@pytest.fixture
def agent_limits(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fast failure paths: one SDK retry, short timeouts."""
    monkeypatch.setenv("AGENT_MAX_RETRIES", "1")
    monkeypatch.setenv("AGENT_REQUEST_TIMEOUT", "10")
    monkeypatch.setenv("AGENT_TURN_TIME_BUDGET", "30")


@pytest.fixture
def chat_app_factory(
    slack_app_factory: Callable[..., Any], api: ScriptedAnthropic, agent_limits: None, sandbox: Any
) -> Callable[..., Any]:
    """The real app with the assistant configured against the scripted Claude.

    Built with the platform and conversation features only (pass `features=` for more), so that
    these tests do not depend on the state of unrelated features.
    """

    def make(**overrides: Any) -> Any:
        # The agent's limits as the app reads them at start-up: from the environment, which
        # tests set with monkeypatch (`agent_limits`, AGENT_STREAM_ANSWERS...).
        limits = {name: value for name, value in os.environ.items() if name.startswith("AGENT_")}
        values = {
            "anthropic_api_key": ANTHROPIC_TEST_KEY,
            "anthropic_base_url": api.base_url,
            "features": [platform, conversation],
            **limits,
        }
        return slack_app_factory(**{**values, **overrides})

    return make


@pytest.fixture
def chat_app(chat_app_factory: Callable[..., Any]) -> Any:
    return chat_app_factory()


def connect(
    harness: Any,
    user_id: str,
    key: str = seed.ADMIN_KEY,
    *,
    team_id: str | None = None,
    sandbox: Any,
) -> str:
    """Store a verified key for a Slack user, as the connect modal would. Returns the identifier."""
    from bot.connector import CONNECTION, identifier_for

    client = AffinityClient(key, base_url=sandbox.base_url)
    try:
        profile = AffinityProfile.from_whoami(_v2_whoami(client.whoami()))
        lists = [
            AffinityList(x["id"], x["name"], x["type"])
            for x in run_tool(client, "affinity_list_lists", {})["lists"]
        ]
    finally:
        client.close()
    identifier = identifier_for(team_id or harness.slack.team_id, user_id)
    harness.services.vault.connect(CONNECTION, identifier, key, profile, lists)
    return identifier


def _v2_whoami(body: dict[str, Any]) -> dict[str, Any]:
    user = body["user"]
    first, _, last = (user.get("name") or "").partition(" ")
    return {
        "user": {
            "id": user["id"],
            "firstName": first,
            "lastName": last,
            "emailAddress": user.get("email"),
        },
        "tenant": body["tenant"],
    }


def in_thread(channel: str, thread_ts: str) -> Callable[[RecordedCall], bool]:
    return lambda c: c.params.get("channel") == channel and c.params.get("thread_ts") == thread_ts


def wait_text(fake: FakeSlack, method: str, needle: str, timeout: float = 10.0) -> RecordedCall:
    return fake.wait_for(method, lambda c: needle in c.text, timeout=timeout)


@dataclass(frozen=True)
class Answer:
    """A reply of the bot as the user sees it in the thread: a posted message (or the
    placeholder it replaced), or a stream once `chat.stopStream` finished it."""

    text: str
    channel: str
    ts: str
    thread_ts: str | None
    at: float  # when the user saw it complete
    streamed: bool


def answers(fake: FakeSlack, channel: str | None = None) -> list[Answer]:
    """Every finished reply of the bot (posts, placeholder updates, finished streams), in the
    order they were complete."""
    found = []
    for call in fake.calls():
        if call.method not in ("chat.postMessage", "chat.update", "chat.stopStream"):
            continue
        where = call.params.get("channel")
        if channel is not None and where != channel:
            continue
        streamed = call.method == "chat.stopStream"
        stored = (
            _stored(fake, where, call.params.get("ts"))
            if call.method != ("chat.postMessage")
            else None
        )
        text = stored["text"] if streamed and stored else call.text
        thread_ts = call.params.get("thread_ts") or (stored or {}).get("thread_ts")
        found.append(Answer(text, where, call.params.get("ts") or "", thread_ts, call.at, streamed))
    return found


def answer_with(
    fake: FakeSlack,
    needle: str,
    *,
    channel: str | None = None,
    thread_ts: str | None = None,
    timeout: float = 10.0,
) -> Answer:
    """The bot's reply containing `needle` (posted or streamed), waiting up to `timeout`."""

    def find() -> Answer | None:
        return next(
            (
                a
                for a in answers(fake, channel)
                if needle in a.text and (thread_ts is None or a.thread_ts == thread_ts)
            ),
            None,
        )

    try:
        return wait_until(find, timeout=timeout)
    except AssertionError:
        seen = [a.text for a in answers(fake, channel)]
        raise AssertionError(
            f"no answer containing {needle!r} within {timeout}s; answers seen: {seen}"
        ) from None


def _stored(fake: FakeSlack, channel: str | None, ts: str | None) -> dict[str, Any] | None:
    return next((m for m in fake.messages(channel or "") if m["ts"] == ts), None)


def posts_in(fake: FakeSlack, channel: str, thread_ts: str) -> list[RecordedCall]:
    return [c for c in fake.calls("chat.postMessage") if in_thread(channel, thread_ts)(c)]


def card_of(fake: FakeSlack) -> RecordedCall:
    """The confirmation card the bot posted (waits for it)."""
    return fake.wait_for(
        "chat.postMessage",
        lambda c: any(
            (b.get("block_id") or "").startswith(("agent_item:", "agent_all:"))
            for b in c.params.get("blocks") or []
        ),
        timeout=15,
    )


def button_value(card: RecordedCall, action_id: str, index: int = 0) -> str:
    values = [
        e["value"]
        for b in card.params["blocks"]
        if b.get("type") == "actions"
        for e in b["elements"]
        if e.get("action_id") == action_id
    ]
    return values[index]


def today_from(request: RecordedRequest) -> str:
    """The date the system prompt gives the model (as Claude would read it)."""
    text = request.system_text
    return text.split("Today is ", 1)[1][:10]


def tool_json(request: RecordedRequest) -> list[Any]:
    """The JSON tool results the model was just given (error texts as plain strings)."""
    out = []
    for text in request.tool_result_texts():
        try:
            out.append(read_result(text))
        except ValueError:
            out.append(text)
    return out


def wait_until(check: Callable[[], Any], timeout: float = 10.0) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        time.sleep(0.02)


def leaks_anthropic_key(fake: FakeSlack) -> bool:
    return ANTHROPIC_TEST_KEY in json.dumps([c.params for c in fake.calls()])


def card_message(fake: FakeSlack, channel: str, ts: str | None = None) -> dict[str, Any]:
    """The stored confirmation card (its ts and current blocks) in `channel`: the message `ts`,
    or the first one with card buttons."""

    def find() -> dict[str, Any] | None:
        for message in fake.messages(channel):
            if ts is not None:
                if message["ts"] == ts:
                    return message
            elif any(
                (b.get("block_id") or "").startswith(("agent_item:", "agent_all:"))
                for b in message.get("blocks") or []
            ):
                return message
        return None

    return wait_until(find)


def item_states(blocks: list[dict[str, Any]]) -> list[str]:
    """The state line under each item of a rendered card ("pending" while it has buttons)."""
    states = []
    for block in blocks:
        if (block.get("block_id") or "").startswith("agent_item:"):
            states.append("pending")
        elif block.get("type") == "context" and states is not None:
            text = block["elements"][0]["text"]
            if text.startswith(":"):
                states.append(text)
    return states


def click(
    slack: Any, card: dict[str, Any], channel: str, action_id: str, value: str, **options: Any
) -> Any:
    return slack.block_action(
        action_id, value, message_ts=card["ts"], channel_id=channel, **options
    )
