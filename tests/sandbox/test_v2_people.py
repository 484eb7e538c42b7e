"""V2 persons create/delete, relationships, users and rate-limit (2026-07-15): every answer
validates against that spec for its operation and status code, and behaves as a user sees it."""

from __future__ import annotations

from affinity_client.sandbox import seed

from .helpers import v1, v2
from .spec import SPEC_2026, validate_v2

TEXT_HI = {"type": "text", "data": "Hi"}
NEW = {"firstName": "Ada", "lastName": "Byron", "primaryEmailAddress": "ada@analytical.io"}


def _post_person(sandbox, key, body):
    response = v2(sandbox, key).post("/v2/persons", json=body)
    validate_v2("POST", "/v2/persons", response, SPEC_2026)
    return response


# -- POST /v2/persons, DELETE /v2/persons/{personId} ----------------------------------------
def test_a_created_person_is_answered_201_and_found_by_v1_and_v2(sandbox, standard_key):
    created = _post_person(
        sandbox, standard_key, {**NEW, "emailAddresses": ["ada@analytical.io", "ada@home.org"]}
    )
    assert created.status_code == 201
    person = created.json()
    assert person["type"] == "external"
    assert person["emailAddresses"] == ["ada@analytical.io", "ada@home.org"]
    again = v2(sandbox, standard_key).get(f"/v2/persons/{person['id']}")
    assert again.json()["primaryEmailAddress"] == "ada@analytical.io"
    found = v1(sandbox, standard_key).get("/persons", params={"term": "ada@home.org"}).json()
    assert [p["id"] for p in found["persons"]] == [person["id"]]


def test_person_create_refuses_bad_input_and_writes_nothing(sandbox, admin_key):
    before = len(sandbox.state.world.persons)
    cases = [
        ({"firstName": "Ada", "lastName": "Byron"}, "primaryEmailAddress"),
        ({**NEW, "firstName": "  "}, "firstName"),
        ({**NEW, "primaryEmailAddress": "not-an-email"}, "primaryEmailAddress"),
        ({**NEW, "emailAddresses": ["ok@x.io", "nope"]}, "emailAddresses"),
        ({**NEW, "nickname": "A"}, "nickname"),
        ({**NEW, "fields": [{"id": "field-999999", "value": TEXT_HI}]}, "fields"),
    ]
    for body, param in cases:
        response = _post_person(sandbox, admin_key, body)
        assert response.status_code == 400, body
        assert response.json()["errors"][0] == {
            "code": "validation",
            "message": response.json()["errors"][0]["message"],
            "param": param,
        }
    assert len(sandbox.state.world.persons) == before


def test_a_duplicate_email_is_a_validation_error_on_that_property(sandbox, admin_key):
    taken = _post_person(sandbox, admin_key, {**NEW, "primaryEmailAddress": seed.JANE_EMAIL})
    assert taken.status_code == 400
    assert taken.json()["errors"][0]["param"] == "primaryEmailAddress"
    assert seed.JANE_EMAIL in taken.json()["errors"][0]["message"]
    assert _post_person(sandbox, admin_key, NEW).status_code == 201
    twice = _post_person(sandbox, admin_key, {**NEW, "primaryEmailAddress": "ADA@analytical.io"})
    assert twice.status_code == 400


def test_a_person_without_email_can_be_created(sandbox, admin_key):
    response = _post_person(
        sandbox, admin_key, {"firstName": "Nameless", "lastName": None, "primaryEmailAddress": None}
    )
    assert response.status_code == 201
    assert response.json()["emailAddresses"] == []


def test_global_field_values_on_create_need_the_edit_permission(sandbox, admin_key):
    text = next(
        f
        for f in sandbox.state.world.fields.values()
        if f["list_id"] is None and f["entity_type"] == 0 and f["value_type"] == seed.TEXT
    )
    body = {**NEW, "fields": [{"id": f"field-{text['id']}", "value": TEXT_HI}]}
    sandbox.state.keys[admin_key]["lacks"] = [seed.EDIT_GLOBAL_FIELDS]
    try:
        denied = _post_person(sandbox, admin_key, body)
    finally:
        sandbox.state.keys[admin_key].pop("lacks")
    assert denied.status_code == 403
    created = _post_person(sandbox, admin_key, body)
    assert created.status_code == 201
    pid = created.json()["id"]
    values = v1(sandbox, admin_key).get("/field-values", params={"person_id": pid}).json()
    assert [v["value"] for v in values if v["field_id"] == text["id"]] == ["Hi"]


