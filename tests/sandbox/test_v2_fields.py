"""Dropdown options and person/company field values (2026-07-15), each answer validated against
the 2026-07-15 spec; writes show up in reads and in the field value changes."""

from __future__ import annotations

import pytest

from affinity_client.sandbox import seed

from .helpers import v2
from .spec import SPEC_2026, validate_v2

SERIES_A = seed.LISTS["Series A Pipeline"]
OPTIONS = "/v2/lists/{listId}/fields/{fieldId}/dropdown-options"
OPTION = OPTIONS + "/{dropdownOptionId}"
PERSON_FIELDS = "/v2/persons/{personId}/fields"
PERSON_FIELD = "/v2/persons/{personId}/fields/{fieldId}"
COMPANY_FIELDS = "/v2/companies/{companyId}/fields"
COMPANY_FIELD = "/v2/companies/{companyId}/fields/{fieldId}"


def field(sandbox, list_id: int | None, name: str) -> dict:
    return next(
        f
        for f in sandbox.state.world.fields.values()
        if f["list_id"] == list_id and f["name"] == name
    )


def test_dropdown_options_of_person_company_and_list_fields(sandbox, admin_key):
    client = v2(sandbox, admin_key)
    industry = field(sandbox, None, "Industry")
    companies = client.get(f"/v2/companies/fields/field-{industry['id']}/dropdown-options")
    validate_v2("GET", "/v2/companies/fields/{fieldId}/dropdown-options", companies, SPEC_2026)
    assert [o["text"] for o in companies.json()["data"]] == seed.INDUSTRIES
    status = field(sandbox, SERIES_A, "Status")
    ranked = client.get(f"/v2/lists/{SERIES_A}/fields/field-{status['id']}/dropdown-options")
    validate_v2("GET", OPTIONS, ranked, SPEC_2026)
    assert [o["text"] for o in ranked.json()["data"]] == seed.STATUS_STAGES
    assert {o["type"] for o in ranked.json()["data"]} == {"ranked-dropdown"}
    # A person field that is not a dropdown, and a company field asked of persons.
    title = field(sandbox, None, "Job Title")
    not_dropdown = client.get(f"/v2/persons/fields/field-{title['id']}/dropdown-options")
    validate_v2("GET", "/v2/persons/fields/{fieldId}/dropdown-options", not_dropdown, SPEC_2026)
    assert not_dropdown.status_code == 400
    wrong_entity = client.get(f"/v2/persons/fields/field-{industry['id']}/dropdown-options")
    validate_v2("GET", "/v2/persons/fields/{fieldId}/dropdown-options", wrong_entity, SPEC_2026)
    assert wrong_entity.status_code == 404


def test_list_option_create_update_get(sandbox, admin_key):
    client = v2(sandbox, admin_key)
    status = field(sandbox, SERIES_A, "Status")
    base = f"/v2/lists/{SERIES_A}/fields/field-{status['id']}/dropdown-options"
    created = client.post(
        base, json={"type": "ranked-dropdown", "text": "On Hold", "rank": 8, "color": "gray"}
    )
    validate_v2("POST", OPTIONS, created, SPEC_2026)
    assert created.status_code == 201
    option = created.json()
    assert option["text"] == "On Hold" and option["color"] == "gray"
    updated = client.post(f"{base}/{option['id']}", json={"text": "Paused", "color": "red"})
    validate_v2("POST", OPTION, updated, SPEC_2026)
    assert updated.status_code == 204
    got = client.get(f"{base}/{option['id']}")
    validate_v2("GET", OPTION, got, SPEC_2026)
    assert got.json() == {**option, "text": "Paused", "color": "red"}
    # The new option is usable at once.
    entry = next(e for e in sandbox.state.list_entries.values() if e["list_id"] == SERIES_A)
    write = client.post(
        f"/v2/lists/{SERIES_A}/list-entries/{entry['id']}/fields/field-{status['id']}",
        json={"value": {"type": "ranked-dropdown", "data": {"dropdownOptionId": option["id"]}}},
    )
    assert write.status_code == 204


@pytest.mark.parametrize(
    ("body", "param"),
    [
        ({"type": "dropdown", "text": "X"}, "type"),
        ({"type": "ranked-dropdown", "text": "X", "rank": 1}, "color"),
        ({"type": "ranked-dropdown", "text": "IC", "rank": 1, "color": "red"}, "text"),
        ({"type": "ranked-dropdown", "text": "", "rank": 1, "color": "red"}, "text"),
        ({"type": "ranked-dropdown", "text": "X", "rank": -1, "color": "red"}, "rank"),
        ({"type": "ranked-dropdown", "text": "X", "rank": 1, "color": "yellow"}, "color"),
        (
            {"type": "ranked-dropdown", "text": "X", "rank": 1, "color": "red", "winRate": 3},
            "winRate",
        ),
    ],
)
def test_option_create_validation(sandbox, admin_key, body, param):
    status = field(sandbox, SERIES_A, "Status")
    response = v2(sandbox, admin_key).post(
        f"/v2/lists/{SERIES_A}/fields/field-{status['id']}/dropdown-options", json=body
    )
    validate_v2("POST", OPTIONS, response, SPEC_2026)
    assert response.status_code == 400
    assert response.json()["errors"][0]["param"] == param


