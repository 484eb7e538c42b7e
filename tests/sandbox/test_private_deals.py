"""Deals on the private list 208: the standard user (no access to the list) is refused the deal,
its list entry, its field values and the notes attached only to it, on every V1 and V2 endpoint
that could reveal or write them; the admin (the list's owner) gets them all."""

from __future__ import annotations

import pytest

from affinity_client.sandbox import seed

from .helpers import v1, v2
from .spec import SPEC_2024, SPEC_2026, validate_v2

PRIVATE = seed.PRIVATE_LIST_ID


@pytest.fixture
def secret(sandbox) -> dict:
    """The first deal on the private list, with its list entry id."""
    opp = next(o for o in sandbox.state.opportunities.values() if o["list_id"] == PRIVATE)
    entry = next(
        e
        for e in sandbox.state.list_entries.values()
        if e["entity_type"] == 8 and e["entity_id"] == opp["id"]
    )
    return {**opp, "entry_id": entry["id"]}


@pytest.fixture
def notes(sandbox, admin_key, secret) -> dict[str, int]:
    """Two notes the admin wrote: one only on the secret deal, one also on a person."""
    admin = v1(sandbox, admin_key)
    only = admin.post(
        "/notes", json={"content": "Secret terms", "opportunity_ids": [secret["id"]]}
    ).json()
    shared = admin.post(
        "/notes",
        json={
            "content": "Met the founder",
            "opportunity_ids": [secret["id"], seed.ACME_DEAL_ID],
            "person_ids": [seed.JANE_ID],
        },
    ).json()
    return {"only": only["id"], "shared": shared["id"]}


def _v1_denied(response) -> None:
    assert response.status_code == 403, response.text
    assert response.json() == {
        "message": "You do not have permission to access this opportunity's list"
    }


def _v2_denied(response, template: str, method: str = "GET") -> None:
    assert response.status_code == 403, response.text
    assert [e["code"] for e in response.json()["errors"]] == ["authorization"]
    for spec_file in (SPEC_2024, SPEC_2026):
        validate_v2(method, template, response, spec_file)


def _all_v1_notes(client, **params) -> list[dict]:
    out, token = [], None
    while True:
        query = {**params, "page_size": 100, **({"page_token": token} if token else {})}
        body = client.get("/notes", params=query).json()
        out += body["notes"]
        token = body["next_page_token"]
        if not token:
            return out


def _all_v2(client, path: str, **params) -> list[dict]:
    out, url = [], path
    query: dict | None = {**params, "limit": 100}
    while url:
        body = client.get(url, params=query).json()
        out += body["data"]
        url, query = body["pagination"]["nextUrl"], None
    return out


# -- V1 --------------------------------------------------------------------------------------
def test_v1_opportunity_is_refused_to_the_user_without_the_list(
    sandbox, admin_key, standard_key, secret
):
    _v1_denied(v1(sandbox, standard_key).get(f"/opportunities/{secret['id']}"))
    seen = v1(sandbox, admin_key).get(f"/opportunities/{secret['id']}").json()
    assert [e["list_id"] for e in seen["list_entries"]] == [PRIVATE]


def test_v1_opportunity_writes_are_refused(sandbox, standard_key, secret):
    client = v1(sandbox, standard_key)
    _v1_denied(client.put(f"/opportunities/{secret['id']}", json={"name": "Mine now"}))
    _v1_denied(client.delete(f"/opportunities/{secret['id']}"))
    assert sandbox.state.opportunities[secret["id"]]["name"] == secret["name"]


def test_v1_opportunity_search_leaves_out_private_deals(sandbox, admin_key, standard_key, secret):
    term = secret["name"]
    hidden = v1(sandbox, standard_key).get("/opportunities", params={"term": term}).json()
    shown = v1(sandbox, admin_key).get("/opportunities", params={"term": term}).json()
    assert secret["id"] not in [o["id"] for o in hidden["opportunities"]]
    assert secret["id"] in [o["id"] for o in shown["opportunities"]]


