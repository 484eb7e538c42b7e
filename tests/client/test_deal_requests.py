"""Deals cost the fewest requests their answer allows: a list's name is the one thing no deal
read carries, so a client told the user's cached lists reads no list at all, and the entries'
own fields give stage, amount and owners exactly as the list's definition would. Notes name
their creators in the same request."""

from __future__ import annotations

from typing import Any

import pytest

from affinity_client import NotFoundError, ToolInputError, know_lists, run_tool
from affinity_client.sandbox import seed
from benchmarks.tools import cached_lists

from .sandbox_helpers import client_for

DEAL_FLOW = seed.LISTS["Deal Flow"]
SERIES_A = seed.LISTS["Series A Pipeline"]


def _run(sandbox: Any, tool: str, inputs: dict[str, Any], *, known: bool) -> tuple[Any, list]:
    """The tool's answer on a new client (told the user's lists if ``known``), and its
    requests."""
    with client_for(sandbox, seed.ADMIN_KEY) as client:
        if known:
            know_lists(client, cached_lists(sandbox.state))
        sandbox.state.clear_requests()
        result = run_tool(client, tool, inputs)
    return result, [f"{r['method']} {r['path']}" for r in sandbox.state.requests]


def _every_deal(sandbox: Any, *, known: bool) -> tuple[list, list, dict]:
    deals, requests, token, page = [], [], None, {}
    while True:
        inputs = {
            "list_id": DEAL_FLOW,
            "page_size": 100,
            **({"page_token": token} if token else {}),
        }
        with client_for(sandbox, seed.ADMIN_KEY) as client:
            if known:
                know_lists(client, cached_lists(sandbox.state))
            sandbox.state.clear_requests()
            page = run_tool(client, "affinity_list_opportunities", inputs)
        requests += [f"{r['method']} {r['path']}" for r in sandbox.state.requests]
        deals += page["opportunities"]
        token = page["next_page_token"]
        if token is None:
            return deals, requests, page["list"]


def test_a_pipeline_with_known_lists_is_its_entry_pages_alone(sandbox):
    entries = len(sandbox.state.index.entries_by_list[DEAL_FLOW])
    pages = -(-entries // 100)
    fresh, fresh_requests, fresh_list = _every_deal(sandbox, known=False)
    known, known_requests, known_list = _every_deal(sandbox, known=True)
    assert known_requests == [f"GET /v2/lists/{DEAL_FLOW}/list-entries"] * pages
    # a client that knows nothing reads the definition once per page's new client, for the name
    assert fresh_requests.count(f"GET /lists/{DEAL_FLOW}") == pages
    assert len(fresh_requests) == 2 * pages
    # the entries' fields give what the definition gives: the same deals, named list
    assert known == fresh and len(known) == entries
    assert known_list == fresh_list == {"id": DEAL_FLOW, "name": "Deal Flow"}
    assert sum(1 for d in known if d["stage"]) > entries // 2
    assert any(d["value"] for d in known) and any(d["owners"] for d in known)


def test_one_deal_is_two_requests_with_known_lists_three_without(sandbox):
    inputs = {"opportunity_id": seed.ACME_DEAL_ID}
    fresh, fresh_requests = _run(sandbox, "affinity_get_opportunity", inputs, known=False)
    known, known_requests = _run(sandbox, "affinity_get_opportunity", inputs, known=True)
    assert known_requests == [
        f"GET /opportunities/{seed.ACME_DEAL_ID}",
        f"GET /v2/lists/{SERIES_A}/list-entries/{fresh['list_entry_id']}",
    ]
    assert len(fresh_requests) == 3 and f"GET /lists/{SERIES_A}" in fresh_requests
    assert known == fresh
    assert known["list"]["name"] == "Series A Pipeline" and known["stage"] and known["fields"]


def test_a_write_with_known_lists_reads_no_list(sandbox):
    created, create_requests = _run(
        sandbox,
        "affinity_create_opportunity",
        {"list_id": SERIES_A, "name": "Known list deal", "person_ids": [seed.JANE_ID]},
        known=True,
    )
    assert create_requests == [
        "POST /opportunities",
        f"GET /v2/lists/{SERIES_A}/list-entries/{created['list_entry_id']}",
    ]
    assert created["list"]["name"] == "Series A Pipeline"
    assert [p["id"] for p in created["people"]] == [seed.JANE_ID] and created["people"][0]["name"]
    updated, update_requests = _run(
        sandbox,
        "affinity_update_opportunity",
        {"opportunity_id": created["id"], "name": "Renamed", "add_person_ids": [seed.ADMIN_ID]},
        known=True,
    )
    assert update_requests == [
        f"GET /opportunities/{created['id']}",
        f"PUT /opportunities/{created['id']}",
        f"GET /v2/lists/{SERIES_A}/list-entries/{created['list_entry_id']}",
    ]
    assert updated["name"] == "Renamed" and updated["changed"]
    assert [p["id"] for p in updated["people"]] == [seed.JANE_ID, seed.ADMIN_ID]


def test_a_known_list_of_another_kind_is_refused_before_any_request(sandbox):
    people_list = next(i for i, x in sandbox.state.world.lists.items() if x["type"] == 0)
    for tool, inputs in (
        ("affinity_list_opportunities", {"list_id": people_list}),
        ("affinity_create_opportunity", {"list_id": people_list, "name": "Nope"}),
    ):
        with pytest.raises(ToolInputError) as info:
            _run(sandbox, tool, inputs, known=True)
        assert info.value.field == "list_id" and "person list" in str(info.value)
        assert sandbox.state.requests == []


def test_notes_name_their_creators_in_the_same_request(sandbox):
    result, requests = _run(
        sandbox, "affinity_list_notes", {"organization_id": seed.ACME_ORG_ID}, known=False
    )
    assert requests == [f"GET /v2/companies/{seed.ACME_ORG_ID}/notes"]
    assert result["notes"] and all(n["creator"]["name"] for n in result["notes"])
    with pytest.raises(NotFoundError):
        _run(sandbox, "affinity_list_notes", {"organization_id": 999_999}, known=False)
    assert len(sandbox.state.requests) == 1  # "no such company" needs no second read
