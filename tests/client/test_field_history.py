"""affinity_get_field_history against the sandbox: who changed a field, from what to what, with
names resolved from the changes themselves, for admin, standard and restricted users."""

from __future__ import annotations

import pytest

from affinity_client import PermissionDeniedError, ToolInputError, run_tool
from affinity_client.sandbox import seed

from .sandbox_helpers import clear_log, client_for, request_log

TOOL = "affinity_get_field_history"
SERIES_A = seed.LISTS["Series A Pipeline"]


def entry_of(sandbox, entity_id: int, list_id: int) -> dict:
    return next(
        e
        for e in sandbox.state.list_entries.values()
        if e["entity_id"] == entity_id and e["list_id"] == list_id
    )


def field_id(sandbox, list_id: int | None, name: str) -> int:
    return next(
        f["id"]
        for f in sandbox.state.world.fields.values()
        if f["list_id"] == list_id and f["name"] == name
    )


@pytest.mark.parametrize("key", [seed.ADMIN_KEY, seed.STANDARD_KEY, seed.RESTRICTED_KEY])
def test_a_deals_stage_history_in_two_requests(sandbox, key):
    with client_for(sandbox, key) as client:
        result = run_tool(client, TOOL, {"opportunity_id": seed.ACME_DEAL_ID, "field": "status"})
    assert len(request_log(sandbox)) == 2  # the deal's list entry, its changes (names inside)
    entry = entry_of(sandbox, seed.ACME_DEAL_ID, SERIES_A)
    assert result["target"] == {
        "type": "opportunity",
        "id": seed.ACME_DEAL_ID,
        "list_id": SERIES_A,
        "list_entry_id": entry["id"],
    }
    newest, *older = result["changes"]
    assert newest["action"] == "changed" and newest["to"] == "Diligence"
    assert newest["from"] == older[0]["to"]  # from = the value the previous change set
    assert older[-1]["action"] == "set" and older[-1]["from"] is None
    assert newest["changed_by"]["name"] and newest["changed_by"]["id"] in seed.INTERNAL_IDS
    stamps = [c["changed_at"] for c in result["changes"]]
    assert stamps == sorted(stamps, reverse=True)
    assert result["truncated"] is False


def test_writes_show_up_from_and_to_with_who_made_them(sandbox, admin_key, standard_key):
    entry = entry_of(sandbox, seed.ACME_DEAL_ID, SERIES_A)
    status = field_id(sandbox, SERIES_A, "Status")
    owners = field_id(sandbox, SERIES_A, "Owners")
    ic = next(
        o["id"] for o in sandbox.state.world.fields[status]["dropdown_options"] if o["text"] == "IC"
    )
    with client_for(sandbox, standard_key) as client:
        client.post(
            f"/v2/lists/{SERIES_A}/list-entries/{entry['id']}/fields/field-{status}",
            {"value": {"type": "ranked-dropdown", "data": {"dropdownOptionId": ic}}},
        )
    with client_for(sandbox, admin_key) as client:
        client.patch(
            f"/v2/lists/{SERIES_A}/list-entries/{entry['id']}/fields",
            {
                "operation": "update-fields",
                "updates": [
                    {
                        "id": f"field-{owners}",
                        "value": {"type": "person-multi", "data": [{"id": seed.ADMIN_ID}]},
                    }
                ],
            },
        )
        result = run_tool(
            client, TOOL, {"list_id": SERIES_A, "list_entry_id": entry["id"], "limit": 50}
        )
    after_seed = seed.SEED_NOW.strftime("%Y-%m-%dT%H:%M:%SZ")
    latest = [c for c in result["changes"] if c["changed_at"] > after_seed]
    stage = next(c for c in latest if c["field"]["name"] == "Status")
    assert (stage["action"], stage["from"], stage["to"]) == ("changed", "Diligence", "IC")
    assert stage["changed_by"] == {"id": seed.STANDARD_ID, "name": "Daniel Okafor"}
    people = [c for c in latest if c["field"]["name"] == "Owners"]
    assert {c["action"] for c in people} <= {"added", "removed"}
    assert {c["to"] for c in people if c["action"] == "added"} == {"Maya Patel"}
    assert all(c["from"] for c in people if c["action"] == "removed")


def test_a_persons_global_field(sandbox, admin_key):
    with client_for(sandbox, admin_key) as client:
        client.post(
            f"/v2/persons/{seed.JANE_ID}/fields/field-{field_id(sandbox, None, 'Job Title')}",
            {"value": {"type": "text", "data": "CEO"}},
        )
        result = run_tool(client, TOOL, {"person_id": seed.JANE_ID, "field": "Job title"})
    newest = result["changes"][0]
    assert (newest["from"], newest["to"]) == ("CEO & Co-founder", "CEO")
    assert newest["changed_by"] == {"id": seed.ADMIN_ID, "name": "Maya Patel"}
    assert result["target"]["type"] == "person"


def test_a_deleted_option_keeps_its_text(sandbox, admin_key):
    entry = entry_of(sandbox, seed.ACME_DEAL_ID, SERIES_A)
    sector = field_id(sandbox, SERIES_A, "Sector")
    (value,) = [
        v
        for v in sandbox.state.world.field_values.values()
        if v["field_id"] == sector and v["list_entry_id"] == entry["id"]
    ]
    text = sandbox.state.index.options[value["value"]][1]["text"]
    with client_for(sandbox, admin_key) as client:
        client.request(
            "DELETE",
            f"/v2/lists/{SERIES_A}/fields/field-{sector}/dropdown-options/{value['value']}",
        )
        result = run_tool(client, TOOL, {"opportunity_id": seed.ACME_DEAL_ID, "field": "Sector"})
    cleared, made = result["changes"]
    assert (cleared["action"], cleared["from"], cleared["to"]) == ("cleared", text, None)
    assert made["to"] == text


def test_a_hidden_list_is_refused_to_who_cannot_see_it(sandbox, standard_key, admin_key):
    deal = next(
        o["id"]
        for o in sandbox.state.opportunities.values()
        if o["list_id"] == seed.PRIVATE_LIST_ID
    )
    with client_for(sandbox, standard_key) as client, pytest.raises(PermissionDeniedError):
        run_tool(client, TOOL, {"opportunity_id": deal})
    with client_for(sandbox, admin_key) as client:
        assert run_tool(client, TOOL, {"opportunity_id": deal})["changes"]


@pytest.mark.parametrize(
    ("inputs", "field"),
    [
        ({}, "opportunity_id"),
        ({"opportunity_id": 1, "person_id": 2}, "person_id"),
        ({"list_entry_id": 5}, "list_id"),
        ({"opportunity_id": 5, "list_id": 3}, "list_id"),
        ({"person_id": seed.JANE_ID}, "field"),
        ({"opportunity_id": 1, "limit": 0}, "limit"),
    ],
)
def test_bad_inputs_are_refused_before_any_request(sandbox, admin_key, inputs, field):
    clear_log(sandbox)
    with client_for(sandbox, admin_key) as client, pytest.raises(ToolInputError) as raised:
        run_tool(client, TOOL, inputs)
    assert raised.value.field == field
    assert request_log(sandbox) == []


def test_an_unknown_field_name_lists_the_fields(sandbox, admin_key):
    with client_for(sandbox, admin_key) as client, pytest.raises(ToolInputError) as raised:
        run_tool(client, TOOL, {"organization_id": seed.ACME_ORG_ID, "field": "Revenue"})
    assert "Industry" in str(raised.value) and "Total Funding" in str(raised.value)
