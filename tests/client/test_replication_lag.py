"""V2 lags V1 (reference/affinity-api.md §7.4): right after a V1 create, the tools retry their
V2 follow-ups within their deadline, never create twice, and never drop an owner silently."""

from __future__ import annotations

import time

from affinity_client import run_tool
from affinity_client.sandbox import seed

from .sandbox_helpers import client_for, control, count, request_log

SERIES_A = seed.LISTS["Series A Pipeline"]
NEW_DEAL = {
    "list_id": SERIES_A,
    "name": "Initech - Seed",
    "owner_id": seed.STANDARD_ID,
    "person_ids": [seed.JANE_ID],
}


def test_create_waits_for_v2_and_sets_the_owner(sandbox, admin_key):
    control(sandbox, "faults/replication-lag", {"ms": 400})
    with client_for(sandbox, admin_key, sleep=time.sleep) as client:
        deal = run_tool(client, "affinity_create_opportunity", NEW_DEAL)
    log = request_log(sandbox)
    assert count(log, "POST", exact="/opportunities") == 1
    assert any(r["status"] == 404 and r["path"].startswith("/v2/") for r in log)  # it lagged
    assert deal["owners"] == [{"id": seed.STANDARD_ID, "name": "Daniel Okafor"}]
    assert deal["name"] == "Initech - Seed" and "owner_not_set" not in deal


def test_when_v2_stays_behind_the_result_says_so_and_nothing_is_created_twice(sandbox, admin_key):
    control(sandbox, "faults/replication-lag", {"ms": 60_000})
    with client_for(sandbox, admin_key, sleep=time.sleep, max_call_seconds=1) as client:
        deal = run_tool(client, "affinity_create_opportunity", NEW_DEAL)
    assert count(request_log(sandbox), "POST", exact="/opportunities") == 1
    assert deal["id"] in sandbox.state.opportunities
    assert f"person {seed.STANDARD_ID}" in deal["owner_not_set"]
    assert "do not create" in deal["owner_not_set"]
    assert "Do not create it again" in deal["read_back"]
    assert deal["people"] == [{"id": seed.JANE_ID}]
