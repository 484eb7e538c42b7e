"""Person and company search go through V2 search when the key may export the directory, and
through V1 otherwise; the choice is made once per key (probe or first refusal), results keep
their shape, and a search costs no more requests than before."""

from __future__ import annotations

from affinity_client import run_tool
from affinity_client.capabilities import (
    ORGANIZATIONS_DIRECTORY,
    PEOPLE_DIRECTORY,
    allows,
    learn,
)
from affinity_client.probe import probe_permissions
from affinity_client.sandbox import seed

from .sandbox_helpers import clear_log, client_for, count, request_log

V2_PERSONS = "/v2/persons/search"
V2_COMPANIES = "/v2/companies/search"


def requests(sandbox) -> list[tuple[str, str]]:
    return [(r["method"], r["path"]) for r in request_log(sandbox)]


def v1_answer(sandbox, key: str, tool: str, inputs: dict) -> dict:
    with client_for(sandbox, key) as client:
        learn(client, PEOPLE_DIRECTORY, False)
        learn(client, ORGANIZATIONS_DIRECTORY, False)
        return run_tool(client, tool, inputs)


def test_a_directory_key_searches_people_through_v2_in_one_request(sandbox, admin_key):
    expected = v1_answer(sandbox, admin_key, "affinity_search_persons", {"term": "jane"})
    clear_log(sandbox)
    with client_for(sandbox, admin_key) as client:
        result = run_tool(client, "affinity_search_persons", {"term": "jane"})
        assert allows(client, PEOPLE_DIRECTORY)
    assert requests(sandbox) == [("POST", V2_PERSONS)]
    assert result == expected  # same rows, same shape as V1's answer
    (jane,) = [p for p in result["persons"] if p["id"] == seed.JANE_ID]
    assert jane["primary_email"] == seed.JANE_EMAIL and jane["name"] == "Jane Smith"


def test_company_search_pages_through_v2_to_the_end(sandbox, admin_key):
    expected = v1_answer(sandbox, admin_key, "affinity_search_organizations", {"term": "acme"})
    clear_log(sandbox)
    rows, token = [], None
    with client_for(sandbox, admin_key) as client:
        while True:
            inputs = {"term": "acme", "page_size": 1, **({"page_token": token} if token else {})}
            page = run_tool(client, "affinity_search_organizations", inputs)
            rows += page["organizations"]
            token = page["next_page_token"]
            if token is None:
                break
    assert count(request_log(sandbox), "POST", exact=V2_COMPANIES) == len(rows) >= 2
    assert count(request_log(sandbox), "GET") == 0
    assert sorted(rows, key=lambda r: r["id"]) == sorted(
        expected["organizations"], key=lambda r: r["id"]
    )


def test_a_probed_restricted_key_searches_through_v1_only(sandbox):
    with client_for(sandbox, seed.RESTRICTED_KEY) as client:
        probe = probe_permissions(client)
        assert probe["affinity_search_persons"]["ok"] is True
        clear_log(sandbox)
        people = run_tool(client, "affinity_search_persons", {"term": "jane"})
        orgs = run_tool(client, "affinity_search_organizations", {"term": "acme"})
    assert requests(sandbox) == [("GET", "/persons"), ("GET", "/organizations")]
    assert seed.JANE_ID in [p["id"] for p in people["persons"]]
    assert seed.ACME_ORG_ID in [o["id"] for o in orgs["organizations"]]


def test_an_unprobed_restricted_key_learns_once(sandbox):
    with client_for(sandbox, seed.RESTRICTED_KEY) as client:
        first = run_tool(client, "affinity_search_persons", {"term": "jane"})
        second = run_tool(client, "affinity_search_persons", {"term": "jane"})
    assert first == second and first["persons"]
    assert requests(sandbox) == [("POST", V2_PERSONS), ("GET", "/persons"), ("GET", "/persons")]


def test_what_v2_search_cannot_answer_goes_to_v1(sandbox, admin_key):
    with client_for(sandbox, admin_key) as client:
        short = run_tool(client, "affinity_search_persons", {"term": "ja"})
        dated = run_tool(
            client, "affinity_search_persons", {"term": "jane", "with_interaction_dates": True}
        )
        big = run_tool(client, "affinity_search_organizations", {"term": "acme", "page_size": 200})
    assert short["persons"] and "interaction_dates" in dated["persons"][0]
    assert big["organizations"]
    assert count(request_log(sandbox), "POST") == 0


def test_a_v1_page_token_stays_on_v1_after_the_key_learns_v2(sandbox, admin_key):
    with client_for(sandbox, admin_key) as client:
        learn(client, ORGANIZATIONS_DIRECTORY, False)
        first = run_tool(client, "affinity_search_organizations", {"term": "a", "page_size": 3})
        learn(client, ORGANIZATIONS_DIRECTORY, True)
        clear_log(sandbox)
        second = run_tool(
            client,
            "affinity_search_organizations",
            {"term": "a", "page_size": 3, "page_token": first["next_page_token"]},
        )
    assert requests(sandbox) == [("GET", "/organizations")]
    assert {o["id"] for o in first["organizations"]}.isdisjoint(
        o["id"] for o in second["organizations"]
    )
