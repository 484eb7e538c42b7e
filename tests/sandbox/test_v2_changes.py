"""Field value changes (2026-07-15): seeded history, delta sync, and a change for every field
write the sandbox takes (V1 and V2), each answer validated against the 2026-07-15 spec."""

from __future__ import annotations

from affinity_client.sandbox import seed

from .helpers import v1, v2
from .spec import SPEC_2026, validate_v2

GLOBAL = "/v2/field-value-changes"
ENTRY = "/v2/lists/{listId}/list-entries/{listEntryId}/field-value-changes"
SERIES_A = seed.LISTS["Series A Pipeline"]
CO_INVESTORS = seed.LISTS["Co-investors"]
AFTER_SEED = seed.SEED_NOW.strftime("%Y-%m-%dT%H:%M:%SZ")
"""Seeded history ends at the seed's "now"; what a test writes is later."""


def entry_of(sandbox, entity_id: int, list_id: int) -> dict:
    return next(
        e
        for e in sandbox.state.list_entries.values()
        if e["entity_id"] == entity_id and e["list_id"] == list_id
    )


def field_id(sandbox, list_id: int | None, name: str, entity_type: int | None = None) -> int:
    return next(
        f["id"]
        for f in sandbox.state.world.fields.values()
        if f["list_id"] == list_id
        and f["name"] == name
        and (entity_type is None or f["entity_type"] == entity_type)
    )


def entry_changes(client, entry: dict, filter_text: str | None = None) -> list[dict]:
    response = client.get(
        f"/v2/lists/{entry['list_id']}/list-entries/{entry['id']}/field-value-changes",
        params={"filter": filter_text} if filter_text else None,
    )
    validate_v2("GET", ENTRY, response, SPEC_2026)
    assert response.status_code == 200
    return response.json()["data"]


def test_seeded_stage_history_of_the_acme_deal(sandbox, admin_key):
    entry = entry_of(sandbox, seed.ACME_DEAL_ID, SERIES_A)
    status = field_id(sandbox, SERIES_A, "Status")
    changes = entry_changes(v2(sandbox, admin_key), entry, f"field.id=field-{status}")
    assert [c["actionType"] for c in changes] == ["add"] + ["update"] * (len(changes) - 1)
    assert len(changes) >= 2
    assert changes[-1]["value"]["text"] == "Diligence"  # the deal's current stage
    assert changes[0]["changer"]["id"] != changes[-1]["changer"]["id"]
    stamps = [c["changedAt"] for c in changes]
    assert stamps == sorted(stamps)


def test_history_spans_past_weeks_and_several_users(sandbox, admin_key):
    response = v2(sandbox, admin_key).get(
        GLOBAL, params={"filter": "actionType=update & changedAt>=2026-10-01T00:00:00Z"}
    )
    validate_v2("GET", GLOBAL, response, SPEC_2026)
    moves = response.json()["data"]
    assert len(moves) == 100 and response.json()["pagination"]["nextUrl"]
    assert {m["field"]["name"] for m in moves} == {"Status"}
    assert len({m["changer"]["id"] for m in moves}) >= 3
    assert len({m["listEntry"]["listId"] for m in moves}) == 2  # Deal Flow and Series A


def sync(client, query: dict) -> list[dict]:
    """A delta sync: follow nextUrl until it is null."""
    out, response = [], client.get(GLOBAL, params=query)
    while True:
        validate_v2("GET", GLOBAL, response, SPEC_2026)
        out += response.json()["data"]
        url = response.json()["pagination"]["nextUrl"]
        if url is None:
            return out
        response = client.get(url)


def test_delta_sync_then_a_v2_write_is_the_next_syncs_only_change(sandbox, admin_key):
    client = v2(sandbox, admin_key)
    amount = field_id(sandbox, SERIES_A, "Amount")
    first = sync(client, {"filter": f"field.id=field-{amount}", "limit": 100})
    stamps = [(c["changedAt"], c["id"]) for c in first]
    assert stamps == sorted(stamps) and len(first) > 30
    entry = entry_of(sandbox, seed.ACME_DEAL_ID, SERIES_A)
    written = v2(sandbox, seed.STANDARD_KEY).post(
        f"/v2/lists/{SERIES_A}/list-entries/{entry['id']}/fields/field-{amount}",
        json={"value": {"type": "number", "data": 7_500_000}},
    )
    assert written.status_code in (200, 204)
    later = sync(
        client, {"filter": f"changedAt>{first[-1]['changedAt']} & field.id=field-{amount}"}
    )
    (change,) = later
    assert change["actionType"] == "update" and change["value"] == 7_500_000
    assert change["changer"]["id"] == seed.STANDARD_ID
    assert change["listEntry"] == {"id": entry["id"], "listId": SERIES_A}