def test_v1_list_entries_and_field_values_are_refused(sandbox, admin_key, standard_key, secret):
    client, admin = v1(sandbox, standard_key), v1(sandbox, admin_key)
    assert client.get(f"/lists/{PRIVATE}/list-entries").status_code == 403
    assert client.get(f"/lists/{PRIVATE}/list-entries/{secret['entry_id']}").status_code == 403
    _v1_denied(client.get("/field-values", params={"opportunity_id": secret["id"]}))
    assert (
        client.get("/field-values", params={"list_entry_id": secret["entry_id"]}).status_code == 403
    )
    assert admin.get("/field-values", params={"opportunity_id": secret["id"]}).json()
    status = next(
        f
        for f in sandbox.state.world.fields.values()
        if f["list_id"] == PRIVATE and f["name"] == "Status"
    )
    write = client.post(
        "/field-values",
        json={
            "field_id": status["id"],
            "entity_id": secret["id"],
            "list_entry_id": secret["entry_id"],
            "value": status["dropdown_options"][0]["id"],
        },
    )
    assert write.status_code == 403


def test_v1_notes_of_a_private_deal_are_refused(sandbox, admin_key, standard_key, secret, notes):
    client, admin = v1(sandbox, standard_key), v1(sandbox, admin_key)
    _v1_denied(client.get("/notes", params={"opportunity_id": secret["id"]}))
    _v1_denied(client.get(f"/notes/{notes['only']}"))
    _v1_denied(client.put(f"/notes/{notes['only']}", json={"content": "x"}))
    _v1_denied(client.delete(f"/notes/{notes['only']}"))
    _v1_denied(client.post("/notes", json={"content": "Reply", "parent_id": notes["only"]}))
    by_deal = admin.get("/notes", params={"opportunity_id": secret["id"]}).json()["notes"]
    assert {n["id"] for n in by_deal} == {notes["only"], notes["shared"]}
    assert admin.get(f"/notes/{notes['only']}").status_code == 200


def test_v1_other_note_listings_leave_out_private_deals(
    sandbox, admin_key, standard_key, secret, notes
):
    standard = {n["id"]: n for n in _all_v1_notes(v1(sandbox, standard_key))}
    admin = {n["id"]: n for n in _all_v1_notes(v1(sandbox, admin_key))}
    assert notes["only"] not in standard and notes["only"] in admin
    # Also on a person the user can see: listed, without the deal it cannot.
    assert standard[notes["shared"]]["opportunity_ids"] == [seed.ACME_DEAL_ID]
    assert admin[notes["shared"]]["opportunity_ids"] == [secret["id"], seed.ACME_DEAL_ID]
    mine = _all_v1_notes(v1(sandbox, standard_key), creator_id=seed.ADMIN_ID)
    assert notes["only"] not in [n["id"] for n in mine]
    about_jane = v1(sandbox, standard_key).get("/notes", params={"person_id": seed.JANE_ID})
    assert notes["shared"] in [n["id"] for n in about_jane.json()["notes"]]


def test_v1_note_on_a_private_deal_cannot_be_written(sandbox, admin_key, standard_key, secret):
    before = len(sandbox.state.notes)
    _v1_denied(
        v1(sandbox, standard_key).post(
            "/notes",
            json={
                "content": "Mine",
                "opportunity_ids": [secret["id"]],
                "person_ids": [seed.JANE_ID],
            },
        )
    )
    assert len(sandbox.state.notes) == before
    written = v1(sandbox, admin_key).post(
        "/notes", json={"content": "Ours", "opportunity_ids": [secret["id"]]}
    )
    assert written.status_code == 200


