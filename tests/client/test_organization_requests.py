"""An organization's profile costs the same number of requests whatever its size: the first 100
people named in one batch, its deals in one batch, their stages from one list-entry search per
pipeline (which answers with the list's fields, so no list definition is read), and the
list names."""

from __future__ import annotations

from typing import Any

from affinity_client import run_tool
from affinity_client.probe import probe_permissions
from affinity_client.sandbox import seed
from benchmarks.tools import BIG_DEALS_PIPELINES, add_big_deal_org, organization_minimum

from .sandbox_helpers import client_for

PIPELINES = len(BIG_DEALS_PIPELINES)


def _profile(
    sandbox: Any, org_id: int, key: str = seed.ADMIN_KEY, *, probed: bool = False
) -> tuple[dict[str, Any], list]:
    """The profile, and the requests it took (after the connect-time probe, if ``probed``)."""
    with client_for(sandbox, key) as client:
        if probed:
            probe_permissions(client)
        sandbox.state.clear_requests()
        org = run_tool(client, "affinity_get_organization", {"organization_id": org_id})
    return org, [f"{r['method']} {r['path']}" for r in sandbox.state.requests]


def _stages(sandbox: Any, org_id: int) -> dict[int, str]:
    """What the sandbox holds: each of the organization's deals and its Status text."""
    world, index = sandbox.state.world, sandbox.state.index
    out = {}
    for opp_id in index.opps_by_org[org_id]:
        entry = next(e for e in world.list_entries.values() if e["entity_id"] == opp_id)
        for value_id in index.values_by_entry[entry["id"]]:
            value = world.field_values[value_id]
            if world.fields[value["field_id"]]["value_type"] == seed.RANKED:
                out[opp_id] = index.options[value["value"]][1]["text"]
    return out


def test_requests_do_not_grow_with_people_or_deals(sandbox):
    small = add_big_deal_org(sandbox, people=4, deals=PIPELINES, name="Small Co")
    big = add_big_deal_org(sandbox, people=300, deals=12, name="Big Co")
    small_org, small_requests = _profile(sandbox, small)
    big_org, big_requests = _profile(sandbox, big)
    assert len(big_requests) == len(small_requests)
    # The fewest any client could use: no list definition, the search names each list's fields
    assert len(big_requests) == organization_minimum(sandbox.state, big)
    assert not any(r.startswith("GET /lists/") for r in big_requests)
    assert big_requests.count("GET /field-values") == 0
    assert big_org["people_count"] == 300 and len(big_org["people"]) == 100
    assert all(p["name"] for p in big_org["people"])
    assert len(big_org["deals"]) == 12 and len(small_org["deals"]) == PIPELINES
    shown = {d["id"]: d["stage"]["text"] for d in big_org["deals"]}
    assert shown == _stages(sandbox, big)
    assert [d["id"] for d in big_org["deals"]] == sorted(shown, reverse=True)
    assert {d["list_name"] for d in big_org["deals"]} == {
        sandbox.state.world.lists[i]["name"] for i in BIG_DEALS_PIPELINES
    }


def test_without_list_entry_search_the_most_recent_stages_are_read_one_by_one(sandbox):
    big = add_big_deal_org(sandbox, people=10, deals=12)
    sandbox.state.fail("POST", "/v2/lists/*/list-entries/search", 404, count=1)
    sandbox.state.clear_requests()
    with client_for(sandbox, seed.ADMIN_KEY) as client:
        org = run_tool(client, "affinity_get_organization", {"organization_id": big})
        again = run_tool(client, "affinity_get_organization", {"organization_id": big})
    requests = [f"{r['method']} {r['path']}" for r in sandbox.state.requests]
    assert sum("/list-entries/search" in r for r in requests) == 1  # not asked again
    assert requests.count("GET /field-values") == 2 * 10
    expected = _stages(sandbox, big)
    staged = [d for d in org["deals"] if d["stage"]]
    assert len(staged) == 10 and all(d["stage"]["text"] == expected[d["id"]] for d in staged)
    assert staged == org["deals"][:10] and again["deals"] == org["deals"]


def test_the_restricted_user_reads_the_ten_most_recent_deals_through_v1(sandbox):
    big = add_big_deal_org(sandbox, people=10, deals=12)
    org, requests = _profile(sandbox, big, seed.RESTRICTED_KEY, probed=True)
    expected = _stages(sandbox, big)
    assert [d["id"] for d in org["deals"]] == sorted(expected, reverse=True)[:10]
    assert all(d["stage"]["text"] == expected[d["id"]] for d in org["deals"])
    assert "10 most recent of 12 deals" in org["deals_unavailable"]
    assert "Export data from Lists" in org["deals_unavailable"]
    assert sum(r.startswith("GET /opportunities/") for r in requests) == 10
    assert not any(r.startswith(("GET /v2/opportunities", "POST /v2/lists")) for r in requests)