def test_every_v1_field_value_write_is_recorded(sandbox, admin_key):
    client = v1(sandbox, admin_key)
    entry = entry_of(sandbox, seed.ACME_DEAL_ID, SERIES_A)
    sector = field_id(sandbox, SERIES_A, "Sector")
    owners = field_id(sandbox, SERIES_A, "Owners")
    options = sandbox.state.world.fields[sector]["dropdown_options"]
    (current,) = [
        v
        for v in sandbox.state.world.field_values.values()
        if v["field_id"] == sector and v["list_entry_id"] == entry["id"]
    ]
    new = next(o for o in options if o["id"] != current["value"])
    assert client.put(f"/field-values/{current['id']}", json={"value": new["id"]}).is_success
    added = client.post(
        "/field-values",
        json={
            "field_id": owners,
            "entity_id": seed.ACME_DEAL_ID,
            "list_entry_id": entry["id"],
            "value": seed.ADMIN_ID,
        },
    ).json()
    assert client.delete(f"/field-values/{added['id']}").is_success
    recent = entry_changes(v2(sandbox, admin_key), entry, f"changedAt>{AFTER_SEED}")
    assert [(c["field"]["name"], c["actionType"]) for c in recent] == [
        ("Sector", "update"),
        ("Owners", "add"),
        ("Owners", "delete"),
    ]
    assert recent[0]["value"]["text"] == new["text"]
    assert recent[1]["value"]["id"] == recent[2]["value"]["id"] == seed.ADMIN_ID
    assert {c["changer"]["id"] for c in recent} == {seed.ADMIN_ID}


def test_a_v2_batch_write_of_a_multi_value_field_adds_and_deletes(sandbox, admin_key):
    entry = entry_of(sandbox, seed.ACME_DEAL_ID, SERIES_A)
    owners = field_id(sandbox, SERIES_A, "Owners")
    answer = v2(sandbox, admin_key).patch(
        f"/v2/lists/{SERIES_A}/list-entries/{entry['id']}/fields",
        json={
            "operation": "update-fields",
            "updates": [
                {
                    "id": f"field-{owners}",
                    "value": {"type": "person-multi", "data": [{"id": seed.ADMIN_ID}]},
                }
            ],
        },
    )
    assert answer.is_success
    before = {
        c["value"]["id"]
        for c in entry_changes(v2(sandbox, admin_key), entry, f"field.id=field-{owners}")
        if c["changedAt"] <= AFTER_SEED
    }
    recent = entry_changes(
        v2(sandbox, admin_key),
        entry,
        f"field.id=field-{owners} & changedAt>{AFTER_SEED}",
    )
    assert all(c["actionType"] in ("add", "delete") for c in recent)
    deleted = {c["value"]["id"] for c in recent if c["actionType"] == "delete"}
    added = {c["value"]["id"] for c in recent if c["actionType"] == "add"}
    assert deleted == before - {seed.ADMIN_ID} and added == {seed.ADMIN_ID} - before


def test_untracked_fields_and_hidden_lists_are_left_out(sandbox, admin_key, standard_key):
    notes = field_id(sandbox, CO_INVESTORS, "Notes")
    entry = next(e for e in sandbox.state.list_entries.values() if e["list_id"] == CO_INVESTORS)
    written = v1(sandbox, admin_key).post(
        "/field-values",
        json={
            "field_id": notes,
            "entity_id": entry["entity_id"],
            "list_entry_id": entry["id"],
            "value": "Led our Series B",
        },
    )
    assert written.is_success
    assert not entry_changes(v2(sandbox, admin_key), entry, f"field.id=field-{notes}")
    private = next(
        e for e in sandbox.state.list_entries.values() if e["list_id"] == seed.PRIVATE_LIST_ID
    )
    refused = v2(sandbox, standard_key).get(
        f"/v2/lists/{seed.PRIVATE_LIST_ID}/list-entries/{private['id']}/field-value-changes"
    )
    validate_v2("GET", ENTRY, refused, SPEC_2026)
    assert refused.status_code == 403
    seen = sync(v2(sandbox, standard_key), {"filter": f"listEntry.id={private['id']}"})
    assert seen == []
    assert sync(v2(sandbox, admin_key), {"filter": f"listEntry.id={private['id']}"})


def test_order_and_filter_errors(sandbox, admin_key):
    client = v2(sandbox, admin_key)
    newest = client.get(GLOBAL, params={"orderBy": "-changedAt", "limit": 5})
    validate_v2("GET", GLOBAL, newest, SPEC_2026)
    stamps = [c["changedAt"] for c in newest.json()["data"]]
    assert stamps == sorted(stamps, reverse=True)
    for params in ({"orderBy": "id"}, {"filter": "value=3"}, {"filter": "actionType=moved"}):
        response = client.get(GLOBAL, params=params)
        validate_v2("GET", GLOBAL, response, SPEC_2026)
        assert response.status_code == 400
    missing = client.get(f"/v2/lists/{SERIES_A}/list-entries/1/field-value-changes")
    validate_v2("GET", ENTRY, missing, SPEC_2026)
    assert missing.status_code == 404