def test_deleting_a_person_removes_it_everywhere(sandbox, admin_key):
    client = v2(sandbox, admin_key)
    response = client.delete(f"/v2/persons/{seed.JANE_ID}")
    assert response.status_code == 204
    validate_v2("DELETE", "/v2/persons/{personId}", response, SPEC_2026)
    missing = client.get(f"/v2/persons/{seed.JANE_ID}")
    assert missing.status_code == 404
    assert v1(sandbox, admin_key).get(f"/persons/{seed.JANE_ID}").status_code == 404
    strengths = v1(sandbox, admin_key).get(
        "/relationships-strengths", params={"external_id": seed.JANE_ID}
    )
    assert strengths.status_code == 404
    again = client.delete(f"/v2/persons/{seed.JANE_ID}")
    assert again.status_code == 404
    validate_v2("DELETE", "/v2/persons/{personId}", again, SPEC_2026)


def test_everything_that_named_a_deleted_person_still_answers(sandbox, admin_key):
    world = sandbox.state.world
    victim = next(
        r["entity_id"]
        for r in world.reminders.values()
        if r["entity_type"] == "person" and r["entity_id"] not in seed.INTERNAL_IDS
    )
    client = v2(sandbox, admin_key)
    assert client.delete(f"/v2/persons/{victim}").status_code == 204
    assert not any(
        r["entity_type"] == "person" and r["entity_id"] == victim for r in world.reminders.values()
    )
    for path in ("/v2/reminders?limit=100", "/v2/notes?limit=100", "/v2/meetings?limit=100"):
        assert client.get(path).status_code == 200, path


def test_internal_persons_cannot_be_deleted(sandbox, admin_key):
    client = v2(sandbox, admin_key)
    for pid in (seed.STANDARD_ID, seed.ADMIN_ID):
        response = client.delete(f"/v2/persons/{pid}")
        assert response.status_code == 403
        validate_v2("DELETE", "/v2/persons/{personId}", response, SPEC_2026)
    assert seed.STANDARD_ID in sandbox.state.world.persons
    bad = client.delete("/v2/persons/abc")
    assert bad.status_code == 400
    validate_v2("DELETE", "/v2/persons/{personId}", bad, SPEC_2026)


# -- relationships -----------------------------------------------------------------------------
PERSON_RELS = "/v2/persons/{personId}/relationships"
COMPANY_RELS = "/v2/companies/{companyId}/relationships"


def test_person_relationships_agree_with_v1_strengths(sandbox, standard_key):
    v1_rows = (
        v1(sandbox, standard_key)
        .get("/relationships-strengths", params={"external_id": seed.JANE_ID})
        .json()
    )
    response = v2(sandbox, standard_key).get(
        f"/v2/persons/{seed.JANE_ID}/relationships", params={"limit": 100, "totalCount": "true"}
    )
    assert response.status_code == 200
    validate_v2("GET", PERSON_RELS, response, SPEC_2026)
    body = response.json()
    pairs = {(r["person1"]["id"], r["interactionScore"]) for r in body["data"]}
    assert pairs == {(r["internal_id"], r["strength"]) for r in v1_rows}
    assert {r["person2"]["id"] for r in body["data"]} == {seed.JANE_ID}
    scores = [r["interactionScore"] for r in body["data"]]
    assert scores == sorted(scores, reverse=True)
    assert body["pagination"]["totalCount"] == len(v1_rows)


def test_relationships_filter_order_and_page(sandbox, admin_key):
    client = v2(sandbox, admin_key)
    strong = client.get(
        f"/v2/companies/{seed.BIG_ORG_ID}/relationships",
        params={"filter": "interactionScore>=0.5", "orderBy": "interactionScore", "limit": 100},
    )
    validate_v2("GET", COMPANY_RELS, strong, SPEC_2026)
    scores = [r["interactionScore"] for r in strong.json()["data"]]
    assert scores and min(scores) >= 0.5 and scores == sorted(scores)
    first = client.get(f"/v2/companies/{seed.BIG_ORG_ID}/relationships")
    validate_v2("GET", COMPANY_RELS, first, SPEC_2026)
    assert len(first.json()["data"]) == 20 and first.json()["pagination"]["nextUrl"]
    assert "totalCount" not in first.json()["pagination"]
    colleague = client.get(f"/v2/persons/{seed.STANDARD_ID}/relationships?limit=5")
    validate_v2("GET", PERSON_RELS, colleague, SPEC_2026)
    assert {r["person1"]["id"] for r in colleague.json()["data"]} == {seed.STANDARD_ID}


