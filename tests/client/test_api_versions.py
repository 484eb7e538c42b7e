"""The tools give the same answers whichever V2 version the client asks for (2024-01-01 or
2026-07-15): the client reads both versions' shapes."""

from __future__ import annotations

import pytest

from affinity_client import run_tool
from affinity_client.sandbox import app as sandbox_app
from affinity_client.sandbox import seed, versions

from .sandbox_helpers import client_for, request_log

SERIES_A = seed.LISTS["Series A Pipeline"]
DEAL_FLOW = seed.LISTS["Deal Flow"]

CALLS = [
    ("affinity_get_person", {"person_id": seed.JANE_ID}),
    ("affinity_get_organization", {"organization_id": seed.ACME_ORG_ID}),
    ("affinity_get_organization", {"organization_id": seed.BIG_ORG_ID}),
    ("affinity_list_lists", {}),
    ("affinity_list_opportunities", {"list_id": SERIES_A, "page_size": 100}),
    ("affinity_list_opportunities", {"list_id": DEAL_FLOW, "page_size": 20}),
    ("affinity_get_opportunity", {"opportunity_id": seed.ACME_DEAL_ID}),
    ("affinity_list_notes", {"organization_id": seed.ACME_ORG_ID}),
    ("affinity_get_relationship_strength", {"external_id": seed.JANE_ID}),
]


def _answers(sandbox, key: str, version: str) -> list[object]:
    with client_for(sandbox, key, api_version=version) as client:
        return [run_tool(client, name, dict(inputs)) for name, inputs in CALLS]


@pytest.mark.parametrize("name,inputs", CALLS, ids=[f"{n}-{i}" for n, i in CALLS])
def test_a_tool_answers_the_same_in_both_versions(sandbox, admin_key, name, inputs):
    answers = {}
    for version in ("2024-01-01", "2026-07-15"):
        with client_for(sandbox, admin_key, api_version=version) as client:
            answers[version] = run_tool(client, name, dict(inputs))
    assert answers["2024-01-01"] == answers["2026-07-15"]


def test_a_2024_key_and_a_2026_key_see_the_same_answers(sandbox):
    """Each client asks for its key's own default version; the V2 answers say so (operations
    the 2024-01-01 spec lacks are answered as 2026-07-15 for both)."""
    old = _answers(sandbox, seed.LEGACY_KEY, "2024-01-01")
    new = _answers(sandbox, seed.STANDARD_KEY, "2026-07-15")
    assert old == new
    v2_log = [r for r in request_log(sandbox) if r["api"] == "v2"]
    assert {r.get("version") for r in v2_log if r["user_id"] == seed.STANDARD_ID} == {"2026-07-15"}
    routes = sandbox_app.URLS.bind("sandbox")
    legacy = [r for r in v2_log if r["user_id"] == seed.LEGACY_ID]
    assert any(r.get("version") == "2024-01-01" for r in legacy)
    for r in legacy:
        rule = routes.match(r["path"], r["method"], return_rule=True)[0].rule
        # only 2026-07-15 defines an operation the 2024-01-01 spec lacks
        expected = versions.defining_version("2024-01-01", r["method"], rule)
        assert r.get("version") == expected, r["path"]
