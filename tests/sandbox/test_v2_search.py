"""V2 search (2026-07-15): persons, companies and list entries by SearchCriteria, answered 201,
each answer validated against the 2026-07-15 spec."""

from __future__ import annotations

import pytest

from affinity_client.sandbox import seed

from .helpers import v2
from .spec import SPEC_2026, validate_v2

PERSONS = "/v2/persons/search"
COMPANIES = "/v2/companies/search"
ENTRIES = "/v2/lists/{listId}/list-entries/search"
SERIES_A = seed.LISTS["Series A Pipeline"]


def entries_path(list_id: int = SERIES_A) -> str:
    return f"/v2/lists/{list_id}/list-entries/search"


def fields_by_name(client, list_id: int = SERIES_A) -> dict[str, dict]:
    return {f["name"]: f for f in client.get(f"/v2/lists/{list_id}/fields").json()["data"]}


def field_value(entry: dict, field_id: str):
    (field,) = [f for f in entry["entity"]["fields"] if f["id"] == field_id]
    return field["value"]["data"]


def test_person_search_by_term_answers_201(sandbox, admin_key):
    response = v2(sandbox, admin_key).post(PERSONS, json={"search": {"term": "jane"}})
    validate_v2("POST", PERSONS, response, SPEC_2026)
    assert response.status_code == 201
    assert seed.JANE_ID in [p["id"] for p in response.json()["data"]]
    assert all(
        "jane" in f"{p['firstName']} {p['lastName']} {p['primaryEmailAddress']}".lower()
        for p in response.json()["data"]
    )


def test_company_search_matches_name_or_domain_with_total_count(sandbox, admin_key):
    client = v2(sandbox, admin_key)
    response = client.post(
        COMPANIES + "?totalCount=true&limit=1", json={"search": {"term": "acme"}}
    )
    validate_v2("POST", COMPANIES, response, SPEC_2026)
    body = response.json()
    assert body["pagination"]["totalCount"] >= 2 and len(body["data"]) == 1
    second = client.post(body["pagination"]["nextUrl"], json={"search": {"term": "acme"}})
    validate_v2("POST", COMPANIES, second, SPEC_2026)
    assert second.json()["data"][0]["id"] != body["data"][0]["id"]
    assert all("acme" in (c["name"] + (c["domain"] or "")).lower() for c in second.json()["data"])


def test_no_body_is_the_plain_listing(sandbox, admin_key):
    client = v2(sandbox, admin_key)
    searched = client.post(PERSONS + "?limit=5")
    validate_v2("POST", PERSONS, searched, SPEC_2026)
    listed = client.get("/v2/persons?limit=5").json()["data"]
    assert [p["id"] for p in searched.json()["data"]] == [p["id"] for p in listed]


def test_list_entries_filter_on_stage_and_sort_by_amount(sandbox, admin_key):
    client = v2(sandbox, admin_key)
    fields = fields_by_name(client)
    status, amount = fields["Status"]["id"], fields["Amount"]["id"]
    every = client.get(f"/v2/lists/{SERIES_A}/list-entries?fieldIds={status}&limit=100").json()
    option = next(
        field_value(e, status)
        for e in every["data"]
        if field_value(e, status)["text"] == "Diligence"
    )
    criteria = {
        "filters": {
            "operator": "and",
            "filters": [
                {
                    "fieldId": status,
                    "valueType": "ranked-dropdown",
                    "operator": "is-any-of",
                    "value": [{"dropdownOptionId": option["dropdownOptionId"]}],
                },
                {"fieldId": amount, "valueType": "number", "operator": "is-not-empty"},
            ],
        },
        "sorts": [{"fieldId": amount, "direction": "desc"}],
    }
    response = client.post(
        f"{entries_path()}?fieldIds={status}&fieldIds={amount}&totalCount=true", json=criteria
    )
    validate_v2("POST", ENTRIES, response, SPEC_2026)
    data = response.json()["data"]
    expected = [e["id"] for e in every["data"] if field_value(e, status)["text"] == "Diligence"]
    assert data and {e["id"] for e in data} <= set(expected)
    assert all(field_value(e, status)["text"] == "Diligence" for e in data)
    amounts = [field_value(e, amount) for e in data]
    assert amounts == sorted(amounts, reverse=True)
    assert response.json()["pagination"]["totalCount"] == len(data)


