"""V1 `POST /organizations` and `POST /persons`: the real create shapes, found at once, 422s."""

from __future__ import annotations

from affinity_client.sandbox import seed

from .helpers import v1
from .spec import fixture, shape_errors


def test_a_created_organization_has_the_real_shape_and_is_found(sandbox, standard_key):
    client = v1(sandbox, standard_key)
    created = client.post(
        "/organizations",
        json={"name": " Initech ", "domain": "Initech.com", "person_ids": [seed.JANE_ID]},
    )
    assert created.status_code == 200
    assert not shape_errors(created.json(), fixture("organizations/create"))
    org = created.json()
    assert (org["name"], org["domain"], org["person_ids"]) == ("Initech", "initech.com", [2001])
    found = client.get("/organizations", params={"term": "initech.com"}).json()
    assert [o["id"] for o in found["organizations"]] == [org["id"]]
    person = client.get(f"/persons/{seed.JANE_ID}").json()
    assert org["id"] in person["organization_ids"]


def test_bad_organizations_are_refused_and_nothing_is_written(sandbox, admin_key):
    before = len(sandbox.state.world.organizations)
    client = v1(sandbox, admin_key)
    for body in (
        {"domain": "nameless.com"},
        {"name": "  "},
        {"name": "Bad", "domain": "not a domain"},
        {"name": "Bad", "domain": "http://bad.com/x"},
        {"name": "Bad", "person_ids": [99999999]},
    ):
        response = client.post("/organizations", json=body)
        assert response.status_code == 422, body
        assert response.json()["message"]
    assert len(sandbox.state.world.organizations) == before


def test_a_created_person_has_the_real_shape_and_a_clash_is_refused(sandbox, standard_key):
    client = v1(sandbox, standard_key)
    body = {"first_name": "Ada", "last_name": "Lovelace", "emails": ["ada@analytical.io"]}
    created = client.post("/persons", json={**body, "organization_ids": [seed.ACME_ORG_ID]})
    assert created.status_code == 200
    assert not shape_errors(created.json(), fixture("persons/create"))
    assert created.json()["primary_email"] == "ada@analytical.io"
    found = client.get("/persons", params={"term": "ada@analytical.io"}).json()["persons"]
    assert [p["id"] for p in found] == [created.json()["id"]]
    before = len(sandbox.state.world.persons)
    clash = client.post("/persons", json={**body, "emails": ["ADA@analytical.io"]})
    assert clash.status_code == 422
    assert clash.json() == ["There exists a contact with the email ADA@analytical.io"]
    for bad in ({**body, "first_name": ""}, {**body, "emails": ["nope"]}, {"first_name": "X"}):
        assert client.post("/persons", json=bad).status_code == 422
    assert len(sandbox.state.world.persons) == before
