"""V2 answers in the version a request names, else in its key's default version: the shapes
each version adds on shared paths, and the 400s for versions and ids the sandbox does not take."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from affinity_client.sandbox import seed, versions
from affinity_client.sandbox.app import URLS

from .helpers import anonymous, v1, v2
from .spec import SPEC_2024, SPEC_2026, spec, template_for, validate_v2

S = seed.LISTS["Series A Pipeline"]
HEADER = "X-Affinity-Api-Version"


def test_each_key_answers_in_its_default_version(sandbox, admin_key):
    new = v2(sandbox, admin_key).get(f"/v2/opportunities/{seed.ACME_DEAL_ID}")
    old = v2(sandbox, seed.LEGACY_KEY).get(f"/v2/opportunities/{seed.ACME_DEAL_ID}")
    assert new.headers[HEADER] == "2026-07-15"
    assert old.headers[HEADER] == "2024-01-01"
    assert new.json() == {
        "id": seed.ACME_DEAL_ID,
        "name": old.json()["name"],
        "listId": S,
        "listName": "Series A Pipeline",
        "isRestricted": False,
        "isRedacted": False,
    }
    assert old.json() == {"id": seed.ACME_DEAL_ID, "name": new.json()["name"], "listId": S}
    validate_v2("GET", "/v2/opportunities/{opportunityId}", new)
    validate_v2("GET", "/v2/opportunities/{opportunityId}", old)


def test_the_header_overrides_the_key_default(sandbox, admin_key):
    pinned = v2(sandbox, admin_key, "2024-01-01").get(f"/v2/lists/{S}")
    assert pinned.headers[HEADER] == "2024-01-01"
    assert "createdAt" not in pinned.json()
    newer = v2(sandbox, seed.LEGACY_KEY, "2026-07-15").get(f"/v2/lists/{S}")
    assert newer.headers[HEADER] == "2026-07-15"
    assert newer.json()["createdAt"].endswith("Z")
    current = v2(sandbox, seed.LEGACY_KEY, "current").get(f"/v2/lists/{S}")
    assert current.headers[HEADER] == "2026-07-15"


@pytest.mark.parametrize("asked", ["2026-09-17", "2025-01-01", "latest"])
def test_a_version_the_sandbox_does_not_answer_in_is_a_validation_error(sandbox, admin_key, asked):
    response = v2(sandbox, admin_key, asked).get("/v2/lists")
    assert response.status_code == 400
    (error,) = response.json()["errors"]
    assert error["code"] == "validation" and error["param"] == HEADER
    assert "2024-01-01" in error["message"] and "2026-07-15" in error["message"]
    assert response.headers[HEADER] == "2026-07-15"
    validate_v2("GET", "/v2/lists", response)


def test_operations_added_after_2024_are_answered_as_2026(sandbox, admin_key):
    response = v2(sandbox, admin_key, "2024-01-01").post(
        f"/v2/lists/{S}/list-entries/search", json={}
    )
    assert response.status_code == 201, response.text
    assert response.headers[HEADER] == "2026-07-15"
    deal = response.json()["data"][0]["entity"]
    assert deal["isRestricted"] is False and deal["isRedacted"] is False
    validate_v2("POST", "/v2/lists/{listId}/list-entries/search", response)


def test_the_2024_operations_are_those_of_the_2024_spec():
    ops = {
        (method.upper(), re.sub(r"{[^}]+}", "{}", path))
        for path, operations in spec(SPEC_2024)["paths"].items()
        for method in operations
        if method != "parameters"
    }
    assert ops == versions.OPERATIONS_2024


def test_ids_above_the_safe_integer_are_refused_since_2026(sandbox, admin_key):
    too_big = 2**53
    new = v2(sandbox, admin_key).get(f"/v2/persons/{too_big}")
    assert new.status_code == 400
    assert new.json()["errors"][0]["param"] == "personId"
    assert v2(sandbox, admin_key).get(f"/v2/persons/{too_big - 1}").status_code == 404
    assert v2(sandbox, admin_key, "2024-01-01").get(f"/v2/persons/{too_big}").status_code == 404
    assert v2(sandbox, admin_key, "2024-01-01").get(f"/v2/persons/{2**63}").status_code == 400
    assert v2(sandbox, admin_key).get(f"/v2/notes/{2**31}").status_code == 400


def test_field_metadata_filter_and_includes(sandbox, admin_key):
    client = v2(sandbox, admin_key)
    url = f"/v2/lists/{S}/fields?filter=name%3D~stat&includes=filterability&includes=sortability"
    response = client.get(url)
    validate_v2("GET", "/v2/lists/{listId}/fields", response)
    (status,) = response.json()["data"]
    assert status["name"] == "Status" and status["createdAt"].endswith("Z")
    assert status["sortability"] == {"sortableFieldType": "field-only"}
    assert "is-any-of" in [o["id"] for o in status["filterability"]["operators"]]
    exact = client.get(f'/v2/lists/{S}/fields?filter=name="Amount"').json()["data"]
    assert [f["name"] for f in exact] == ["Amount"]
    people = client.get(f"/v2/lists/{S}/fields?filter=name%3Dpersons").json()["data"]
    assert people == []
    plain = client.get(f"/v2/lists/{S}/fields").json()["data"]
    assert {f["id"]: f["createdAt"] for f in plain}["persons"] is None
    assert all("filterability" not in f for f in plain)
    bad = client.get("/v2/persons/fields?filter=type%3Dlist")
    assert bad.status_code == 400 and bad.json()["errors"][0]["param"] == "filter"
    legacy = v2(sandbox, admin_key, "2024-01-01").get(url)
    assert len(legacy.json()["data"]) > 1 and "createdAt" not in legacy.json()["data"][0]
    validate_v2("GET", "/v2/lists/{listId}/fields", legacy)


def test_lists_by_term(sandbox, admin_key):
    found = v2(sandbox, admin_key).get("/v2/lists?term=PIPELINE")
    validate_v2("GET", "/v2/lists", found)
    assert sorted(r["name"] for r in found.json()["data"]) == [
        "Seed Pipeline",
        "Series A Pipeline",
    ]


def test_person_list_entries_name_their_list(sandbox, admin_key):
    response = v2(sandbox, admin_key).get(f"/v2/persons/{seed.JANE_ID}/list-entries")
    validate_v2("GET", "/v2/persons/{personId}/list-entries", response)
    names = {seed.LISTS[e["listName"]] == e["listId"] for e in response.json()["data"]}
    assert names == {True}


def test_multi_values_count_past_the_cap_of_100(sandbox, admin_key):
    people = sorted(p for p in sandbox.state.world.persons if p != seed.JANE_ID)[:120]
    v1(sandbox, admin_key).put(
        f"/opportunities/{seed.ACME_DEAL_ID}", json={"person_ids": people}
    ).raise_for_status()
    entry = next(
        e["id"] for e in sandbox.state.list_entries.values() if e["entity_id"] == seed.ACME_DEAL_ID
    )
    path = f"/v2/lists/{S}/list-entries/{entry}/fields/persons"
    template = "/v2/lists/{listId}/list-entries/{listEntryId}/fields/{fieldId}"
    new = v2(sandbox, admin_key).get(path)
    validate_v2("GET", template, new)
    assert len(new.json()["value"]["data"]) == 100
    assert new.json()["value"]["totalCount"] == 120
    old = v2(sandbox, admin_key, "2024-01-01").get(path)
    validate_v2("GET", template, old)
    assert len(old.json()["value"]["data"]) == 100 and "totalCount" not in old.json()["value"]


def test_a_plan_without_a_monthly_cap_sends_no_org_headers(sandbox, admin_key):
    def plan(capped: bool) -> None:
        anonymous(sandbox).post("/_sandbox/plan", json={"monthly_cap": capped}).raise_for_status()

    plan(False)
    sandbox.state.use_up_monthly_quota()  # nothing to use up without a cap
    answer = v2(sandbox, admin_key).get("/v2/lists")
    assert answer.status_code == 200
    assert not [h for h in answer.headers if h.startswith("x-ratelimit-limit-org")]
    assert answer.headers["x-ratelimit-limit-user"] == "900"
    validate_v2("GET", "/v2/lists", answer)
    monthly = v1(sandbox, admin_key).get("/rate-limit").json()["rate"]["org_monthly"]
    assert monthly["limit"] == monthly["remaining"] == "unlimited"
    plan(True)
    capped = v2(sandbox, admin_key).get("/v2/lists")
    assert capped.status_code == 200 and capped.headers["x-ratelimit-limit-org"] == "100000"
    assert anonymous(sandbox).post("/_sandbox/plan", json={}).status_code == 400


def _documented_operations() -> set[tuple[str, str]]:
    text = (Path(__file__).parents[2] / "docs" / "sandbox.md").read_text()
    section = text.split("### Operations served, per version", 1)[1].split("\n### ", 1)[0]
    found = set()
    for methods, path in re.findall(r"`((?:[A-Z]+\\\|)*[A-Z]+) (/v2/[^`]+)`", section):
        found |= {(method, path) for method in methods.split("\\|")}
    return found


def test_the_operations_table_lists_every_v2_route():
    routed = set()
    for rule in URLS.iter_rules():
        if rule.rule.startswith("/v2/"):
            sample = re.sub(r"<[^>]+>", "1", rule.rule)
            for method in rule.methods - {"HEAD", "OPTIONS"}:
                found = template_for(sample, SPEC_2026, method)
                assert found and method in found[1], f"{method} {rule.rule} is in no spec"
                routed.add((method, found[0]))
    documented = _documented_operations()
    assert routed - documented == set(), "routes missing from docs/sandbox.md"
    assert documented - routed == set(), "docs/sandbox.md lists operations not served"
