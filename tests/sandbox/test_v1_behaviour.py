"""V1 behaviour a client relies on: paging, auth styles, permissions, validation, quirks."""

from __future__ import annotations

import base64
from datetime import UTC, datetime, timedelta

from affinity_client.sandbox import seed

from .helpers import anonymous, v1


def _pages(client, path: str, key: str) -> list[list[dict]]:
    pages, token = [], None
    while True:
        sep = "&" if "?" in path else "?"
        url = f"{path}{sep}page_token={token}" if token else path
        body = client.get(url).json()
        pages.append(body[key])
        token = body["next_page_token"]
        if not token:
            return pages


def test_persons_page_to_the_end_without_repeats(sandbox, admin_key):
    pages = _pages(v1(sandbox, admin_key), "/persons?page_size=100", "persons")
    ids = [p["id"] for page in pages for p in page]
    assert len(pages) == 5
    assert len(ids) == len(set(ids)) == len(sandbox.state.world.persons)


def test_changing_a_param_mid_pagination_is_rejected(sandbox, admin_key):
    client = v1(sandbox, admin_key)
    token = client.get("/persons?term=a&page_size=10").json()["next_page_token"]
    assert client.get(f"/persons?term=a&page_size=10&page_token={token}").status_code == 200
    changed = client.get(f"/persons?term=b&page_size=10&page_token={token}")
    assert changed.status_code == 422
    assert changed.json() == {"message": "Invalid page_token variable"}
    assert client.get("/persons?page_token=garbage!").status_code == 422


def test_page_size_over_500_is_rejected(sandbox, admin_key):
    assert v1(sandbox, admin_key).get("/organizations?page_size=501").status_code == 422


def test_search_matches_names_and_every_email(sandbox, admin_key):
    client = v1(sandbox, admin_key)
    assert [p["id"] for p in client.get("/persons?term=jane smith").json()["persons"]] == [
        seed.JANE_ID
    ]
    by_second_email = client.get("/persons?term=jane.smith@gmail.com").json()["persons"]
    assert [p["id"] for p in by_second_email] == [seed.JANE_ID]
    orgs = client.get("/organizations?term=acme").json()["organizations"]
    assert {o["global"] for o in orgs} == {True, False}
    assert client.get("/organizations?term=acmecorp.com").json()["organizations"][0]["global"]


def test_interaction_dates_drop_persons_without_interactions(sandbox, admin_key):
    client = v1(sandbox, admin_key)
    everyone = client.get("/persons?page_size=500").json()["persons"]
    with_dates = client.get("/persons?page_size=500&with_interaction_dates=true").json()
    assert 0 < len(with_dates["persons"]) < len(everyone)
    assert all(p["interaction_dates"]["last_interaction_date"] for p in with_dates["persons"])
    assert "person_ids" not in with_dates["persons"][0]["interactions"]["last_interaction"]
    jane = client.get(
        f"/persons/{seed.JANE_ID}?with_interaction_dates=true&with_interaction_persons=true"
    ).json()
    assert jane["interactions"]["last_interaction"]["person_ids"]


def test_bearer_and_basic_both_work_and_nothing_else(sandbox, admin_key):
    assert v1(sandbox, admin_key, style="bearer").get("/auth/whoami").status_code == 200
    assert v1(sandbox, admin_key, style="basic").get("/auth/whoami").status_code == 200
    missing = anonymous(sandbox).get("/persons")
    assert missing.status_code == 401
    assert missing.json() == {"message": "Unauthorized"}
    assert (
        anonymous(sandbox).get("/persons", headers={"Authorization": "Token x"}).status_code == 401
    )
    key_as_username = base64.b64encode(f"{admin_key}:".encode()).decode()
    assert (
        anonymous(sandbox)
        .get("/persons", headers={"Authorization": f"Basic {key_as_username}"})
        .status_code
        == 401
    )


def test_private_list_is_hidden_from_the_standard_user(sandbox, admin_key, standard_key):
    admin, standard = v1(sandbox, admin_key), v1(sandbox, standard_key)
    assert seed.PRIVATE_LIST_ID in [item["id"] for item in admin.get("/lists").json()]
    assert seed.PRIVATE_LIST_ID not in [item["id"] for item in standard.get("/lists").json()]
    denied = standard.get(f"/lists/{seed.PRIVATE_LIST_ID}/list-entries")
    assert denied.status_code == 403
    assert "message" in denied.json()
    secret = next(
        o for o in sandbox.state.opportunities.values() if o["list_id"] == seed.PRIVATE_LIST_ID
    )
    assert standard.get(f"/opportunities/{secret['id']}").status_code == 403
    assert len(admin.get(f"/opportunities/{secret['id']}").json()["list_entries"]) == 1


def test_list_entries_are_a_bare_array_without_page_size(sandbox, admin_key):
    client = v1(sandbox, admin_key)
    deal_flow = seed.LISTS["Deal Flow"]
    everything = client.get(f"/lists/{deal_flow}/list-entries").json()
    assert isinstance(everything, list) and len(everything) == seed.DEAL_FLOW_SIZE
    paged = client.get(f"/lists/{deal_flow}/list-entries?page_size=300").json()
    assert len(paged["list_entries"]) == 300 and paged["next_page_token"]


