"""Relationship strength comes from V2 relationships: the same scores as V1's strengths, the
colleagues named in the same answer, never more requests than before."""

from __future__ import annotations

import pytest

from affinity_client import NotFoundError, ToolInputError, run_tool
from affinity_client.sandbox import seed

from .sandbox_helpers import client_for, request_log


@pytest.fixture
def admin(sandbox, admin_key):
    with client_for(sandbox, admin_key) as client:
        yield client


def _v1_strengths(sandbox, key, external_id):
    with client_for(sandbox, key) as client:
        return client.get("/relationships-strengths", {"external_id": external_id})


@pytest.mark.parametrize(
    "key",
    [seed.ADMIN_KEY, seed.STANDARD_KEY, seed.RESTRICTED_KEY],
    ids=["admin", "standard", "restricted"],
)
def test_strengths_match_v1_for_every_role_in_few_requests(sandbox, key):
    expected = {r["internal_id"]: r["strength"] for r in _v1_strengths(sandbox, key, seed.JANE_ID)}
    sandbox.state.clear_requests()
    with client_for(sandbox, key) as client:
        result = run_tool(
            client, "affinity_get_relationship_strength", {"external_id": seed.JANE_ID}
        )
    got = {r["internal_id"]: r["strength"] for r in result["relationships"]}
    assert got == expected
    names = {p["person_id"]: f"{p['first_name']} {p['last_name']}" for p in seed.USERS}
    for row in result["relationships"]:
        assert row["name"] == names.get(row["internal_id"], row["name"]) and row["name"]
    paths = [r["path"] for r in request_log(sandbox)]
    assert f"/v2/persons/{seed.JANE_ID}/relationships" in paths
    assert "/relationships-strengths" not in paths
    # V2's rows name her and every colleague, with her as the contact: nothing else is read
    assert paths == [f"/v2/persons/{seed.JANE_ID}/relationships"]


def test_one_colleague_and_a_colleague_as_contact(sandbox, admin):
    one = run_tool(
        admin,
        "affinity_get_relationship_strength",
        {"external_id": seed.JANE_ID, "internal_id": seed.STANDARD_ID},
    )
    assert [r["internal_id"] for r in one["relationships"]] == [seed.STANDARD_ID]
    with pytest.raises(ToolInputError) as info:
        run_tool(admin, "affinity_get_relationship_strength", {"external_id": seed.STANDARD_ID})
    assert info.value.field == "external_id"


def test_a_contact_without_relationships_gets_an_empty_list(sandbox, admin):
    lonely = next(
        p["id"]
        for p in sandbox.state.world.persons.values()
        if p["type"] == 0 and p["id"] not in sandbox.state.world.strengths
    )
    sandbox.state.clear_requests()
    result = run_tool(admin, "affinity_get_relationship_strength", {"external_id": lonely})
    assert result["person"]["id"] == lonely and result["person"]["name"]
    assert result["relationships"] == []
    assert len(request_log(sandbox)) == 2  # no rows to name her: she is read


def test_a_colleague_left_out_of_the_rows_still_names_the_contact(sandbox, admin):
    sandbox.state.clear_requests()
    result = run_tool(
        admin,
        "affinity_get_relationship_strength",
        {"external_id": seed.JANE_ID, "internal_id": 999_999},
    )
    assert result["person"]["name"] == "Jane Smith" and result["relationships"] == []
    assert len(request_log(sandbox)) == 1  # the rows read still named her


def test_an_unknown_person_is_not_found_in_two_requests(sandbox, admin):
    sandbox.state.clear_requests()
    with pytest.raises(NotFoundError) as info:
        run_tool(admin, "affinity_get_relationship_strength", {"external_id": 999_999})
    assert "999999 was not found" in str(info.value)
    assert [r["path"] for r in request_log(sandbox)] == [
        "/v2/persons/999999/relationships",
        "/v2/persons",
    ]


def test_person_profile_shows_the_top_five_from_one_relationships_request(sandbox, admin):
    person = run_tool(admin, "affinity_get_person", {"person_id": seed.JANE_ID})
    expected = sorted(
        (r["strength"] for r in _v1_strengths(sandbox, seed.ADMIN_KEY, seed.JANE_ID)), reverse=True
    )[:5]
    assert [r["strength"] for r in person["relationships"]] == expected
    rel_requests = [r for r in request_log(sandbox) if r["path"].endswith("/relationships")]
    assert len(rel_requests) == 1 and "limit=5" in rel_requests[0]["query"]


def test_without_v2_relationships_v1_strengths_give_the_same_answer(sandbox, admin):
    expected = run_tool(admin, "affinity_get_relationship_strength", {"external_id": seed.JANE_ID})
    sandbox.state.clear_requests()
    sandbox.state.fail("GET", "/v2/persons/*/relationships", 404, count=10)
    fallback = run_tool(admin, "affinity_get_relationship_strength", {"external_id": seed.JANE_ID})
    assert fallback == expected
    assert "/relationships-strengths" in [r["path"] for r in request_log(sandbox)]
    person = run_tool(admin, "affinity_get_person", {"person_id": seed.JANE_ID})
    assert person["relationships"] == expected["relationships"][:5]
