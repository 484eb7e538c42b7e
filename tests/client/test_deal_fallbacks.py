"""Deals for a user whose role may not "Export data from Lists": V2 refuses list entries and
opportunities, V1 serves the same deals, and the tools read them there — chosen per key (by
the connect-time probe, or by the first refusal), not by asking V2 again on every call."""

from __future__ import annotations

from typing import Any

import pytest

from affinity_client import run_tool
from affinity_client.probe import probe_permissions
from affinity_client.sandbox import seed

from .sandbox_helpers import client_for

SERIES_A = seed.LISTS["Series A Pipeline"]
COMPARED = ("id", "name", "list", "list_entry_id", "stage", "value", "currency", "created_at")


def _refused(sandbox: Any) -> list[str]:
    return [f"{r['method']} {r['path']}" for r in sandbox.state.requests if r["status"] == 403]


def _v2(sandbox: Any) -> list[str]:
    return [r["path"] for r in sandbox.state.requests if r["path"].startswith("/v2/")]


def _same_deal(restricted: dict[str, Any], admin: dict[str, Any]) -> None:
    assert {k: restricted[k] for k in COMPARED} == {k: admin[k] for k in COMPARED}
    assert [o["id"] for o in restricted["owners"]] == [o["id"] for o in admin["owners"]]
    assert [p["id"] for p in restricted["people"]] == [p["id"] for p in admin["people"]]
    assert restricted["organizations"] == admin["organizations"]


def test_a_pipeline_reads_the_same_through_v1(sandbox):
    with client_for(sandbox, seed.ADMIN_KEY) as admin:
        expected = run_tool(admin, "affinity_list_opportunities", {"list_id": SERIES_A})
    with client_for(sandbox, seed.RESTRICTED_KEY) as client:
        probe_permissions(client)
        sandbox.state.clear_requests()
        first = run_tool(client, "affinity_list_opportunities", {"list_id": SERIES_A})
        token = first["next_page_token"]
        second = run_tool(
            client, "affinity_list_opportunities", {"list_id": SERIES_A, "page_token": token}
        )
    got = first["opportunities"] + second["opportunities"]
    assert len(first["opportunities"]) == 10 and token  # V1 pages hold ten deals
    for restricted, admin in zip(got, expected["opportunities"][:20], strict=True):
        _same_deal(restricted, admin)
    assert any(d["stage"] and d["owners"] and d["value"] for d in got)
    assert _refused(sandbox) == [] and not any("/list-entries" in p for p in _v2(sandbox))


def test_one_deal_with_every_field_reads_the_same_through_v1(sandbox):
    call = {"opportunity_id": seed.ACME_DEAL_ID}
    with client_for(sandbox, seed.ADMIN_KEY) as admin:
        expected = run_tool(admin, "affinity_get_opportunity", call)
    with client_for(sandbox, seed.RESTRICTED_KEY) as client:
        probe_permissions(client)
        sandbox.state.clear_requests()
        deal = run_tool(client, "affinity_get_opportunity", call)
    _same_deal(deal, expected)
    assert deal["people"][0]["name"] == "Jane Smith"
    assert sorted(deal["fields"], key=lambda f: f["id"]) == sorted(
        expected["fields"], key=lambda f: f["id"]
    )
    assert _refused(sandbox) == []


def test_without_the_probe_v2_is_asked_once_per_key(sandbox):
    """In 2024-01-01 one list entry needs "Export data from Lists": refused once, then V1."""
    with client_for(sandbox, seed.RESTRICTED_KEY, api_version="2024-01-01") as client:
        for _ in range(3):
            deal = run_tool(
                client, "affinity_get_opportunity", {"opportunity_id": seed.ACME_DEAL_ID}
            )
            assert deal["stage"]
    refused = [r for r in _refused(sandbox) if "/list-entries" in r]
    assert len(refused) == 1


