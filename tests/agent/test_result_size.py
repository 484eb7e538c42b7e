"""What the model is given of a tool's result is a quarter of the raw Affinity JSON behind it or
less (measured as benchmarks/agent.py does: one call on a fresh client), and still holds what
the tool's description promises: ids, names, dates, stages and values."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from affinity_client import TOOLS, AffinityClient, run_tool
from affinity_client.sandbox import seed
from bot.agent import AgentSettings
from bot.agent.compact import PageSpec, compact_result

SERIES_A = seed.LISTS["Series A Pipeline"]
DEFAULTS = AgentSettings()


class _Counting(httpx.BaseTransport):
    def __init__(self) -> None:
        self.inner = httpx.HTTPTransport()
        self.bytes = 0

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        response = self.inner.handle_request(request)
        self.bytes += len(response.read())
        return response


def _given(sandbox: Any, name: str, tool_input: dict[str, Any]) -> tuple[Any, dict, float]:
    """The tool's result, what the model is given of it, and that over the raw JSON's bytes."""
    transport = _Counting()
    with AffinityClient(seed.ADMIN_KEY, sandbox.base_url, transport=transport) as client:
        result = run_tool(client, name, tool_input)
    items = TOOLS[name].page_items
    text = compact_result(
        result,
        max_chars=DEFAULTS.tool_result_max_chars,
        text_max=DEFAULTS.text_field_max_chars,
        page=PageSpec(name, tool_input, items) if items else None,
    )
    return result, json.loads(text), len(text) / transport.bytes


def test_a_page_of_deals_keeps_every_deals_ids_names_stage_value_and_dates(sandbox):
    result, shown, ratio = _given(
        sandbox, "affinity_list_opportunities", {"list_id": SERIES_A, "page_size": 50}
    )
    assert ratio <= 0.25
    assert shown["list"] == {"id": SERIES_A, "name": "Series A Pipeline"}  # once, not per deal
    assert len(shown["opportunities"]) == len(result["opportunities"])
    for full, given in zip(result["opportunities"], shown["opportunities"], strict=True):
        assert (given["id"], given["name"]) == (full["id"], full["name"])
        assert given.get("stage", {}).get("text") == (full["stage"] or {}).get("text")
        assert given.get("value") == full["value"]
        assert given["created_at"][:16] == full["created_at"][:16]
        assert [o["name"] for o in given.get("owners", [])] == [o["name"] for o in full["owners"]]
        for key in ("people", "organizations"):
            refs = [{"id": r["id"], "name": r["name"]} for r in full[key]]
            assert given.get(key, []) == refs  # ids and names; emails and domains left out


def test_one_deal_keeps_its_list_stage_value_people_and_fields(sandbox):
    result, shown, ratio = _given(
        sandbox, "affinity_get_opportunity", {"opportunity_id": seed.ACME_DEAL_ID}
    )
    assert ratio <= 0.25
    assert shown["list"] == result["list"] and shown["stage"]["text"] == "Diligence"
    assert shown["value"] == result["value"]
    assert [p["name"] for p in shown["people"]] == [p["name"] for p in result["people"]]
    shown_fields = {f["name"]: f["value"] for f in shown["fields"]}
    assert {f["name"]: f["value"] for f in result["fields"]}.items() >= shown_fields.items()
    assert "Last Reviewed" in shown_fields  # a date field the deal's own keys do not show


@pytest.mark.parametrize("org_id", [seed.ACME_ORG_ID, seed.BIG_ORG_ID])
def test_an_organization_keeps_its_people_deals_and_lists(sandbox, org_id):
    result, shown, ratio = _given(sandbox, "affinity_get_organization", {"organization_id": org_id})
    # the big one lists 100 people by name: their names are most of its answer
    assert ratio <= (0.25 if org_id == seed.ACME_ORG_ID else 0.5)
    assert shown["name"] == result["name"] and shown["people_count"] == result["people_count"]
    assert shown["people"] == [{"id": p["id"], "name": p["name"]} for p in result["people"]]
    for full, given in zip(result["deals"], shown.get("deals", []), strict=True):
        assert (given["id"], given["list_name"]) == (full["id"], full["list_name"])
        assert given["stage"]["text"] == full["stage"]["text"]


def test_search_hits_keep_their_emails_and_domains(sandbox):
    """Top-level results are what was asked for: nothing of theirs is left out but repeats."""
    _, persons, _ = _given(sandbox, "affinity_search_persons", {"term": "jane"})
    jane = next(p for p in persons["persons"] if p["id"] == seed.JANE_ID)
    assert jane["name"] == "Jane Smith" and jane["primary_email"] == seed.JANE_EMAIL
    assert "first_name" not in jane  # the full name says it
    _, orgs, _ = _given(sandbox, "affinity_search_organizations", {"term": "acme"})
    acme = next(o for o in orgs["organizations"] if o["id"] == seed.ACME_ORG_ID)
    assert acme["domain"] == "acme.com" and "global" not in acme  # not global: the default
    assert any(o.get("global") is True for o in orgs["organizations"])