def test_nested_or_group_and_term_on_deal_names(sandbox, admin_key):
    client = v2(sandbox, admin_key)
    criteria = {
        "search": {"term": "Series A"},
        "filters": {
            "operator": "or",
            "filters": [
                {
                    "operator": "and",
                    "filters": [
                        {
                            "fieldId": "companies",
                            "valueType": "company-multi",
                            "operator": "has-any-of",
                            "value": [{"id": seed.ACME_ORG_ID}],
                        }
                    ],
                },
                {
                    "fieldId": "persons",
                    "valueType": "person-multi",
                    "operator": "has-all-of",
                    "value": [{"id": seed.JANE_ID}],
                },
            ],
        },
    }
    response = client.post(entries_path(), json=criteria)
    validate_v2("POST", ENTRIES, response, SPEC_2026)
    assert [e["entity"]["id"] for e in response.json()["data"]] == [seed.ACME_DEAL_ID]


@pytest.mark.parametrize(
    ("path", "body", "query", "param"),
    [
        (PERSONS, {"search": {"term": "ja"}}, "", "search.term"),
        (PERSONS, {"query": "jane"}, "", "query"),
        (PERSONS, {"sorts": [{"fieldId": "field-1", "direction": "asc"}] * 6}, "", "sorts"),
        (PERSONS, {}, "?fieldIds=x&fieldTypes=global", "fieldIds"),
        (PERSONS, {}, "?limit=101", "limit"),
        (
            COMPANIES,
            {"filters": {"operator": "xor", "filters": []}},
            "",
            "filters.operator",
        ),
        (
            COMPANIES,
            {"filters": {"operator": "and", "filters": [{"operator": "or", "filters": []}] * 51}},
            "",
            "filters.filters",
        ),
        (
            COMPANIES,
            {
                "filters": {
                    "operator": "and",
                    "filters": [
                        {"fieldId": "field-nope", "valueType": "text", "operator": "contains"}
                    ],
                }
            },
            "",
            "filters.filters[0].fieldId",
        ),
    ],
)
def test_invalid_criteria_get_the_specs_validation_error(
    sandbox, admin_key, path, body, query, param
):
    response = v2(sandbox, admin_key).post(path + query, json=body)
    validate_v2("POST", path, response, SPEC_2026)
    assert response.status_code == 400
    (error,) = response.json()["errors"]
    assert error["code"] == "validation" and error["param"] == param


def test_a_filter_must_name_the_fields_value_type_and_operator(sandbox, admin_key):
    client = v2(sandbox, admin_key)
    amount = fields_by_name(client)["Amount"]["id"]

    def search(flt: dict) -> dict:
        response = client.post(
            entries_path(), json={"filters": {"operator": "and", "filters": [flt]}}
        )
        validate_v2("POST", ENTRIES, response, SPEC_2026)
        assert response.status_code == 400
        return response.json()["errors"][0]

    wrong_type = search(
        {"fieldId": amount, "valueType": "text", "operator": "contains", "value": "1"}
    )
    assert "number" in wrong_type["message"]
    wrong_op = search(
        {"fieldId": amount, "valueType": "number", "operator": "contains", "value": 1}
    )
    assert "is-greater-than" in wrong_op["message"]
    between = search(
        {"fieldId": amount, "valueType": "number", "operator": "is-between", "value": [1]}
    )
    assert between["param"].endswith(".value")


def test_restricted_user_is_refused_per_spec(sandbox):
    client = v2(sandbox, seed.RESTRICTED_KEY)
    for path, template, permission in (
        (PERSONS, PERSONS, seed.EXPORT_PEOPLE),
        (COMPANIES, COMPANIES, seed.EXPORT_ORGANIZATIONS),
        (entries_path(), ENTRIES, seed.EXPORT_LISTS),
    ):
        response = client.post(path, json={})
        validate_v2("POST", template, response, SPEC_2026)
        assert response.status_code == 403
        assert permission in response.json()["errors"][0]["message"]


def test_private_list_search_is_refused_to_who_cannot_see_it(sandbox, standard_key, admin_key):
    path = entries_path(seed.PRIVATE_LIST_ID)
    refused = v2(sandbox, standard_key).post(path, json={})
    validate_v2("POST", ENTRIES, refused, SPEC_2026)
    assert refused.status_code == 403
    assert v2(sandbox, admin_key).post(path, json={}).status_code == 201