def test_the_restricted_user_updates_and_creates_deals_with_their_owner(sandbox):
    with client_for(sandbox, seed.RESTRICTED_KEY) as client:
        probe_permissions(client)
        sandbox.state.clear_requests()
        updated = run_tool(
            client,
            "affinity_update_opportunity",
            {"opportunity_id": seed.ACME_DEAL_ID, "add_person_ids": [seed.ADMIN_ID]},
        )
        created = run_tool(
            client,
            "affinity_create_opportunity",
            {"list_id": SERIES_A, "name": "Restricted deal", "owner_id": seed.STANDARD_ID},
        )
    assert updated["changed"] and seed.ADMIN_ID in [p["id"] for p in updated["people"]]
    assert updated["stage"] and updated["stage"]["text"]
    assert [o["id"] for o in created["owners"]] == [seed.STANDARD_ID]
    assert "owner_not_set" not in created and "read_back" not in created
    assert _refused(sandbox) == []


def test_the_probe_offers_the_deal_tools_through_v1(sandbox):
    with client_for(sandbox, seed.RESTRICTED_KEY) as client:
        probe = probe_permissions(client)
    listing = probe["affinity_list_opportunities"]
    assert listing["ok"] is True and "V1" in listing["reason"]
    assert probe["affinity_get_opportunity"] == {"ok": True, "reason": None}


def test_a_refused_directory_export_is_not_asked_again(sandbox):
    """In 2024-01-01 one person needs "Export All People directory": refused once, then V1."""
    with client_for(sandbox, seed.RESTRICTED_KEY, api_version="2024-01-01") as client:
        for _ in range(3):
            jane = run_tool(client, "affinity_get_person", {"person_id": seed.JANE_ID})
            assert "Export All People directory" in jane["phone_numbers_unavailable"]
            assert jane["organizations"][0]["name"] == "Acme"  # through V1
    refused = [r for r in _refused(sandbox) if r.startswith("GET /v2/persons")]
    assert len(refused) == 1


def test_in_2026_one_deal_is_read_through_v2_without_a_refusal(sandbox):
    """The 2026-07-15 spec names no permission for one deal's list entry and its fields."""
    with client_for(sandbox, seed.RESTRICTED_KEY) as client:
        deal = run_tool(client, "affinity_get_opportunity", {"opportunity_id": seed.ACME_DEAL_ID})
    assert deal["stage"] and _refused(sandbox) == []


def _search(client: Any, **inp: Any) -> dict[str, Any]:
    return run_tool(client, "affinity_search_list_entries", {"list_id": SERIES_A, **inp})


def _all_pages(client: Any, **inp: Any) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    first = _search(client, **inp)
    rows, token = list(first["entries"]), first["next_page_token"]
    while token:
        page = _search(client, **inp, page_token=token)
        assert page["total"] == first["total"]
        rows += page["entries"]
        token = page["next_page_token"]
    return first, rows


@pytest.mark.parametrize(
    "inp",
    [
        {},
        {"stage": ["Diligence", "IC"], "sort_by": "amount", "descending": True},
        {"owner": "daniel", "where": [{"field": "Amount", "op": ">=", "value": "5M"}]},
        {"where": [{"field": "Last Reviewed", "op": "=", "value": "today"}]},  # Pacific: the seed's
        {"text": "acme"},
    ],
)
def test_a_filtered_pipeline_reads_the_same_through_v1(sandbox, inp):
    """Without "Export data from Lists" the search reads V1 (entries, their field values, the
    deals' links) and answers the same entries, stages and totals over every matching deal."""
    with client_for(sandbox, seed.ADMIN_KEY) as admin:
        expected, expected_rows = _all_pages(admin, **inp, page_size=10)
    with client_for(sandbox, seed.RESTRICTED_KEY) as client:
        probe_permissions(client)
        sandbox.state.clear_requests()
        got, rows = _all_pages(client, **inp, page_size=10)
    assert got["total"] == expected["total"] and got["stages"] == expected["stages"]
    assert got["filters"] == expected["filters"] and expected["total"]["count"] > 0
    assert [r["id"] for r in rows] == [r["id"] for r in expected_rows]
    for restricted, admin_row in zip(rows, expected_rows, strict=True):
        _same_deal(restricted, admin_row)
        assert restricted["matched"] == admin_row["matched"]
    assert _refused(sandbox) == [] and not any("/list-entries" in p for p in _v2(sandbox))


