"""V2 behaviour: cursor paging with absolute URLs, field data rules, permissions, writes."""

from __future__ import annotations

import math
from datetime import datetime
from urllib.parse import parse_qs, urlparse

from affinity_client.sandbox import seed

from .helpers import anonymous, basic, v2

DEAL_FLOW = seed.LISTS["Deal Flow"]


def test_list_entries_page_to_the_end_keeping_the_query(sandbox, admin_key):
    client = v2(sandbox, admin_key)
    url = f"/v2/lists/{DEAL_FLOW}/list-entries?fieldTypes=list&limit=100"
    seen, pages = [], 0
    while url:
        body = client.get(url).json()
        seen += [e["id"] for e in body["data"]]
        pages += 1
        url = body["pagination"]["nextUrl"]
        if url:
            query = parse_qs(urlparse(url).query)
            assert query["fieldTypes"] == ["list"] and query["limit"] == ["100"]
            assert url.startswith(sandbox.base_url + "/v2/")
    assert len(seen) == len(set(seen)) == seed.DEAL_FLOW_SIZE
    assert pages == math.ceil(seed.DEAL_FLOW_SIZE / 100)


def test_prev_url_leads_back(sandbox, admin_key):
    client = v2(sandbox, admin_key)
    first = client.get("/v2/persons?limit=10").json()
    second = client.get(first["pagination"]["nextUrl"]).json()
    back = client.get(second["pagination"]["prevUrl"]).json()
    assert first["pagination"]["prevUrl"] is None
    assert [p["id"] for p in back["data"]] == [p["id"] for p in first["data"]]


def test_next_url_uses_the_request_host(sandbox, admin_key):
    response = v2(sandbox, admin_key).get(
        "/v2/persons?limit=1", headers={"Host": "api.affinity.test"}
    )
    assert response.json()["pagination"]["nextUrl"].startswith(
        "http://api.affinity.test/v2/persons?limit=1&cursor="
    )


def test_entities_carry_no_fields_unless_asked(sandbox, admin_key):
    client = v2(sandbox, admin_key)
    assert "fields" not in client.get(f"/v2/persons/{seed.JANE_ID}").json()
    asked = client.get(f"/v2/persons/{seed.JANE_ID}?fieldTypes=global").json()
    assert {f["type"] for f in asked["fields"]} == {"global"}
    entry = client.get(f"/v2/lists/{DEAL_FLOW}/list-entries?limit=1").json()["data"][0]
    assert "fields" not in entry["entity"]


def test_pipeline_fields_and_empty_multi_values_are_null(sandbox, admin_key):
    client = v2(sandbox, admin_key)
    url = f"/v2/lists/{DEAL_FLOW}/list-entries?fieldTypes=list&limit=100&cursor="
    last_page = client.get(f"/v2/lists/{DEAL_FLOW}/list-entries?fieldTypes=list&limit=100")
    body = last_page.json()
    while body["pagination"]["nextUrl"]:
        body = client.get(body["pagination"]["nextUrl"]).json()
    assert url  # the last page holds deals with no people attached
    fields = {f["id"]: f for f in body["data"][-1]["entity"]["fields"]}
    assert fields["persons"]["value"] == {"type": "person-multi", "data": None, "totalCount": 0}
    assert fields["companies"]["value"]["type"] == "company-multi"
    names = {f["name"]: f["value"]["type"] for f in fields.values()}
    assert names["Status"] == "ranked-dropdown"
    assert names["Amount"] == "number"
    assert names["Owners"] == "person-multi"


def test_last_reviewed_today_has_exactly_eight_deals(sandbox, admin_key):
    client = v2(sandbox, admin_key)
    series_a = seed.LISTS["Series A Pipeline"]
    entries = client.get(f"/v2/lists/{series_a}/list-entries?fieldTypes=list").json()["data"]
    today = datetime.now(seed.PACIFIC).date().isoformat()  # where Affinity keeps dates
    reviewed = [
        e
        for e in entries
        for f in e["entity"]["fields"]
        if f["name"] == "Last Reviewed" and (f["value"]["data"] or "").startswith(today)
    ]
    assert len(reviewed) == seed.LAST_REVIEWED_TODAY


