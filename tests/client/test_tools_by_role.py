"""Every tool as the admin, the standard and the restricted user (whose role lacks the export
permissions; every tool reaches it, through V1 where V2 wants an export): the connect-time
check agrees with what the tools then do."""

from __future__ import annotations

import pytest

from affinity_client import TOOLS, run_tool
from affinity_client.probe import probe_permissions
from affinity_client.sandbox import seed

from .sandbox_helpers import client_for

SERIES_A = seed.LISTS["Series A Pipeline"]
CALLS = {
    "affinity_search_persons": {"term": "jane"},
    "affinity_get_person": {"person_id": seed.JANE_ID},
    "affinity_search_organizations": {"term": "acme"},
    "affinity_get_organization": {"organization_id": seed.ACME_ORG_ID},
    "affinity_list_lists": {},
    "affinity_list_opportunities": {"list_id": SERIES_A},
    "affinity_get_opportunity": {"opportunity_id": seed.ACME_DEAL_ID},
    "affinity_create_opportunity": {"list_id": SERIES_A, "name": "Role check deal"},
    "affinity_update_opportunity": {"opportunity_id": seed.ACME_DEAL_ID, "name": "Acme renamed"},
    "affinity_create_note": {"content": "Role check", "person_ids": [seed.JANE_ID]},
    "affinity_list_notes": {"person_id": seed.JANE_ID},
    "affinity_add_to_list": {"list_id": seed.LISTS["Founders to Watch"], "person_id": seed.JANE_ID},
    "affinity_get_relationship_strength": {"external_id": seed.JANE_ID},
    "affinity_get_field_history": {"opportunity_id": seed.ACME_DEAL_ID, "field": "Status"},
    "affinity_update_note": {"note_id": None, "content": "Role check, edited"},
    "affinity_delete_note": {"note_id": None},
    "affinity_list_reminders": {},
    "affinity_create_reminder": {
        "person_id": seed.JANE_ID,
        "content": "x",
        "due_date": "2030-01-01",
    },
    "affinity_complete_reminder": {"reminder_id": None},
    "affinity_list_meetings": {},
    "affinity_create_person": {"first_name": "Role", "email": "role.check@example.com"},
    "affinity_create_organization": {"name": "Role Check Co", "domain": "rolecheck.com"},
    "affinity_list_fields": {"list_id": SERIES_A},
    "affinity_list_saved_views": {"list_id": SERIES_A},
    "affinity_search_list_entries": {"list_id": SERIES_A, "stage": "Diligence"},
    "affinity_search_opportunities": {"term": "acme"},
    "affinity_update_field_values": {
        "opportunity_id": seed.ACME_DEAL_ID,
        "values": [{"field": "Amount", "value": 5_000_000}],
    },
    "affinity_remove_from_list": {
        "list_id": seed.LISTS["Founders to Watch"],
        "person_id": seed.JANE_ID,
    },
}


def test_every_tool_is_covered():
    assert set(CALLS) == set(TOOLS)


@pytest.mark.parametrize(
    "key",
    [seed.ADMIN_KEY, seed.STANDARD_KEY, seed.RESTRICTED_KEY],
    ids=["admin", "standard", "restricted"],
)
def test_what_the_probe_allows_works(sandbox, key):
    with client_for(sandbox, key) as client:
        probe = probe_permissions(client)
        created: dict[str, int] = {}
        for name, tool_input in CALLS.items():
            if None in tool_input.values():  # the note or reminder this user just created
                made = created[name.split("_")[-1]]
                tool_input = {k: made if v is None else v for k, v in tool_input.items()}
            assert probe[name]["ok"] is True, (name, probe[name])
            result = run_tool(client, name, tool_input)
            assert isinstance(result, dict), name
            assert "read_back" not in result and "owner_not_set" not in result, name
            if name in ("affinity_create_note", "affinity_create_reminder"):
                created[name.split("_")[-1]] = result["id"]


def test_the_restricted_user_sees_an_organization_with_its_deals_through_v1(sandbox):
    call = {"organization_id": seed.ACME_ORG_ID}
    with client_for(sandbox, seed.ADMIN_KEY) as client:
        expected = run_tool(client, "affinity_get_organization", call)
    with client_for(sandbox, seed.RESTRICTED_KEY) as client:
        org = run_tool(client, "affinity_get_organization", call)
        person = run_tool(client, "affinity_get_person", {"person_id": seed.JANE_ID})
    assert org["name"] == "Acme" and "deals_unavailable" not in org
    assert org["deals"] == expected["deals"] and org["deals"][0]["stage"]["text"]
    assert org["people"] and all(p["name"] for p in org["people"])  # V1 fallback for names
    assert person["name"] == "Jane Smith" and person["organizations"][0]["name"] == "Acme"


def test_a_person_shows_current_and_former_organizations_apart(sandbox):
    with client_for(sandbox, seed.ADMIN_KEY) as client:
        jane = run_tool(client, "affinity_get_person", {"person_id": seed.JANE_ID})
    assert [o["id"] for o in jane["organizations"]] == [seed.ACME_ORG_ID]
    [former] = jane["former_organizations"]
    assert former["id"] != seed.ACME_ORG_ID and former["name"]


def test_phones_come_from_the_enriched_field_where_affinity_holds_them(sandbox):
    phones = sandbox.state.world.persons[seed.JANE_ID]["phone_numbers"]
    with client_for(sandbox, seed.ADMIN_KEY) as client:
        jane = run_tool(client, "affinity_get_person", {"person_id": seed.JANE_ID})
        v1_person = client.get(f"/persons/{seed.JANE_ID}")
    assert phones and jane["phone_numbers"] == phones
    assert "phone_numbers" not in v1_person  # V1's person resource has no phones
    with client_for(sandbox, seed.RESTRICTED_KEY, api_version="2024-01-01") as client:
        limited = run_tool(client, "affinity_get_person", {"person_id": seed.JANE_ID})
    assert limited["phone_numbers"] == []  # 2024-01-01: one person needs the directory export
    assert "Export All People directory" in limited["phone_numbers_unavailable"]
    with client_for(sandbox, seed.RESTRICTED_KEY) as client:  # 2026-07-15 asks no permission
        assert (
            run_tool(client, "affinity_get_person", {"person_id": seed.JANE_ID})["phone_numbers"]
            == phones
        )
