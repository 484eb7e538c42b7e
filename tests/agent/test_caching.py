"""Prompt caching under the API's rules (minimum prefix per model, 20-block look-back, at
most four breakpoints), as the scripted Messages API implements them."""

from __future__ import annotations

import itertools

import anthropic
import pytest

from bot.devtools.fake_anthropic import ScriptedAnthropic, _PromptCache, reply
from tests.agent.conftest import RecordingExecutor

SEARCH = "affinity_search_persons"


def _total(usage: dict[str, int]) -> int:
    return (
        usage["input_tokens"]
        + usage["cache_read_input_tokens"]
        + usage["cache_creation_input_tokens"]
    )


def _prefix_tokens(request) -> int:
    """Tokens of the tools and the system prompt of a recorded request."""
    return _PromptCache.count({"tools": request.tools, "system": request.system})


def test_a_second_turn_reads_tools_system_and_history_from_the_cache(api, agent, user, thread):
    many = [(SEARCH, {"term": f"p{i}"}) for i in range(25)]  # 50 blocks: past the look-back
    api.add(reply(None, *many), reply("25 people."), reply("Hello again."))
    execute = RecordingExecutor({SEARCH: lambda _: {"persons": []}})
    first = agent.respond(thread, user, "find them all", execute)
    second = agent.respond(thread, user, "thanks", execute)

    usage = [*first.usage, *second.usage]
    assert usage[0]["cache_read_input_tokens"] == 0  # nothing cached yet
    assert usage[0]["cache_creation_input_tokens"] == _total(usage[0])
    prefix = _prefix_tokens(api.message_requests[0])
    for before, after in itertools.pairwise(usage):
        # each request reads all of the one before (tools, system, history): nothing is
        # written twice, so no breakpoint is wasted on a prefix that is already cached
        assert after["cache_read_input_tokens"] == _total(before)
        assert after["cache_read_input_tokens"] >= prefix
    assert all(len(_breakpoints(r)) <= 3 for r in api.message_requests)


def _breakpoints(request) -> list[str]:
    marks = [f"tool {t['name']}" for t in request.tools if "cache_control" in t]
    marks += ["system" for b in request.system if "cache_control" in b]
    marks += [
        f"message {i}"
        for i, m in enumerate(request.messages)
        if isinstance(m["content"], list)
        for b in m["content"]
        if "cache_control" in b
    ]
    return marks


def test_the_rules_breakpoint_is_shared_by_every_user(api, agent, user, thread):
    from dataclasses import replace

    from bot.agent import ThreadKey

    api.add(reply("hi Maya"), reply("hi Daniel"))
    agent.respond(thread, user, "hi", RecordingExecutor())
    daniel = replace(user, identifier="T1:U_DANIEL", affinity_user_name="Daniel Okafor")
    agent.respond(ThreadKey("T1", "D_DANIEL", "2.0"), daniel, "hi", RecordingExecutor())
    first, other = api.message_requests
    tools_and_rules = _PromptCache.count({"tools": first.tools, "system": first.system[:1]})
    assert other.response_body["usage"]["cache_read_input_tokens"] == tools_and_rules


def _client(server: ScriptedAnthropic) -> anthropic.Anthropic:
    return anthropic.Anthropic(api_key="test", base_url=server.base_url, max_retries=0)


def _body(blocks: int, *, marks: tuple[int, ...], size: int = 400) -> dict:
    content = [{"type": "text", "text": f"{i} " + "x" * size} for i in range(blocks)]
    for i in marks:
        content[i] = {**content[i], "cache_control": {"type": "ephemeral"}}
    return {
        "model": "claude-sonnet-4-6",
        "max_tokens": 10,
        "messages": [{"role": "user", "content": content}],
    }


def test_the_fake_finds_a_cached_prefix_within_20_blocks_of_a_breakpoint():
    with ScriptedAnthropic([reply("a")] * 2, min_cache_tokens=0) as server:
        client = _client(server)
        first = client.messages.create(**_body(5, marks=(4,)))
        near = client.messages.create(**_body(24, marks=(23,)))  # 19 blocks after block 4
        assert near.usage.cache_read_input_tokens == first.usage.cache_creation_input_tokens


def test_the_fake_misses_a_prefix_beyond_the_look_back():
    with ScriptedAnthropic([reply("a")] * 2, min_cache_tokens=0) as server:
        client = _client(server)
        client.messages.create(**_body(5, marks=(4,)))
        far = client.messages.create(**_body(30, marks=(29,)))
        assert far.usage.cache_read_input_tokens == 0


def test_the_fake_caches_nothing_below_the_models_minimum():
    with ScriptedAnthropic([reply("a")] * 6) as server:
        client = _client(server)
        small = _body(3, marks=(2,), size=100)  # ~80 tokens < 2048 for Sonnet 4.6
        client.messages.create(**small)
        again = client.messages.create(**small)
        assert again.usage.cache_creation_input_tokens == 0
        assert again.usage.cache_read_input_tokens == 0
        big = _body(30, marks=(29,), size=400)  # ~3,000 tokens
        client.messages.create(**big)
        assert client.messages.create(**big).usage.cache_read_input_tokens > 2048
        haiku = {**_body(31, marks=(30,)), "model": "claude-haiku-4-5"}  # 4,096 minimum
        client.messages.create(**haiku)
        assert client.messages.create(**haiku).usage.cache_read_input_tokens == 0


def test_the_fake_forgets_a_prefix_five_minutes_after_its_last_use():
    now = [0.0]
    with ScriptedAnthropic([reply("a")] * 4, min_cache_tokens=0, clock=lambda: now[0]) as server:
        client = _client(server)
        body = _body(5, marks=(4,))
        client.messages.create(**body)
        now[0] = 299.0
        assert client.messages.create(**body).usage.cache_read_input_tokens > 0  # and refreshed
        now[0] = 598.0
        assert client.messages.create(**body).usage.cache_read_input_tokens > 0
        now[0] = 898.5  # more than 5 minutes since the last read
        assert client.messages.create(**body).usage.cache_read_input_tokens == 0


def test_a_one_hour_breakpoint_outlives_five_minutes():
    now = [0.0]
    with ScriptedAnthropic([reply("a")] * 2, min_cache_tokens=0, clock=lambda: now[0]) as server:
        client = _client(server)
        body = _body(5, marks=(4,))
        body["messages"][0]["content"][4]["cache_control"]["ttl"] = "1h"
        client.messages.create(**body)
        now[0] = 3000.0
        assert client.messages.create(**body).usage.cache_read_input_tokens > 0


def test_the_fake_refuses_more_than_four_breakpoints():
    with (
        ScriptedAnthropic([reply("a")], min_cache_tokens=0) as server,
        pytest.raises(anthropic.BadRequestError, match="maximum of 4 blocks"),
    ):
        _client(server).messages.create(**_body(6, marks=(0, 1, 2, 3, 4)))