def test_without_the_probe_the_search_is_refused_once_then_reads_v1(sandbox):
    with client_for(sandbox, seed.RESTRICTED_KEY) as client:
        for _ in range(2):
            found = _search(client, stage="IC")
            assert found["total"]["count"] > 0
    assert len([r for r in _refused(sandbox) if "/list-entries" in r]) == 1


def test_a_list_longer_than_the_v1_cap_says_what_was_searched(sandbox, monkeypatch):
    from affinity_client.tools import pipeline, pipeline_v1

    monkeypatch.setattr(pipeline_v1, "V1_MAX_ENTRIES", 10)
    monkeypatch.setattr(pipeline, "V1_MAX_ENTRIES", 10)
    with client_for(sandbox, seed.RESTRICTED_KEY) as client:
        probe_permissions(client)
        cut = _search(client)
        whole = _search(client, stage="Diligence")
    assert cut["total"]["count"] == 10
    assert cut["filters"] == ["only the first 10 entries of the list were searched"]
    field_reads = [r for r in sandbox.state.requests if r["path"] == "/field-values"]
    assert len(field_reads) == 20  # one an entry, ten entries a search
    monkeypatch.setattr(pipeline_v1, "V1_MAX_ENTRIES", 500)
    with client_for(sandbox, seed.RESTRICTED_KEY) as client:
        probe_permissions(client)
        assert _search(client)["filters"] == []  # 42 entries: all searched, nothing said
    assert whole["filters"][0] == "Status = Diligence"


def test_text_finds_a_deal_by_any_of_its_organizations_through_v1(sandbox):
    """The restricted user's names are read one by one (25 at most): text is matched by the
    ids Affinity's own search gives, so the last deal's company is found too."""
    with client_for(sandbox, seed.ADMIN_KEY) as admin:
        every = _search(admin, page_size=100)["entries"]
        org = every[-1]["organizations"][0]["name"]
        expected = _search(admin, text=org, page_size=100)
    with client_for(sandbox, seed.RESTRICTED_KEY) as client:
        probe_permissions(client)
        sandbox.state.clear_requests()
        got = _search(client, text=org, page_size=100)
    assert every[-1]["id"] in [e["id"] for e in got["entries"]]
    assert [e["id"] for e in got["entries"]] == [e["id"] for e in expected["entries"]]
    singles = [r for r in sandbox.state.requests if r["path"].startswith("/organizations/")]
    assert len(singles) <= len(got["entries"])  # names only for the rows shown


def test_a_person_list_reads_the_same_through_v1(sandbox):
    founders = {"list_id": seed.LISTS["Founders to Watch"], "page_size": 100}
    with client_for(sandbox, seed.ADMIN_KEY) as admin:
        expected = run_tool(admin, "affinity_search_list_entries", founders)
    with client_for(sandbox, seed.RESTRICTED_KEY) as client:
        probe_permissions(client)
        sandbox.state.clear_requests()
        got = run_tool(client, "affinity_search_list_entries", founders)
    assert got["total"] == expected["total"] and got["total"]["count"] > 0
    pairs = list(zip(got["entries"], expected["entries"], strict=True))
    assert all(g["id"] == e["id"] and g["entity_type"] == "person" for g, e in pairs)
    assert [g["name"] for g, _ in pairs] == [e["name"] for _, e in pairs]
    assert _refused(sandbox) == []
