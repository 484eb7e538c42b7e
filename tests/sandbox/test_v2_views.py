"""Saved views (V2 spec 2026-07-15): a list's views, one view, and a sheet view's entries with
the view's filter and columns applied; every answer, errors included, as the spec documents it."""

from __future__ import annotations

from affinity_client.sandbox import seed

from .helpers import v2
from .spec import SPEC_2026, validate_v2

S = seed.LISTS["Series A Pipeline"]
VIEWS = "/v2/lists/{listId}/saved-views"
VIEW = "/v2/lists/{listId}/saved-views/{viewId}"
ENTRIES = "/v2/lists/{listId}/saved-views/{viewId}/list-entries"


def _stage_of(entry):
    fields = {f["name"]: f for f in entry["entity"]["fields"]}
    return fields["Status"]["value"]["data"]["text"]


def test_a_list_has_its_views_each_readable_alone(sandbox):
    client = v2(sandbox, seed.ADMIN_KEY)
    answer = client.get(f"/v2/lists/{S}/saved-views")
    validate_v2("GET", VIEWS, answer, SPEC_2026)
    views = {v["name"]: v for v in answer.json()["data"]}
    assert set(views) == {"In IC", "My deals", "Deal Pipeline Status"}
    assert views["Deal Pipeline Status"]["type"] == "board"
    one = client.get(f"/v2/lists/{S}/saved-views/{views['In IC']['id']}")
    validate_v2("GET", VIEW, one, SPEC_2026)
    assert one.json() == views["In IC"]


def test_a_sheet_views_entries_keep_its_filter_and_only_its_columns(sandbox):
    client = v2(sandbox, seed.ADMIN_KEY)
    answer = client.get(f"/v2/lists/{S}/saved-views/9101/list-entries?limit=100")
    validate_v2("GET", ENTRIES, answer, SPEC_2026)
    entries = answer.json()["data"]
    in_ic = [
        e
        for e in client.get(f"/v2/lists/{S}/list-entries?fieldTypes=list&limit=100").json()["data"]
        if _stage_of(e) == "IC"
    ]
    assert entries and [e["id"] for e in entries] == [e["id"] for e in in_ic]
    assert {f["name"] for e in entries for f in e["entity"]["fields"]} == {
        "Status",
        "Owners",
        "Amount",
    }


def test_a_person_list_view_answers_as_the_current_spec_says(sandbox):
    founders = seed.LISTS["Founders to Watch"]
    answer = v2(sandbox, seed.ADMIN_KEY).get(f"/v2/lists/{founders}/saved-views/9106/list-entries")
    validate_v2("GET", ENTRIES, answer, SPEC_2026)
    entries = answer.json()["data"]
    assert entries
    for entry in entries:
        [priority] = entry["entity"]["fields"]
        assert priority["name"] == "Priority" and priority["value"]["data"]["text"] == "High"


def test_a_stage_written_a_moment_ago_moves_the_deal_into_the_view(sandbox):
    client = v2(sandbox, seed.ADMIN_KEY)
    before = client.get(f"/v2/lists/{S}/saved-views/9101/list-entries").json()["data"]
    assert seed.ACME_DEAL_ID not in [e["entity"]["id"] for e in before]
    entry = next(
        e for e in sandbox.state.list_entries.values() if e["entity_id"] == seed.ACME_DEAL_ID
    )
    status = next(
        f
        for f in sandbox.state.world.fields.values()
        if f["list_id"] == S and f["name"] == "Status"
    )
    ic = next(o["id"] for o in status["dropdown_options"] if o["text"] == "IC")
    written = client.patch(
        f"/v2/lists/{S}/list-entries/{entry['id']}/fields",
        json={
            "operation": "update-fields",
            "updates": [
                {
                    "id": f"field-{status['id']}",
                    "value": {"type": "ranked-dropdown", "data": {"dropdownOptionId": ic}},
                }
            ],
        },
    )
    assert written.status_code == 200
    after = client.get(f"/v2/lists/{S}/saved-views/9101/list-entries").json()["data"]
    assert seed.ACME_DEAL_ID in [e["entity"]["id"] for e in after]


def test_my_deals_depends_on_who_asks(sandbox):
    mine = {}
    for key, person in ((seed.ADMIN_KEY, seed.ADMIN_ID), (seed.STANDARD_KEY, seed.STANDARD_ID)):
        data = v2(sandbox, key).get(f"/v2/lists/{S}/saved-views/9102/list-entries").json()["data"]
        for e in data:
            owners = next(f for f in e["entity"]["fields"] if f["name"] == "Owners")
            assert person in [o["id"] for o in owners["value"]["data"]]
        mine[person] = {e["id"] for e in data}
    assert (
        mine[seed.ADMIN_ID]
        and mine[seed.STANDARD_ID]
        and mine[seed.ADMIN_ID] != mine[seed.STANDARD_ID]
    )


def test_errors_are_the_specs(sandbox):
    client = v2(sandbox, seed.ADMIN_KEY)
    board = client.get(f"/v2/lists/{S}/saved-views/9103/list-entries")
    assert board.status_code == 400 and "sheet" in board.json()["errors"][0]["message"]
    validate_v2("GET", ENTRIES, board, SPEC_2026)
    for path, template in (
        (f"/v2/lists/{S}/saved-views/9999", VIEW),
        (f"/v2/lists/{S}/saved-views/9104/list-entries", ENTRIES),  # a view of another list
        ("/v2/lists/999999/saved-views", VIEWS),
    ):
        missing = client.get(path)
        assert missing.status_code == 404, path
        validate_v2("GET", template, missing, SPEC_2026)
    bad = client.get(f"/v2/lists/{S}/saved-views/abc")
    assert bad.status_code == 400
    validate_v2("GET", VIEW, bad, SPEC_2026)


def test_private_lists_and_permissions_hold_for_views(sandbox):
    private = f"/v2/lists/{seed.PRIVATE_LIST_ID}/saved-views"
    assert v2(sandbox, seed.ADMIN_KEY).get(private).json()["data"]
    denied = v2(sandbox, seed.STANDARD_KEY).get(private)
    assert denied.status_code == 403
    validate_v2("GET", VIEWS, denied, SPEC_2026)
    restricted = v2(sandbox, seed.RESTRICTED_KEY)
    assert restricted.get(f"/v2/lists/{S}/saved-views").status_code == 200  # metadata: allowed
    refused = restricted.get(f"/v2/lists/{S}/saved-views/9101/list-entries")
    assert refused.status_code == 403 and "Export data from Lists" in refused.text
    validate_v2("GET", ENTRIES, refused, SPEC_2026)