def test_opportunity_put_replaces_association_arrays(sandbox, admin_key):
    client = v1(sandbox, admin_key)
    updated = client.put(f"/opportunities/{seed.ACME_DEAL_ID}", json={"person_ids": [4001]})
    assert updated.json()["person_ids"] == [4001]
    assert updated.json()["organization_ids"] == [seed.ACME_ORG_ID]
    assert (
        client.put(
            f"/opportunities/{seed.ACME_DEAL_ID}", json={"person_ids": [99999999]}
        ).status_code
        == 422
    )
    assert client.put("/opportunities/1", json={"name": "x"}).status_code == 404


def test_create_opportunity_needs_an_opportunity_list(sandbox, admin_key):
    client = v1(sandbox, admin_key)
    made = client.post(
        "/opportunities",
        json={
            "name": "Nova Labs - Seed",
            "list_id": seed.LISTS["Seed Pipeline"],
            "organization_ids": [seed.ACME_ORG_ID],
        },
    )
    assert made.status_code == 200
    assert made.json()["list_entries"][0]["list_id"] == seed.LISTS["Seed Pipeline"]
    assert (
        client.post(
            "/opportunities", json={"name": "x", "list_id": seed.LISTS["Portfolio"]}
        ).status_code
        == 422
    )
    assert (
        client.post("/opportunities", json={"list_id": seed.LISTS["Seed Pipeline"]}).status_code
        == 422
    )


def test_adding_to_lists_checks_the_entity_type_and_allows_duplicates(sandbox, admin_key):
    client = v1(sandbox, admin_key)
    founders, portfolio = seed.LISTS["Founders to Watch"], seed.LISTS["Portfolio"]
    first = client.post(f"/lists/{founders}/list-entries", json={"entity_id": seed.JANE_ID})
    again = client.post(f"/lists/{founders}/list-entries", json={"entity_id": seed.JANE_ID})
    assert first.status_code == again.status_code == 200
    assert first.json()["id"] != again.json()["id"]
    assert (
        client.post(
            f"/lists/{founders}/list-entries", json={"entity_id": seed.ACME_ORG_ID}
        ).status_code
        == 422
    )
    assert (
        client.post(
            f"/lists/{portfolio}/list-entries", json={"entity_id": seed.JANE_ID}
        ).status_code
        == 422
    )
    assert (
        client.post(
            f"/lists/{seed.LISTS['Seed Pipeline']}/list-entries",
            json={"entity_id": seed.ACME_DEAL_ID},
        ).status_code
        == 422
    )


def test_note_validation(sandbox, admin_key):
    client = v1(sandbox, admin_key)
    future = (datetime.now(UTC) + timedelta(days=1)).isoformat()
    for body in [
        {"person_ids": [seed.JANE_ID]},
        {"content": "hi"},
        {"content": "hi", "person_ids": [seed.JANE_ID], "type": 1},
        {"content": "hi", "person_ids": [seed.JANE_ID], "created_at": future},
        {"content": "hi", "person_ids": [99999999]},
    ]:
        assert client.post("/notes", json=body).status_code == 422, body
    before = len(sandbox.state.notes)
    assert (
        client.post(
            "/notes", data={"content": "form", "person_ids[]": [str(seed.JANE_ID)]}
        ).status_code
        == 200
    )
    assert len(sandbox.state.notes) == before + 1


def test_html_notes_read_back_markdownified(sandbox, admin_key):
    client = v1(sandbox, admin_key)
    made = client.post(
        "/notes",
        json={
            "content": "<p>Met the <strong>data_room</strong> team</p><ul><li>one</li></ul>",
            "type": 2,
            "person_ids": [seed.JANE_ID],
        },
    ).json()
    assert made["content"] == "Met the **data\\_room** team\n\n* one"
    listed = client.get(f"/notes?person_id={seed.JANE_ID}").json()
    assert made["id"] in [n["id"] for n in listed["notes"]]
    assert client.get(f"/notes/{made['id']}").json()["content"] == made["content"]


def test_unknown_ids_are_404_and_bad_params_422(sandbox, admin_key):
    client = v1(sandbox, admin_key)
    for path in [
        "/persons/1",
        "/organizations/1",
        "/opportunities/1",
        "/notes/1",
        "/lists/1",
        f"/lists/{seed.LISTS['Portfolio']}/list-entries/1",
    ]:
        assert client.get(path).status_code == 404, path
    assert client.get("/relationships-strengths").status_code == 422
    assert client.get("/persons?with_interaction_dates=maybe").status_code == 422
    assert client.get("/field-values").status_code == 422


def test_relationship_strengths(sandbox, admin_key):
    client = v1(sandbox, admin_key)
    rows = client.get(f"/relationships-strengths?external_id={seed.JANE_ID}").json()
    assert {r["internal_id"] for r in rows} == set(seed.INTERNAL_IDS)
    assert all(0 <= r["strength"] <= 1 for r in rows)
    one = client.get(f"/relationships-strengths?external_id={seed.JANE_ID}&internal_id=1002")
    assert [r["internal_id"] for r in one.json()] == [1002]