def test_v1_person_and_organization_leave_out_private_deals(
    sandbox, admin_key, standard_key, secret
):
    flags = {"with_opportunities": "true"}
    for path in (
        f"/persons/{secret['person_ids'][0]}",
        f"/organizations/{secret['organization_ids'][0]}",
    ):
        hidden = v1(sandbox, standard_key).get(path, params=flags).json()
        shown = v1(sandbox, admin_key).get(path, params=flags).json()
        assert secret["id"] not in hidden["opportunity_ids"], path
        assert secret["id"] in shown["opportunity_ids"], path


# -- V2 --------------------------------------------------------------------------------------
def test_v2_opportunity_is_refused_with_the_specs_403(sandbox, admin_key, standard_key, secret):
    path = f"/v2/opportunities/{secret['id']}"
    _v2_denied(v2(sandbox, standard_key).get(path), "/v2/opportunities/{opportunityId}")
    assert v2(sandbox, admin_key).get(path).json()["listId"] == PRIVATE


def test_v2_opportunity_listing_leaves_out_private_deals(sandbox, admin_key, standard_key, secret):
    by_id = v2(sandbox, standard_key).get("/v2/opportunities", params={"ids": secret["id"]})
    assert by_id.json()["data"] == []
    validate_v2("GET", "/v2/opportunities", by_id)
    standard = _all_v2(v2(sandbox, standard_key), "/v2/opportunities")
    admin = _all_v2(v2(sandbox, admin_key), "/v2/opportunities")
    assert PRIVATE not in {o["listId"] for o in standard}
    assert len(admin) - len(standard) == sum(
        1 for o in sandbox.state.opportunities.values() if o["list_id"] == PRIVATE
    )


def test_v2_list_entries_of_the_private_list_are_refused(sandbox, standard_key, secret):
    client = v2(sandbox, standard_key)
    entry = f"/v2/lists/{PRIVATE}/list-entries/{secret['entry_id']}"
    template = "/v2/lists/{listId}/list-entries/{listEntryId}"
    for response, path in (
        (client.get(entry), template),
        (client.get(f"{entry}/fields"), f"{template}/fields"),
    ):
        assert response.status_code == 403
        validate_v2("GET", path, response)
    write = client.post(
        f"{entry}/fields/persons", json={"value": {"type": "person-multi", "data": None}}
    )
    assert write.status_code == 403
    assert sandbox.state.opportunities[secret["id"]]["person_ids"] == secret["person_ids"]


def test_v2_notes_of_a_private_deal_are_refused(sandbox, admin_key, standard_key, secret, notes):
    client, admin = v2(sandbox, standard_key), v2(sandbox, admin_key)
    _v2_denied(
        client.get(f"/v2/opportunities/{secret['id']}/notes"),
        "/v2/opportunities/{opportunityId}/notes",
    )
    _v2_denied(client.get(f"/v2/notes/{notes['only']}"), "/v2/notes/{noteId}")
    listed = admin.get(f"/v2/opportunities/{secret['id']}/notes").json()["data"]
    assert {n["id"] for n in listed} == {notes["only"], notes["shared"]}
    assert admin.get(f"/v2/notes/{notes['only']}").status_code == 200


def test_v2_note_listings_leave_out_private_deals(sandbox, admin_key, standard_key, secret, notes):
    include = {"includes": "opportunitiesPreview"}
    standard = {n["id"]: n for n in _all_v2(v2(sandbox, standard_key), "/v2/notes", **include)}
    admin = {n["id"]: n for n in _all_v2(v2(sandbox, admin_key), "/v2/notes", **include)}
    assert notes["only"] not in standard and notes["only"] in admin

    def previewed(note: dict) -> list[int]:
        return [o["id"] for o in note["opportunitiesPreview"]["data"]]

    assert previewed(standard[notes["shared"]]) == [seed.ACME_DEAL_ID]
    assert previewed(admin[notes["shared"]]) == [secret["id"], seed.ACME_DEAL_ID]
    shared = v2(sandbox, standard_key).get(f"/v2/notes/{notes['shared']}", params=include)
    validate_v2("GET", "/v2/notes/{noteId}", shared)
    assert previewed(shared.json()) == [seed.ACME_DEAL_ID]
