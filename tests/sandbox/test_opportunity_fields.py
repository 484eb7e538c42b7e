"""Opportunity lists carry the relationship-intelligence fields, as the V2 spec's field metadata
example for an opportunity list (`opportunity-list-2`) shows, and serve their values."""

from __future__ import annotations

from affinity_client.sandbox import seed

from .helpers import v2
from .spec import SPEC_2024, SPEC_2026, spec, validate_v2

SERIES_A = seed.LISTS["Series A Pipeline"]
SPEC = SPEC_2026  # the shapes the sandbox answers in by default


def _example_ids() -> set[str]:
    example = spec(SPEC_2024)["components"]["examples"]["opportunity-list-2"]["value"]
    return {field["id"] for field in example["data"]}


def test_an_opportunity_lists_fields_include_every_field_of_the_spec_example(sandbox):
    response = v2(sandbox, seed.ADMIN_KEY).get(
        f"/v2/lists/{SERIES_A}/fields", params={"limit": 100}
    )
    validate_v2("GET", "/v2/lists/{listId}/fields", response, SPEC)
    served = {f["id"]: f for f in response.json()["data"]}
    standard = {i for i in _example_ids() if not i.startswith("field-")}  # field-2 is custom
    assert standard <= set(served)
    ri = [f for f in served.values() if f["type"] == "relationship-intelligence"]
    assert {f["id"] for f in ri} == standard - {"persons", "companies"}
    assert all(f["valueType"] == "interaction" for f in ri)


def test_a_deals_relationship_intelligence_comes_from_its_people(sandbox):
    response = v2(sandbox, seed.ADMIN_KEY).get(
        f"/v2/lists/{SERIES_A}/list-entries",
        params={"fieldTypes": "relationship-intelligence", "limit": 100},
    )
    validate_v2("GET", "/v2/lists/{listId}/list-entries", response, SPEC)
    entries = {e["entity"]["id"]: e["entity"] for e in response.json()["data"]}
    acme = {f["id"]: f for f in entries[seed.ACME_DEAL_ID]["fields"]}
    last_email = acme["last-email"]["value"]
    assert last_email["type"] == "interaction" and last_email["data"]["type"] == "email"
    jane = seed.JANE_EMAIL
    assert jane in [a["emailAddress"] for a in last_email["data"]["to"]]
    # A deal with nobody on it has no interactions: the value is there, its data null.
    nobody = [e for e in entries.values() if not sandbox.state.opportunities[e["id"]]["person_ids"]]
    for deal in nobody:
        assert all(f["value"]["data"] is None for f in deal["fields"])
