"""No silent cuts: every deal of a pipeline is reachable from what the model is shown.

The model's view of a page is ``compact_result`` of the tool's answer. A reader that does only
what a model can — follow ``cut.continue_with`` exactly, then ``next_page_token`` — must see
every deal once, at every page size the schema allows.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from affinity_client import TOOLS, AffinityClient, run_tool
from affinity_client.sandbox import seed
from bot.agent.compact import PageSpec, compact_result
from bot.agent.tables import read_result
from bot.devtools.fake_anthropic import reply
from tests.agent.conftest import RecordingExecutor

LIST = "affinity_list_opportunities"
MAX_PAGE = TOOLS[LIST].input_schema["properties"]["page_size"]["maximum"]
Execute = Callable[[str, dict[str, Any]], dict[str, Any]]


def read_all(execute: Execute, list_id: int, page_size: int, *, max_chars: int) -> list[int]:
    """Every deal id the model is shown, following only what the results say."""
    seen: list[int] = []
    call: dict[str, Any] | None = {"list_id": list_id, "page_size": page_size}
    for _ in range(2000):
        if call is None:
            return seen
        text = compact_result(
            execute(LIST, call),
            max_chars=max_chars,
            text_max=600,
            page=PageSpec(LIST, call, "opportunities"),
        )
        assert len(text) <= max_chars
        shown = read_result(text)
        seen += [d["id"] for d in shown["opportunities"]]
        if "cut" in shown:
            cut = shown["cut"]
            assert cut["left_out"] > 0 and cut["continue_with"]["tool"] == LIST
            call = cut["continue_with"]["input"]
        elif shown.get("next_page_token"):
            call = {
                "list_id": list_id,
                "page_size": page_size,
                "page_token": shown["next_page_token"],
            }
        else:
            call = None
    raise AssertionError("paging did not end")


@pytest.fixture(scope="module")
def sandbox_client(sandbox_server):
    sandbox_server.reset()
    return AffinityClient(seed.ADMIN_KEY, base_url=sandbox_server.base_url)


def _real(client: AffinityClient) -> Execute:
    return lambda name, tool_input: run_tool(client, name, tool_input)


def _all_ids(client: AffinityClient, list_id: int) -> list[int]:
    return read_all(_real(client), list_id, MAX_PAGE, max_chars=10**9)


def test_the_schema_maximum_shows_the_whole_series_a_pipeline(sandbox_client):
    page = run_tool(
        sandbox_client, LIST, {"list_id": seed.LISTS["Series A Pipeline"], "page_size": MAX_PAGE}
    )
    shown = read_result(
        compact_result(
            page, max_chars=20_000, text_max=600, page=PageSpec(LIST, {}, "opportunities")
        )
    )
    assert len(shown["opportunities"]) == 42 and "cut" not in shown
    # shrunk, not dropped: every deal keeps its id, name and stage
    assert all({"id", "name", "stage"} <= set(d) for d in shown["opportunities"])


SAMPLE_SIZES = (1, 2, 3, 7, 10, 24, 25, 41, 42, 43, 64, 99, MAX_PAGE)


@pytest.mark.parametrize(
    ("max_chars", "sizes"), [(20_000, range(1, MAX_PAGE + 1)), (2_500, SAMPLE_SIZES)]
)
def test_every_series_a_deal_is_reachable_at_every_page_size(sandbox_client, max_chars, sizes):
    """The real budget at every page size (~450 sandbox requests over loopback, about a
    second); a budget small enough to cut pages at a sample of sizes."""
    list_id = seed.LISTS["Series A Pipeline"]
    everything = _all_ids(sandbox_client, list_id)
    assert len(everything) == 42
    for size in sizes:
        seen = read_all(_real(sandbox_client), list_id, size, max_chars=max_chars)
        assert seen == everything, size


def _in_memory(deals: list[dict[str, Any]]) -> Execute:
    """The tool's paging contract (page_size, page_token, skip) over fixed deals, for the
    500-deal list at all 100 page sizes without 2,600 HTTP requests."""

    def execute(name: str, tool_input: dict[str, Any]) -> dict[str, Any]:
        start = int(tool_input.get("page_token") or 0)
        size = tool_input["page_size"]
        end = start + size
        page = deals[start:end][tool_input.get("skip") or 0 :]
        return {
            "list": {"id": 204, "name": "Deal Flow"},
            "opportunities": page,
            "next_page_token": str(end) if end < len(deals) else None,
        }

    return execute


@pytest.mark.parametrize(
    ("max_chars", "sizes"), [(20_000, range(1, MAX_PAGE + 1)), (4_000, SAMPLE_SIZES)]
)
@pytest.mark.slow
def test_every_deal_flow_deal_is_reachable_at_every_page_size(sandbox_client, max_chars, sizes):
    """SLOW-ish (3-10 s on a loaded machine): 500 deals at all 100 page sizes is ~2,600 pages
    compacted the way the model sees them."""
    first = run_tool(
        sandbox_client, LIST, {"list_id": seed.LISTS["Deal Flow"], "page_size": MAX_PAGE}
    )
    deals = list(first["opportunities"])
    token = first["next_page_token"]
    while token:
        page = run_tool(
            sandbox_client,
            LIST,
            {"list_id": seed.LISTS["Deal Flow"], "page_size": MAX_PAGE, "page_token": token},
        )
        deals += page["opportunities"]
        token = page["next_page_token"]
    assert len(deals) == seed.DEAL_FLOW_SIZE
    execute = _in_memory(deals)
    everything = [d["id"] for d in deals]
    for size in sizes:
        assert read_all(execute, 204, size, max_chars=max_chars) == everything, size


def test_skip_continues_the_same_page_in_the_real_tool(sandbox_client):
    inp = {"list_id": seed.LISTS["Deal Flow"], "page_size": 30}
    whole = run_tool(sandbox_client, LIST, inp)
    rest = run_tool(sandbox_client, LIST, {**inp, "skip": 25})
    assert [d["id"] for d in rest["opportunities"]] == [
        d["id"] for d in whole["opportunities"][25:]
    ]
    assert rest["next_page_token"] == whole["next_page_token"]
    after = run_tool(sandbox_client, LIST, {**inp, "page_token": rest["next_page_token"]})
    assert after["opportunities"][0]["id"] not in {d["id"] for d in whole["opportunities"]}


def test_the_model_follows_a_cut_to_the_last_deal(api, make_agent, user, thread, sandbox_client):
    """Through the loop: a page cut for a small budget, continued by the call it names."""
    agent = make_agent(tool_result_max_chars=3_000)
    execute = RecordingExecutor({LIST: lambda i: run_tool(sandbox_client, LIST, i)})
    seen: list[int] = []

    def follow(request):
        shown = read_result(request.tool_result_texts()[0])
        seen.extend(d["id"] for d in shown["opportunities"])
        if "cut" in shown:
            nxt = shown["cut"]["continue_with"]
            return reply(None, (nxt["tool"], nxt["input"]))
        return reply(f"{len(seen)} deals.")

    api.add(
        reply(None, (LIST, {"list_id": seed.LISTS["Series A Pipeline"], "page_size": MAX_PAGE})),
        *[follow] * 7,
    )
    result = agent.respond(thread, user, "all open deals in Series A", execute)
    assert result.text == "42 deals."
    assert len(set(seen)) == 42 == len(seen)


def test_a_record_too_big_for_the_budget_says_what_was_left_out():
    result = {
        "id": 1,
        "name": "Big Co",
        "people": [
            {
                "id": i,
                "name": f"Person {i}",
                "emails": [f"p{i}@x.com"],
                "organizations": [{"id": 7, "name": "Big Co", "domain": "big.co"}],
            }
            for i in range(2000)
        ],
    }
    data = read_result(compact_result(result, max_chars=8_000, text_max=600))
    marker = data["people"][-1]
    shown = len(data["people"]) - 1
    assert marker.startswith(f"… {2000 - shown} more not shown; get them with a narrower")
    assert data["people"][0] == {"id": 0, "name": "Person 0"}  # shrunk before dropping


def test_a_shortened_note_can_be_read_in_full_with_skip():
    notes = [{"id": i, "content": f"note {i} " + "y" * 3000, "type": "text"} for i in range(5)]

    def execute(name: str, tool_input: dict[str, Any]) -> dict[str, Any]:
        return {"notes": notes[tool_input.get("skip") or 0 :], "next_page_token": None}

    call = {"opportunity_id": 1}
    page = read_result(
        compact_result(
            execute("affinity_list_notes", call),
            max_chars=20_000,
            text_max=600,
            page=PageSpec("affinity_list_notes", call, "notes"),
        )
    )
    assert page["notes"][2]["content"].endswith("… [2407 more characters]")
    assert "skip set to the item's position" in page["trimmed"]

    again = {**call, "skip": 2}
    whole = read_result(
        compact_result(
            execute("affinity_list_notes", again),
            max_chars=20_000,
            text_max=600,
            page=PageSpec("affinity_list_notes", again, "notes"),
        )
    )
    assert whole["notes"][0]["content"] == notes[2]["content"]  # in full
    assert [n["id"] for n in whole["notes"]] == [2, 3, 4]
    assert whole["notes"][1]["content"].endswith("more characters]")
