"""Every tool, not just a representative one, meets each failure a user can hit: a revoked key,
a rate limit, a server error on a read. Reads recover by retrying; writes change nothing when
refused."""

from __future__ import annotations

import pytest

from affinity_client import TOOLS, AuthenticationError, run_tool
from affinity_client.sandbox import seed

from .sandbox_helpers import Sleeps, clear_log, client_for, request_log

SERIES_A = seed.LISTS["Series A Pipeline"]
FOUNDERS = seed.LISTS["Founders to Watch"]

READS = {
    "affinity_search_persons": {"term": "jane"},
    "affinity_get_person": {"person_id": seed.JANE_ID},
    "affinity_search_organizations": {"term": "acme"},
    "affinity_get_organization": {"organization_id": seed.ACME_ORG_ID},
    "affinity_list_lists": {},
    "affinity_list_opportunities": {"list_id": SERIES_A, "page_size": 10},
    "affinity_get_opportunity": {"opportunity_id": seed.ACME_DEAL_ID},
    "affinity_list_notes": {"organization_id": seed.ACME_ORG_ID},
    "affinity_get_relationship_strength": {"external_id": seed.JANE_ID},
    "affinity_list_reminders": {},
    "affinity_list_meetings": {},
    "affinity_get_field_history": {"opportunity_id": seed.ACME_DEAL_ID},
    "affinity_list_fields": {"list_id": SERIES_A},
    "affinity_search_list_entries": {"list_id": SERIES_A, "stage": "Diligence"},
    "affinity_list_saved_views": {"list_id": SERIES_A},
    "affinity_search_opportunities": {"term": "acme"},
}
WRITES = {
    "affinity_create_opportunity": {"list_id": SERIES_A, "name": "Refused Co - Seed"},
    "affinity_update_opportunity": {"opportunity_id": seed.ACME_DEAL_ID, "name": "Renamed"},
    "affinity_create_note": {"content": "never saved", "person_ids": [seed.JANE_ID]},
    "affinity_add_to_list": {"list_id": FOUNDERS, "person_id": seed.JANE_ID},
    "affinity_update_note": {"note_id": 3000001, "content": "never saved"},
    "affinity_delete_note": {"note_id": 3000001},
    "affinity_create_reminder": {
        "person_id": seed.JANE_ID,
        "content": "x",
        "due_date": "2030-01-01",
    },
    "affinity_complete_reminder": {"reminder_id": 7001},
    "affinity_create_person": {"first_name": "Never", "email": "never.saved@example.com"},
    "affinity_create_organization": {"name": "Never Saved", "domain": "neversaved.com"},
    "affinity_update_field_values": {
        "opportunity_id": seed.ACME_DEAL_ID,
        "values": [{"field": "Amount", "value": 7_000_000}],
    },
    "affinity_remove_from_list": {"list_id": FOUNDERS, "person_id": seed.JANE_ID},
}


def test_the_cases_cover_every_tool():
    assert set(READS) | set(WRITES) == set(TOOLS)
    assert {name for name, tool in TOOLS.items() if tool.writes} == set(WRITES)


def snapshot(sandbox) -> tuple:
    state = sandbox.state
    world = state.world
    return (
        repr(state.notes),
        repr(state.list_entries),
        repr(state.opportunities),
        repr(state.world.reminders),
        repr(state.world.field_values),
        sorted(world.persons),
        sorted(world.organizations),
    )


def statuses(sandbox) -> list[int]:
    return [entry["status"] for entry in request_log(sandbox)]


@pytest.mark.parametrize("name", sorted({**READS, **WRITES}))
def test_a_revoked_key_is_reported_as_such_and_changes_nothing(sandbox, revoked_key, name):
    before = snapshot(sandbox)
    with client_for(sandbox, revoked_key) as client, pytest.raises(AuthenticationError) as raised:
        run_tool(client, name, {**READS, **WRITES}[name])
    assert revoked_key not in str(raised.value)
    assert snapshot(sandbox) == before


@pytest.mark.parametrize("name", sorted(READS))
def test_a_read_recovers_from_a_server_error(sandbox, admin_key, name):
    with client_for(sandbox, admin_key) as client:
        expected = run_tool(client, name, READS[name])
    clear_log(sandbox)
    sandbox.state.fail("*", "*", 503, count=1)  # a search is a read sent as a POST
    with client_for(sandbox, admin_key) as client:  # a new client: no metadata cached
        assert run_tool(client, name, READS[name]) == expected
    assert statuses(sandbox).count(503) == 1


@pytest.mark.parametrize("name", sorted({**READS, **WRITES}))
def test_every_tool_waits_out_a_rate_limit(sandbox, admin_key, name):
    sleeps = Sleeps()
    clear_log(sandbox)
    sandbox.state.force_rate_limit(admin_key, 2)
    with client_for(sandbox, admin_key, sleep=sleeps) as client:
        result = run_tool(client, name, {**READS, **WRITES}[name])
    assert result
    assert statuses(sandbox).count(429) == 2 and len(sleeps) >= 2
