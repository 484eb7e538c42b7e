"""affinity_create_person and affinity_create_organization against the sandbox: every role can
add records, an existing one is returned instead of a duplicate, and a repeat changes nothing."""

from __future__ import annotations

import pytest

from affinity_client import ToolInputError, run_tool
from affinity_client.sandbox import seed

from .sandbox_helpers import client_for, request_log

ROLES = [seed.ADMIN_KEY, seed.STANDARD_KEY, seed.RESTRICTED_KEY]
ROLE_IDS = ["admin", "standard", "restricted"]


def _persons(sandbox) -> int:
    return len(sandbox.state.world.persons)


def _orgs(sandbox) -> int:
    return len(sandbox.state.world.organizations)


@pytest.mark.parametrize("key", ROLES, ids=ROLE_IDS)
def test_a_new_person_is_created_once_and_then_found(sandbox, key):
    before = _persons(sandbox)
    inp = {"first_name": " Ada ", "last_name": "Lovelace", "email": "Ada@Analytical.io"}
    with client_for(sandbox, key) as client:
        first = run_tool(client, "affinity_create_person", inp)
        again = run_tool(client, "affinity_create_person", inp)
        by_v2 = client.get(f"/v2/persons/{first['person']['id']}") if key != ROLES[2] else None
    assert first["already_existed"] is False and again["already_existed"] is True
    assert first["person"] == {
        "id": first["person"]["id"],
        "name": "Ada Lovelace",
        "primary_email": "Ada@Analytical.io",
    }
    assert again["person"] == first["person"] and again["emails"] == ["Ada@Analytical.io"]
    assert _persons(sandbox) == before + 1
    assert by_v2 is None or by_v2["lastName"] == "Lovelace"
    posts = [r for r in request_log(sandbox) if r["method"] == "POST"]
    assert [r["path"] for r in posts] == ["/v2/persons"]


def test_an_existing_email_returns_that_person(sandbox, admin_key):
    with client_for(sandbox, admin_key) as client:
        result = run_tool(
            client,
            "affinity_create_person",
            {"first_name": "Janet", "email": "JANE.SMITH@gmail.com"},  # Jane's second address
        )
    assert result["already_existed"] is True
    assert result["person"]["id"] == seed.JANE_ID and result["person"]["name"] == "Jane Smith"
    assert [r["method"] for r in request_log(sandbox)] == ["GET"]


def test_a_person_created_meanwhile_is_returned_not_an_error(sandbox, admin_key, monkeypatch):
    from affinity_client.tools import directory

    real = directory.find_person_by_email
    calls = []

    def late(client, email):  # the first lookup misses what another submit just created
        calls.append(email)
        return None if len(calls) == 1 else real(client, email)

    monkeypatch.setattr(directory, "find_person_by_email", late)
    with client_for(sandbox, admin_key) as client:
        result = run_tool(
            client, "affinity_create_person", {"first_name": "Jane", "email": seed.JANE_EMAIL}
        )
    assert result["already_existed"] is True and result["person"]["id"] == seed.JANE_ID


@pytest.mark.parametrize("key", ROLES, ids=ROLE_IDS)
def test_a_new_organization_is_created_once_by_domain(sandbox, key):
    before = _orgs(sandbox)
    inp = {"name": "Initech", "domain": "https://www.Initech.com/about"}
    with client_for(sandbox, key) as client:
        first = run_tool(client, "affinity_create_organization", inp)
        again = run_tool(
            client, "affinity_create_organization", {"name": "Initech Inc", "domain": "initech.com"}
        )
    assert first["already_existed"] is False and again["already_existed"] is True
    assert first["organization"] == {
        "id": first["organization"]["id"],
        "name": "Initech",
        "domain": "initech.com",
    }
    assert again["organization"] == first["organization"] and first["global"] is False
    assert _orgs(sandbox) == before + 1
    posts = [r["path"] for r in request_log(sandbox) if r["method"] == "POST"]
    assert posts == ["/organizations"]


def test_an_existing_domain_or_name_returns_that_organization(sandbox, standard_key):
    with client_for(sandbox, standard_key) as client:
        by_domain = run_tool(
            client, "affinity_create_organization", {"name": "ACME Corp", "domain": "acme.com"}
        )
        by_name = run_tool(client, "affinity_create_organization", {"name": "globex systems"})
        fresh = run_tool(client, "affinity_create_organization", {"name": "Acme Labs"})
        twice = run_tool(client, "affinity_create_organization", {"name": "acme labs"})
    assert by_domain["already_existed"] and by_domain["organization"]["id"] == seed.ACME_ORG_ID
    assert by_name["already_existed"] and by_name["organization"]["id"] == seed.BIG_ORG_ID
    assert fresh["already_existed"] is False and fresh["organization"]["domain"] is None
    assert twice["already_existed"] is True
    assert twice["organization"]["id"] == fresh["organization"]["id"]


@pytest.mark.parametrize(
    ("tool", "inp", "field", "words"),
    [
        (
            "affinity_create_person",
            {"first_name": "Ada", "email": "ada@"},
            "email",
            "jane@example.com",
        ),
        (
            "affinity_create_person",
            {"first_name": "  ", "email": "a@b.co"},
            "first_name",
            "first name",
        ),
        ("affinity_create_organization", {"name": "X", "domain": "x_y.com"}, "domain", "acme.com"),
        ("affinity_create_organization", {"name": " "}, "name", "name"),
    ],
)
def test_bad_input_is_explained_and_nothing_is_sent(sandbox, admin_key, tool, inp, field, words):
    before = (_persons(sandbox), _orgs(sandbox))
    with client_for(sandbox, admin_key) as client, pytest.raises(ToolInputError) as info:
        run_tool(client, tool, inp)
    assert info.value.field == field and words in str(info.value)
    assert request_log(sandbox) == []
    assert (_persons(sandbox), _orgs(sandbox)) == before


def test_where_v2_cannot_create_people_v1_does(sandbox, standard_key):
    sandbox.state.fail("POST", "/v2/persons", 404, count=10)
    inp = {"first_name": "Ada", "last_name": "Lovelace", "email": "ada@analytical.io"}
    with client_for(sandbox, standard_key) as client:
        first = run_tool(client, "affinity_create_person", inp)
        again = run_tool(client, "affinity_create_person", inp)
    assert first["already_existed"] is False and first["person"]["name"] == "Ada Lovelace"
    assert again == {**first, "already_existed": True}
    posts = [r["path"] for r in request_log(sandbox) if r["method"] == "POST"]
    assert posts == ["/v2/persons", "/persons"]


def test_a_v1_clash_after_the_lookup_returns_the_existing_person(sandbox, admin_key, monkeypatch):
    from affinity_client.tools import directory

    real = directory.find_person_by_email
    calls = []

    def late(client, email):
        calls.append(email)
        return None if len(calls) == 1 else real(client, email)

    monkeypatch.setattr(directory, "find_person_by_email", late)
    sandbox.state.fail("POST", "/v2/persons", 404, count=1)
    with client_for(sandbox, admin_key) as client:
        result = run_tool(
            client, "affinity_create_person", {"first_name": "Jane", "email": seed.JANE_EMAIL}
        )
    assert result["already_existed"] is True and result["person"]["id"] == seed.JANE_ID
