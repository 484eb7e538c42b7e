"""The sandbox's V1 answers have the keys and JSON types of real captured V1 responses
(affinity-v1-responses/, from planet-a-ventures/affinity-node), tolerating only keys the
reference documents as optional or nullable."""

from __future__ import annotations

import pytest

from affinity_client.sandbox import seed

from .helpers import v1
from .spec import fixture, shape_errors

INTERACTION_KEYS = [
    "first_email",
    "last_email",
    "first_event",
    "last_event",
    "next_event",
    "last_chat_message",
    "last_interaction",
]
NULLABLE_INTERACTIONS = frozenset(
    [f"$.interactions.{k}?" for k in INTERACTION_KEYS]
    + [f"$.interaction_dates.{k}_date?" for k in INTERACTION_KEYS]
    + [f"$.persons[].interactions.{k}?" for k in INTERACTION_KEYS]
    + [f"$.persons[].interaction_dates.{k}_date?" for k in INTERACTION_KEYS]
)
# entity_type is in real list entries (persons/get, list_entries/all) but missing from some
# captures; the entity's id likewise (present in list_entries/all, absent in get/create).
ENTRY_OPTIONAL = frozenset({"$.entity_type", "$.entity.id"})

CASES = [
    # (name, method, path, json body, fixture, optional, loose)
    ("whoami", "GET", "/auth/whoami", None, "auth/whoami/whoami", frozenset(), frozenset()),
    (
        "rate-limit",
        "GET",
        "/rate-limit",
        None,
        "rate_limit/rate_limit",
        frozenset(),
        frozenset({"$.rate.org_monthly.limit", "$.rate.org_monthly.remaining"}),
    ),
    (
        "persons-search",
        "GET",
        "/persons?term=smith",
        None,
        "persons/search",
        frozenset(),
        frozenset(),
    ),
    (
        "persons-search-dates",
        "GET",
        "/persons?with_interaction_dates=true&page_size=50",
        None,
        "persons/search_with_dates",
        NULLABLE_INTERACTIONS | {"$.next_page_token"},
        frozenset(),
    ),
    (
        "person-get",
        "GET",
        f"/persons/{seed.JANE_ID}",
        None,
        "persons/get",
        frozenset(),
        frozenset(),
    ),
    ("internal-person-get", "GET", "/persons/1001", None, "persons/get", frozenset(), frozenset()),
    (
        "orgs-search",
        "GET",
        "/organizations?term=acme",
        None,
        "organizations/search",
        frozenset({"$.next_page_token?"}),
        frozenset(),
    ),  # null on the last page (§2.1)
    (
        "org-get",
        "GET",
        f"/organizations/{seed.ACME_ORG_ID}?with_interaction_dates=true"
        "&with_interaction_persons=true&with_opportunities=true",
        None,
        "organizations/get",
        NULLABLE_INTERACTIONS | {"$.list_entries[].entity_type"},
        frozenset(),
    ),
    ("notes-all", "GET", "/notes?page_size=20", None, "notes/all", frozenset(), frozenset()),
    (
        "notes-by-org",
        "GET",
        f"/notes?organization_id={seed.ACME_ORG_ID}",
        None,
        "notes/all",
        frozenset(),
        frozenset(),
    ),
    ("note-get", "GET", "/notes/3000002", None, "notes/get", frozenset(), frozenset()),
    (
        "note-create",
        "POST",
        "/notes",
        {
            "content": "<p>Hello <strong>there</strong></p>",
            "type": 2,
            "organization_ids": [seed.ACME_ORG_ID],
        },
        "notes/create",
        frozenset(),
        frozenset(),
    ),
    ("lists", "GET", "/lists", None, "lists/all", frozenset(), frozenset()),
    (
        "list-single",
        "GET",
        f"/lists/{seed.LISTS['Series A Pipeline']}",
        None,
        "lists/single",
        frozenset(),
        frozenset(),
    ),
    (
        "list-entries",
        "GET",
        f"/lists/{seed.LISTS['Founders to Watch']}/list-entries",
        None,
        "list_entries/all",
        frozenset(),
        frozenset(),
    ),
    (
        "fields",
        "GET",
        f"/fields?list_id={seed.LISTS['Series A Pipeline']}",
        None,
        "fields/all",
        frozenset(),
        frozenset(),
    ),
    ("fields-all", "GET", "/fields", None, "fields/all", frozenset({"$[].list_id?"}), frozenset()),
    (
        "field-values",
        "GET",
        f"/field-values?opportunity_id={seed.ACME_DEAL_ID}",
        None,
        "field_values/get_all",
        frozenset({"$[].list_entry_id?"}),
        frozenset({"$[].value"}),
    ),
    (
        "field-values-person",
        "GET",
        "/field-values?person_id=4001",
        None,
        "field_values/get_all",
        frozenset(),
        frozenset({"$[].value"}),
    ),
]


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_v1_answer_has_the_real_shape(sandbox, admin_key, case):
    _, method, path, body, name, optional, loose = case
    response = v1(sandbox, admin_key).request(method, path, json=body)
    assert response.status_code == 200, response.text
    errors = shape_errors(response.json(), fixture(name), optional=optional, loose=loose)
    assert not errors, "\n".join(errors)


def _founders_entry(sandbox) -> dict:
    list_id = seed.LISTS["Founders to Watch"]
    return next(e for e in sandbox.state.list_entries.values() if e["list_id"] == list_id)


def test_list_entry_get_and_create_have_the_real_shape(sandbox, admin_key):
    client = v1(sandbox, admin_key)
    entry = _founders_entry(sandbox)
    got = client.get(f"/lists/{entry['list_id']}/list-entries/{entry['id']}")
    assert not shape_errors(got.json(), fixture("list_entries/get"), optional=ENTRY_OPTIONAL)
    created = client.post(f"/lists/{entry['list_id']}/list-entries", json={"entity_id": 4001})
    assert created.status_code == 200
    assert not shape_errors(created.json(), fixture("list_entries/create"), optional=ENTRY_OPTIONAL)


def test_field_value_writes_have_the_real_shape(sandbox, admin_key):
    client = v1(sandbox, admin_key)
    title = next(f for f in sandbox.state.world.fields.values() if f["name"] == "Job Title")
    created = client.post(
        "/field-values", json={"field_id": title["id"], "entity_id": 4003, "value": "Founder"}
    )
    assert created.status_code == 200, created.text
    assert not shape_errors(created.json(), fixture("field_values/create"))
    updated = client.put(f"/field-values/{created.json()['id']}", json={"value": "CEO"})
    assert updated.status_code == 200
    assert not shape_errors(updated.json(), fixture("field_values/update"))
    assert updated.json()["value"] == "CEO"


def test_shape_check_catches_a_renamed_key():
    real = fixture("persons/get")
    wrong = {**real, "primaryEmail": real["primary_email"]}
    del wrong["primary_email"]
    assert shape_errors(wrong, real) == [
        "$.primary_email: missing",
        "$.primaryEmail: not in the real response",
    ]


def test_shape_check_catches_a_wrong_type():
    real = fixture("lists/all")
    wrong = [{**real[0], "list_size": "67"}]
    assert shape_errors(wrong, real) == ["$[].list_size: expected number, got string"]