def test_field_write_is_seen_by_v1_and_v2(sandbox, admin_key):
    client = v2(sandbox, admin_key)
    series_a = seed.LISTS["Series A Pipeline"]
    entry = next(
        e for e in sandbox.state.list_entries.values() if e["entity_id"] == seed.ACME_DEAL_ID
    )
    amount = next(
        f
        for f in sandbox.state.world.fields.values()
        if f["list_id"] == series_a and f["name"] == "Amount"
    )
    path = f"/v2/lists/{series_a}/list-entries/{entry['id']}/fields/field-{amount['id']}"
    assert client.post(path, json={"value": {"type": "number", "data": 7000000}}).status_code == 204
    assert client.get(path).json()["value"] == {"type": "number", "data": 7000000}
    v1_values = client.get(
        f"/field-values?opportunity_id={seed.ACME_DEAL_ID}", headers=basic(admin_key)
    ).json()
    assert [v["value"] for v in v1_values if v["field_id"] == amount["id"]] == [7000000]
    assert client.post(path, json={"value": {"type": "number", "data": None}}).status_code == 204
    assert client.get(path).json()["value"]["data"] is None


def test_batch_update_is_all_or_nothing(sandbox, admin_key):
    client = v2(sandbox, admin_key)
    series_a = seed.LISTS["Series A Pipeline"]
    entry = next(
        e for e in sandbox.state.list_entries.values() if e["entity_id"] == seed.ACME_DEAL_ID
    )
    path = f"/v2/lists/{series_a}/list-entries/{entry['id']}/fields"
    before = client.get(path).json()
    bad = client.patch(
        path,
        json={
            "operation": "update-fields",
            "updates": [
                {"id": "persons", "value": {"type": "person-multi", "data": [{"id": 1001}]}},
                {"id": "companies", "value": {"type": "company-multi", "data": [{"id": 99999999}]}},
            ],
        },
    )
    assert bad.status_code == 400
    assert bad.json()["errors"][0]["param"] == "updates[1].value"
    assert client.get(path).json() == before


def test_v2_refuses_basic_auth_and_revoked_keys(sandbox, admin_key, revoked_key):
    assert anonymous(sandbox).get("/v2/persons", headers=basic(admin_key)).status_code == 401
    assert v2(sandbox, revoked_key).get("/v2/auth/whoami").status_code == 401
    assert v2(sandbox, admin_key).get("/v2/auth/whoami").json()["user"]["emailAddress"] == (
        "maya@northwind.vc"
    )


def test_private_list_for_the_standard_user(sandbox, standard_key):
    client = v2(sandbox, standard_key)
    ids = [item["id"] for item in client.get("/v2/lists").json()["data"]]
    assert seed.PRIVATE_LIST_ID not in ids and seed.LISTS["Series A Pipeline"] in ids
    for path in [
        f"/v2/lists/{seed.PRIVATE_LIST_ID}",
        f"/v2/lists/{seed.PRIVATE_LIST_ID}/fields",
        f"/v2/lists/{seed.PRIVATE_LIST_ID}/list-entries",
    ]:
        denied = client.get(path)
        assert denied.status_code == 403
        assert denied.json()["errors"][0]["code"] == "authorization"


def test_notes_endpoints(sandbox, admin_key):
    client = v2(sandbox, admin_key)
    notes = client.get(f"/v2/companies/{seed.ACME_ORG_ID}/notes?totalCount=true").json()
    assert notes["pagination"]["totalCount"] == len(notes["data"]) >= 2
    html = [n["content"]["html"] for n in notes["data"]]
    assert any("<strong>" in h for h in html)
    everything = client.get("/v2/notes?limit=100").json()
    assert len(everything["data"]) == 100 and everything["pagination"]["nextUrl"]
    assert client.get("/v2/notes").json()["data"].__len__() == 20
    mine = client.get("/v2/notes?filter=creator.id=1002&limit=100").json()["data"]
    assert mine and {n["creator"]["id"] for n in mine} == {1002}


def test_relationship_intelligence_follows_the_v1_interaction_dates(sandbox, admin_key):
    client = v2(sandbox, admin_key)
    jane = client.get(f"/v2/persons/{seed.JANE_ID}?fieldTypes=relationship-intelligence").json()
    fields = {f["id"]: f["value"]["data"] for f in jane["fields"]}
    v1_jane = client.get(
        f"/persons/{seed.JANE_ID}?with_interaction_dates=true", headers=basic(admin_key)
    ).json()
    v1_last = datetime.fromisoformat(v1_jane["interactions"]["last_email"]["date"])
    v2_last = datetime.fromisoformat(fields["last-email"]["sentAt"].replace("Z", "+00:00"))
    assert fields["last-email"]["type"] == "email"
    assert v2_last == v1_last.replace(microsecond=0)
    assert fields["last-contact"] is not None
    internal = client.get("/v2/persons/1001?fieldIds=last-contact").json()
    assert internal["fields"][0]["value"]["data"] is None
    entry = next(e for e in sandbox.state.list_entries.values() if e["entity_id"] == seed.JANE_ID)
    write = client.post(
        f"/v2/lists/{entry['list_id']}/list-entries/{entry['id']}/fields/last-email",
        json={"value": {"type": "interaction", "data": None}},
    )
    assert write.status_code == 400