def test_field_values_round_trip(sandbox, admin_key):
    client = v1(sandbox, admin_key)
    entry = next(
        e for e in sandbox.state.list_entries.values() if e["entity_id"] == seed.ACME_DEAL_ID
    )
    status = next(
        f
        for f in sandbox.state.world.fields.values()
        if f["list_id"] == entry["list_id"] and f["name"] == "Status"
    )
    ic = next(o for o in status["dropdown_options"] if o["text"] == "IC")
    made = client.post(
        "/field-values",
        json={
            "field_id": status["id"],
            "entity_id": seed.ACME_DEAL_ID,
            "list_entry_id": entry["id"],
            "value": ic["id"],
        },
    )
    assert made.json()["value"]["text"] == "IC"
    values = client.get(f"/field-values?opportunity_id={seed.ACME_DEAL_ID}").json()
    assert [v["value"]["text"] for v in values if v["field_id"] == status["id"]] == ["IC"]
    assert (
        client.post(
            "/field-values",
            json={"field_id": status["id"], "entity_id": seed.ACME_DEAL_ID, "value": ic["id"]},
        ).status_code
        == 422
    )
    assert client.delete(f"/field-values/{made.json()['id']}").json() == {"success": True}
    assert client.delete(f"/field-values/{made.json()['id']}").status_code == 404


def test_replies_ignore_entities_and_stay_out_of_v2_note_lists(sandbox, admin_key):
    client = v1(sandbox, admin_key)
    reply = client.post(
        "/notes",
        json={"content": "Agreed", "parent_id": 3000001, "organization_ids": [seed.ACME_ORG_ID]},
    ).json()
    assert reply["parent_id"] == 3000001 and reply["organization_ids"] == []
    assert client.post("/notes", json={"content": "x", "parent_id": reply["id"]}).status_code == 422
    v2_ids = [
        n["id"]
        for n in client.get(
            "/v2/notes?limit=100&filter=id%3D" + str(reply["id"]),
            headers={"Authorization": f"Bearer {admin_key}"},
        ).json()["data"]
    ]
    assert v2_ids == []
    single = client.get(
        f"/v2/notes/{reply['id']}", headers={"Authorization": f"Bearer {admin_key}"}
    ).json()
    assert single["type"] == "user-reply" and single["parent"] == {"id": 3000001}


def test_flags_and_date_filters(sandbox, admin_key):
    client = v1(sandbox, admin_key)
    jane = client.get(
        f"/persons/{seed.JANE_ID}?with_opportunities=true&with_current_organizations=true"
    ).json()
    assert seed.ACME_DEAL_ID in jane["opportunity_ids"]
    assert jane["current_organization_ids"] == [seed.ACME_ORG_ID]
    assert "interaction_dates" not in jane
    acme = client.get(f"/organizations/{seed.ACME_ORG_ID}?with_opportunities=true").json()
    assert seed.ACME_DEAL_ID in acme["opportunity_ids"]
    assert client.get("/persons?with_interaction_persons=true").status_code == 422
    recent = client.get("/persons?min_last_interaction_date=2026-11-01&page_size=500").json()[
        "persons"
    ]
    everyone = client.get("/persons?with_interaction_dates=true&page_size=500").json()["persons"]
    assert 0 < len(recent) < len(everyone)
    assert client.get("/persons?min_last_interaction_date=yesterday").status_code == 422
    searched = client.get("/persons?term=jane").json()["persons"][0]
    assert "organization_ids" not in searched and "list_entries" not in searched


def test_deletes(sandbox, admin_key, standard_key):
    client = v1(sandbox, admin_key)
    entry = next(
        e for e in sandbox.state.list_entries.values() if e["entity_id"] == seed.ACME_DEAL_ID
    )
    path = f"/lists/{entry['list_id']}/list-entries/{entry['id']}"
    assert client.delete(path).json() == {"success": True}
    assert client.get(f"/opportunities/{seed.ACME_DEAL_ID}").status_code == 404
    assert client.get(f"/field-values?list_entry_id={entry['id']}").status_code == 404
    assert client.delete(path).status_code == 404
    founders = seed.LISTS["Founders to Watch"]
    size = next(x["list_size"] for x in client.get("/lists").json() if x["id"] == founders)
    person_entry = client.post(f"/lists/{founders}/list-entries", json={"entity_id": 4001}).json()
    client.delete(f"/lists/{founders}/list-entries/{person_entry['id']}")
    assert next(x["list_size"] for x in client.get("/lists").json() if x["id"] == founders) == size
    note = client.post("/notes", json={"content": "draft", "person_ids": [seed.JANE_ID]}).json()
    assert v1(sandbox, standard_key).delete(f"/notes/{note['id']}").status_code == 403
    edited = client.put(f"/notes/{note['id']}", json={"content": "final"}).json()
    assert edited["content"] == "final" and edited["updated_at"]
    assert client.delete(f"/notes/{note['id']}").json() == {"success": True}
    assert client.get(f"/notes/{note['id']}").status_code == 404