def test_deleting_an_option_clears_its_values_and_records_it(sandbox, admin_key):
    client = v2(sandbox, admin_key)
    sector = field(sandbox, SERIES_A, "Sector")
    held = [v for v in sandbox.state.world.field_values.values() if v["field_id"] == sector["id"]]
    option_id = held[0]["value"]
    holders = [v for v in held if v["value"] == option_id]
    path = f"/v2/lists/{SERIES_A}/fields/field-{sector['id']}/dropdown-options/{option_id}"
    deleted = client.delete(path)
    validate_v2("DELETE", OPTION, deleted, SPEC_2026)
    assert deleted.status_code == 204
    gone = client.get(path)
    validate_v2("GET", OPTION, gone, SPEC_2026)
    assert gone.status_code == 404
    entry = holders[0]["list_entry_id"]
    now = client.get(
        f"/v2/lists/{SERIES_A}/list-entries/{entry}/fields/field-{sector['id']}"
    ).json()
    assert now["value"]["data"] is None
    changes = client.get(
        "/v2/field-value-changes",
        params={"filter": f"field.id=field-{sector['id']} & actionType=delete"},
    )
    validate_v2("GET", "/v2/field-value-changes", changes, SPEC_2026)
    cleared = changes.json()["data"]
    assert len(cleared) == len(holders)
    assert cleared[0]["value"]["referenceType"] == "deleted-entity"
    assert cleared[0]["value"]["displayValue"] in seed.INDUSTRIES


def test_standard_user_cannot_change_options_of_a_private_list(sandbox, standard_key):
    private = field(sandbox, seed.PRIVATE_LIST_ID, "Status")
    response = v2(sandbox, standard_key).post(
        f"/v2/lists/{seed.PRIVATE_LIST_ID}/fields/field-{private['id']}/dropdown-options",
        json={"type": "ranked-dropdown", "text": "X", "rank": 1, "color": "red"},
    )
    validate_v2("POST", OPTIONS, response, SPEC_2026)
    assert response.status_code == 403


def test_person_field_values_read_write_and_batch(sandbox, admin_key):
    client = v2(sandbox, admin_key)
    title = f"field-{field(sandbox, None, 'Job Title')['id']}"
    listed = client.get(f"/v2/persons/{seed.JANE_ID}/fields", params={"types": "global"})
    validate_v2("GET", PERSON_FIELDS, listed, SPEC_2026)
    assert {f["type"] for f in listed.json()["data"]} == {"global"}
    one = client.get(f"/v2/persons/{seed.JANE_ID}/fields/{title}")
    validate_v2("GET", PERSON_FIELD, one, SPEC_2026)
    assert one.json()["value"]["data"] == "CEO & Co-founder"
    written = client.post(
        f"/v2/persons/{seed.JANE_ID}/fields/{title}",
        json={"value": {"type": "text", "data": "CEO"}},
    )
    validate_v2("POST", PERSON_FIELD, written, SPEC_2026)
    assert written.status_code == 204
    assert client.get(f"/v2/persons/{seed.JANE_ID}/fields/{title}").json()["value"]["data"] == "CEO"
    batch = client.patch(
        f"/v2/persons/{seed.JANE_ID}/fields",
        json={
            "operation": "update-fields",
            "updates": [{"id": title, "value": {"type": "text", "data": "Chair"}}],
        },
    )
    validate_v2("PATCH", PERSON_FIELDS, batch, SPEC_2026)
    assert batch.json() == {"operation": "update-fields"}
    history = client.get(
        "/v2/field-value-changes",
        params={"filter": f"field.id={title} & changer.id={seed.ADMIN_ID} & actionType=update"},
    ).json()["data"]
    assert [c["value"] for c in history][-2:] == ["CEO", "Chair"]
    assert all(c["listEntry"] is None and c["entity"]["id"] == seed.JANE_ID for c in history[-2:])


def test_company_field_writes_are_validated_before_any_is_made(sandbox, admin_key):
    client = v2(sandbox, admin_key)
    funding = f"field-{field(sandbox, None, 'Total Funding')['id']}"
    industry = f"field-{field(sandbox, None, 'Industry')['id']}"
    before = client.get(f"/v2/companies/{seed.ACME_ORG_ID}/fields/{funding}").json()
    refused = client.patch(
        f"/v2/companies/{seed.ACME_ORG_ID}/fields",
        json={
            "operation": "update-fields",
            "updates": [
                {"id": funding, "value": {"type": "number", "data": 99}},
                {"id": industry, "value": {"type": "dropdown", "data": {"dropdownOptionId": 1}}},
            ],
        },
    )
    validate_v2("PATCH", COMPANY_FIELDS, refused, SPEC_2026)
    assert refused.status_code == 400
    assert refused.json()["errors"][0]["param"] == "updates[1].value"
    after = client.get(f"/v2/companies/{seed.ACME_ORG_ID}/fields/{funding}").json()
    assert after == before


@pytest.mark.parametrize(
    ("field_id", "status"),
    [("affinity-data-phone-number", 400), ("last-email", 400), ("field-999999", 404)],
)
def test_only_global_fields_are_written(sandbox, admin_key, field_id, status):
    response = v2(sandbox, admin_key).post(
        f"/v2/persons/{seed.JANE_ID}/fields/{field_id}",
        json={"value": {"type": "text", "data": "x"}},
    )
    validate_v2("POST", PERSON_FIELD, response, SPEC_2026)
    assert response.status_code == status


def test_ids_and_types_are_exclusive(sandbox, admin_key):
    response = v2(sandbox, admin_key).get(
        f"/v2/companies/{seed.ACME_ORG_ID}/fields", params={"ids": "last-email", "types": "global"}
    )
    validate_v2("GET", COMPANY_FIELDS, response, SPEC_2026)
    assert response.status_code == 400
