"""Conversation memory: per (thread, user), survives a restart, trimmed by whole turns."""

from __future__ import annotations

import json

from bot.agent import ThreadKey, UserContext
from bot.agent.memory import ConversationStore
from bot.agent.memory_format import trim
from bot.devtools.fake_anthropic import reply, validate_request
from tests.agent.conftest import RecordingExecutor


def _turn(i: int, with_tool: bool) -> list[dict]:
    user = {"role": "user", "content": [{"type": "text", "text": f"question {i} " + "x" * 200}]}
    if not with_tool:
        return [user, {"role": "assistant", "content": [{"type": "text", "text": f"answer {i}"}]}]
    return [
        user,
        {
            "role": "assistant",
            "content": [
                {"type": "tool_use", "id": f"t{i}", "name": "affinity_list_lists", "input": {}}
            ],
        },
        {
            "role": "user",
            "content": [{"type": "tool_result", "tool_use_id": f"t{i}", "content": "{}"}],
        },
        {"role": "assistant", "content": [{"type": "text", "text": f"answer {i}"}]},
    ]


def test_trim_drops_whole_oldest_turns_and_stays_valid():
    messages = [m for i in range(10) for m in _turn(i, with_tool=i % 2 == 0)]
    for limit in range(200, 6000, 137):
        kept = trim(messages, limit)
        assert kept[-1]["content"][0]["text"] == "answer 9"  # the latest turn always stays
        assert kept[0]["content"][0]["type"] == "text"  # starts at a user question
        validate_request({"model": "m", "max_tokens": 1, "messages": kept})
        if len(kept) < len(messages):
            assert len(json.dumps(kept)) <= limit or len(kept) == 2


def test_memory_is_per_user_within_a_thread(api, agent, user, thread):
    daniel = UserContext(
        identifier="T1:U_DANIEL", affinity_user_name="Daniel Okafor", workspace="Northwind Ventures"
    )
    api.add(reply("Maya's answer"), reply("Daniel's answer"))
    agent.respond(thread, user, "secret deal question", RecordingExecutor())
    agent.respond(thread, daniel, "hello", RecordingExecutor())

    daniels_request = api.message_requests[1]
    assert "secret deal question" not in json.dumps(daniels_request.messages)
    assert len(daniels_request.messages) == 1


def test_memory_survives_a_new_store_and_is_bounded(sessions, thread):
    store = ConversationStore(sessions, max_chars=1500)
    messages = [m for i in range(20) for m in _turn(i, with_tool=True)]
    store.save(thread, "T1:U_MAYA", messages)

    loaded = ConversationStore(sessions).load(thread, "T1:U_MAYA")
    assert len(json.dumps(loaded)) <= 1500
    assert loaded[-1]["content"][0]["text"] == "answer 19"
    assert ConversationStore(sessions).load(ThreadKey("T1", "C2", "1.2"), "T1:U_MAYA") == []


def test_failed_turn_leaves_memory_usable(api, make_agent, user, thread):
    from bot.devtools.fake_anthropic import overloaded

    agent = make_agent(max_retries=0)
    api.add(overloaded(), reply("back"))
    agent.respond(thread, user, "first", RecordingExecutor())
    result = agent.respond(thread, user, "second", RecordingExecutor())
    assert result.text == "back"  # the fake API accepted the stored history (valid roles)


def test_forget_and_idle_cleanup(sessions, thread):
    import datetime as dt

    from bot.erasure import erase_read_data

    store = ConversationStore(sessions)
    store.save(thread, "T1:U_MAYA", _turn(1, with_tool=False))
    store.save(thread, "T1:U_DANIEL", _turn(2, with_tool=False))
    assert erase_read_data(sessions.kw["bind"], "T1:U_MAYA") == 1
    assert store.load(thread, "T1:U_MAYA") == []
    assert store.delete_idle(dt.timedelta(days=1)) == 0
    assert store.delete_idle(dt.timedelta(seconds=-1)) == 1
    assert store.load(thread, "T1:U_DANIEL") == []