def test_relationships_refuse_what_the_spec_does_not_allow(sandbox, admin_key):
    client = v2(sandbox, admin_key)
    base = f"/v2/persons/{seed.JANE_ID}/relationships"
    for params, param in [
        ({"filter": "strength>0.5"}, "filter"),
        ({"filter": "interactionScore=0.5"}, "filter"),
        ({"filter": "interactionScore>high"}, "filter"),
        ({"orderBy": "name"}, "orderBy"),
        ({"limit": 101}, "limit"),
    ]:
        response = client.get(base, params=params)
        assert response.status_code == 400, params
        validate_v2("GET", PERSON_RELS, response, SPEC_2026)
        assert response.json()["errors"][0]["param"] == param
    missing = client.get("/v2/companies/999999/relationships")
    assert missing.status_code == 404
    validate_v2("GET", COMPANY_RELS, missing, SPEC_2026)


# -- users -------------------------------------------------------------------------------------
def test_users_show_emails_and_roles_only_to_managers_of_users(sandbox, admin_key, standard_key):
    admin_view = v2(sandbox, admin_key).get("/v2/users")
    validate_v2("GET", "/v2/users", admin_view, SPEC_2026)
    by_id = {u["id"]: u for u in admin_view.json()["data"]}
    assert set(seed.INTERNAL_IDS) <= set(by_id)
    assert by_id[seed.ADMIN_ID]["role"] == "admin"
    assert by_id[seed.STANDARD_ID]["emailAddresses"] == ["daniel@northwind.vc"]
    standard_view = v2(sandbox, standard_key).get("/v2/users")
    validate_v2("GET", "/v2/users", standard_view, SPEC_2026)
    for user in standard_view.json()["data"]:
        assert "role" not in user and "emailAddresses" not in user
        assert user["primaryEmailAddress"].endswith("@northwind.vc")
    one = v2(sandbox, standard_key).get(f"/v2/users/{seed.ADMIN_ID}")
    validate_v2("GET", "/v2/users/{userId}", one, SPEC_2026)
    assert one.json()["firstName"] == "Maya" and "role" not in one.json()


def test_users_term_filter_and_errors(sandbox, admin_key):
    client = v2(sandbox, admin_key)
    term = client.get("/v2/users", params={"term": "OKAF"})
    assert [u["id"] for u in term.json()["data"]] == [seed.STANDARD_ID]
    some = client.get("/v2/users", params={"filter": f"id={seed.ADMIN_ID}|id={seed.STANDARD_ID}"})
    assert [u["id"] for u in some.json()["data"]] == [seed.ADMIN_ID, seed.STANDARD_ID]
    assert client.get("/v2/users", params={"filter": "status=invited"}).json()["data"] == []
    for path, status in [
        ("/v2/users?filter=role%3Dadmin", 400),
        ("/v2/users?filter=status%3Dgone", 400),
        (f"/v2/users/{seed.JANE_ID}", 404),
        ("/v2/users/2147483648", 400),
    ]:
        response = client.get(path)
        assert response.status_code == status, path
        template = "/v2/users" if "?" in path else "/v2/users/{userId}"
        validate_v2("GET", template, response, SPEC_2026)


# -- rate limit --------------------------------------------------------------------------------
def test_rate_limit_body_agrees_with_the_headers_of_the_same_answer(sandbox, admin_key):
    client = v2(sandbox, admin_key)
    client.get("/v2/auth/whoami")
    response = client.get("/v2/rate-limit")
    validate_v2("GET", "/v2/rate-limit", response, SPEC_2026)
    body, headers = response.json(), response.headers
    minute = body["callerPerMinute"]
    assert minute["used"] == 2
    assert minute["limit"] == int(headers["x-ratelimit-limit-user"])
    assert minute["remaining"] == int(headers["x-ratelimit-limit-user-remaining"])
    assert minute["limit"] == minute["used"] + minute["remaining"]
    month = body["orgPerMonth"]
    assert month["remaining"] == int(headers["x-ratelimit-limit-org-remaining"])
    assert month["limit"] == int(headers["x-ratelimit-limit-org"])


def test_without_a_monthly_cap_the_org_window_is_absent_from_body_and_headers(sandbox, admin_key):
    sandbox.state.set_monthly_cap(False)
    response = v2(sandbox, admin_key).get("/v2/rate-limit")
    assert response.status_code == 200
    assert set(response.json()) == {"callerPerMinute"}
    assert "x-ratelimit-limit-user" in response.headers
    assert not any(h.startswith("x-ratelimit-limit-org") for h in response.headers)
    sandbox.state.set_monthly_cap(True)
    assert "orgPerMonth" in v2(sandbox, admin_key).get("/v2/rate-limit").json()
