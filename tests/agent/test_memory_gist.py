"""A bounded memory keeps the thread's gist: digests first, then words and answers, and whole
turns dropped only last. The follow-up to the seed scenario still knows the eight deals."""

from __future__ import annotations

import json

import pytest

from bot.agent.memory_format import trim
from bot.agent.tables import read_result
from bot.devtools.fake_anthropic import reply, validate_request
from tests.agent.conftest import RecordingExecutor
from tests.agent.test_seed_scenario import ASK, _run

FOLLOW_UP = "and which of those are in IC?"


def _follow_up_request(api, agent, user, thread):
    result, _ = _run(api, agent, user, thread)
    agent.approve(result.batch.id, user.identifier, RecordingExecutor())
    api.add(reply("Two of them."))
    agent.respond(thread, user, FOLLOW_UP, RecordingExecutor())
    return api.message_requests[-1]


def _assert_knows_the_eight(request) -> None:
    history = json.dumps(request.messages, ensure_ascii=False)
    for i in range(8):
        assert f"Company{i} - Series A" in history
        assert str(30000 + i) in history
    assert ASK in history  # the user's own words
    assert request.messages[-1]["content"][-1]["text"] == FOLLOW_UP


def test_the_follow_up_knows_the_eight_deals_under_a_tight_bound(api, make_agent, user, thread):
    agent = make_agent(memory_max_chars=5_000)
    request = _follow_up_request(api, agent, user, thread)
    _assert_knows_the_eight(request)
    assert len(json.dumps(request.messages[:-1])) <= 5_000 + 2_000  # history + approval note
    history = json.dumps(request.messages, ensure_ascii=False)
    assert "[proposed in this turn: 1: Add a note on deal Company0 - Series A" in history


def test_the_follow_up_knows_the_eight_deals_with_digests(api, make_agent, user, thread):
    agent = make_agent(memory_max_chars=15_000)
    request = _follow_up_request(api, agent, user, thread)
    _assert_knows_the_eight(request)
    results = [
        b
        for m in request.messages
        if isinstance(m["content"], list)
        for b in m["content"]
        if b.get("type") == "tool_result"
    ]
    assert results and all(
        "earlier_result" in b["content"] or "Queued" in b["content"] for b in results
    )  # tool results became digests, turns stayed


def _turn(i: int, size: int) -> list[dict]:
    deals = [
        {"id": 100 * i + k, "name": f"Deal {i}-{k}", "stage": {"text": "IC"}, "notes": "x" * size}
        for k in range(5)
    ]
    return [
        {"role": "user", "content": [{"type": "text", "text": f"question {i}"}]},
        {
            "role": "assistant",
            "content": [
                {
                    "type": "tool_use",
                    "id": f"t{i}",
                    "name": "affinity_list_opportunities",
                    "input": {"list_id": 1},
                }
            ],
        },
        {
            "role": "user",
            "content": [
                {
                    "type": "tool_result",
                    "tool_use_id": f"t{i}",
                    "content": json.dumps({"opportunities": deals}),
                }
            ],
        },
        {"role": "assistant", "content": [{"type": "text", "text": f"answer {i}"}]},
    ]


def test_trim_digests_then_collapses_then_drops_oldest_first():
    messages = [m for i in range(6) for m in _turn(i, 400)]
    full = len(json.dumps(messages))
    digested = trim(messages, full - 500)
    assert len(digested) == len(messages)  # every turn still there, tool calls included
    assert "earlier_result" in digested[2]["content"][0]["content"]
    assert "x" * 400 in json.dumps(digested[-2])  # the latest turn untouched

    collapsed = trim(messages, 4_500)
    assert collapsed[0]["content"][0]["text"] == "question 0"
    assert collapsed[1]["content"][0]["text"].startswith("answer 0\n[records the tools returned")
    assert "Deal 0-4 (4, IC)" in collapsed[1]["content"][0]["text"]

    dropped = trim(messages, 1_500)
    assert dropped[0]["content"][0]["text"] != "question 0"
    assert dropped[-1]["content"][0]["text"] == "answer 5"
    for kept in (digested, collapsed, dropped):
        validate_request({"model": "m", "max_tokens": 1, "messages": kept})


@pytest.mark.parametrize(
    ("bound", "kept_as"),
    [(40_000, "earlier_result"), (12_000, "[proposed in this turn: 1: Add a note")],
)
def test_the_real_seed_scenario_follow_up(
    api, make_agent, user, thread, sandbox, admin_key, bound, kept_as
):
    """The sandbox's 42-deal pipeline: at 40,000 characters (under the default 60,000, which
    the seed turn now fits) the approval outcome pushes it over (digests); at 12,000 the
    turn is collapsed to words, answer, what was proposed and the records seen."""
    from affinity_client import AffinityClient, run_tool

    agent = make_agent(memory_max_chars=bound)
    client = AffinityClient(admin_key, base_url=sandbox.base_url)
    execute = RecordingExecutor(
        {
            name: (lambda i, n=name: run_tool(client, n, i))
            for name in ("affinity_list_opportunities", "affinity_get_opportunity")
        }
    )

    def read_each(request):
        deals = read_result(request.tool_result_texts()[0])["opportunities"]
        return reply(
            "Checking each deal.",
            *[("affinity_get_opportunity", {"opportunity_id": d["id"]}) for d in deals],
        )

    def reviewed(deal):
        return next(
            (f["value"] for f in deal.get("fields", []) if f["name"] == "Last Reviewed"), ""
        )

    def note_latest(request):
        deals = [read_result(t) for t in request.tool_result_texts()]
        latest = max(reviewed(d) for d in deals)
        chosen = [d for d in deals if reviewed(d) == latest]
        assert len(chosen) == 8
        note_latest.chosen = chosen
        return reply(
            None,
            *[
                (
                    "affinity_create_note",
                    {"content": f"Reviewed {d['name']}.", "opportunity_ids": [d["id"]]},
                )
                for d in chosen
            ],
        )

    api.add(
        reply(None, ("affinity_list_opportunities", {"list_id": 201, "page_size": 100})),
        read_each,
        note_latest,
        reply("8 notes proposed."),
    )
    result = agent.respond(thread, user, ASK, execute)
    agent.approve(result.batch.id, user.identifier, RecordingExecutor())
    api.add(reply("Two of them."))
    agent.respond(thread, user, FOLLOW_UP, RecordingExecutor())

    history = json.dumps(api.message_requests[-1].messages, ensure_ascii=False)
    assert ASK in history and kept_as in history  # over the bound: the gist, not a loss
    for deal in note_latest.chosen:
        assert deal["name"] in history and str(deal["id"]) in history
