"""Every V2 answer the sandbox gives validates against Affinity's published spec of the version
it was answered in (2026-07-15 by default, 2024-01-01 when asked) for its operation and status
code, with the documented rate-limit headers."""

from __future__ import annotations

import pytest

from affinity_client.sandbox import seed

from .helpers import anonymous, basic, v2
from .spec import validate_v2

S = seed.LISTS["Series A Pipeline"]
FOUNDERS = seed.LISTS["Founders to Watch"]
PORTFOLIO = seed.LISTS["Portfolio"]
ENTRY = f"/v2/lists/{S}/list-entries/{{entry}}"
T_ENTRY = "/v2/lists/{listId}/list-entries/{listEntryId}"

# (spec path, concrete path); `{entry}` becomes the Acme deal's list entry id.
SUCCESSES = [
    ("/v2/auth/whoami", "/v2/auth/whoami"),
    ("/v2/persons", "/v2/persons"),
    ("/v2/persons", "/v2/persons?limit=3&fieldTypes=global"),
    ("/v2/persons", f"/v2/persons?ids={seed.JANE_ID}&ids=1001&fieldTypes=enriched"),
    ("/v2/persons/{personId}", f"/v2/persons/{seed.JANE_ID}"),
    ("/v2/persons/{personId}", f"/v2/persons/{seed.JANE_ID}?fieldTypes=global"),
    ("/v2/persons/{personId}", f"/v2/persons/{seed.JANE_ID}?fieldTypes=relationship-intelligence"),
    ("/v2/persons", "/v2/persons?limit=100&fieldTypes=relationship-intelligence"),
    ("/v2/companies", "/v2/companies?limit=100&fieldTypes=relationship-intelligence"),
    (
        "/v2/companies/{companyId}",
        f"/v2/companies/{seed.ACME_ORG_ID}?fieldIds=last-contact&fieldIds=last-event",
    ),
    ("/v2/persons/{personId}/list-entries", f"/v2/persons/{seed.JANE_ID}/list-entries"),
    ("/v2/persons/{personId}/lists", f"/v2/persons/{seed.JANE_ID}/lists"),
    ("/v2/persons/fields", "/v2/persons/fields"),
    ("/v2/companies/{companyId}/lists", f"/v2/companies/{seed.ACME_ORG_ID}/lists"),
    ("/v2/companies/fields", "/v2/companies/fields?limit=1"),
    ("/v2/persons/{personId}/notes", f"/v2/persons/{seed.JANE_ID}/notes?totalCount=true"),
    ("/v2/companies", "/v2/companies?limit=50&fieldTypes=global"),
    ("/v2/companies", "/v2/companies?ids=5001&ids=5002"),
    ("/v2/companies/{companyId}", f"/v2/companies/{seed.ACME_ORG_ID}"),
    ("/v2/companies/{companyId}", f"/v2/companies/{seed.ACME_ORG_ID}?fieldTypes=global"),
    ("/v2/companies/{companyId}/list-entries", f"/v2/companies/{seed.ACME_ORG_ID}/list-entries"),
    ("/v2/companies/{companyId}/notes", f"/v2/companies/{seed.ACME_ORG_ID}/notes"),
    ("/v2/opportunities", "/v2/opportunities?limit=100"),
    ("/v2/opportunities", f"/v2/opportunities?ids={seed.ACME_DEAL_ID}"),
    ("/v2/opportunities/{opportunityId}", f"/v2/opportunities/{seed.ACME_DEAL_ID}"),
    ("/v2/opportunities/{opportunityId}/notes", f"/v2/opportunities/{seed.ACME_DEAL_ID}/notes"),
    ("/v2/lists", "/v2/lists"),
    ("/v2/lists/{listId}", f"/v2/lists/{S}"),
    ("/v2/lists/{listId}/fields", f"/v2/lists/{S}/fields"),
    ("/v2/lists/{listId}/fields", f"/v2/lists/{FOUNDERS}/fields"),
    ("/v2/lists/{listId}/list-entries", f"/v2/lists/{S}/list-entries"),
    ("/v2/lists/{listId}/list-entries", f"/v2/lists/{S}/list-entries?fieldTypes=list"),
    (
        "/v2/lists/{listId}/list-entries",
        f"/v2/lists/{seed.LISTS['Deal Flow']}/list-entries?fieldTypes=list&limit=100",
    ),
    (
        "/v2/lists/{listId}/list-entries",
        f"/v2/lists/{FOUNDERS}/list-entries?fieldTypes=list&fieldTypes=global",
    ),
    ("/v2/lists/{listId}/list-entries", f"/v2/lists/{PORTFOLIO}/list-entries?fieldTypes=list"),
    (
        "/v2/lists/{listId}/list-entries",
        f"/v2/lists/{FOUNDERS}/list-entries?fieldTypes=relationship-intelligence",
    ),
    (
        "/v2/lists/{listId}/list-entries",
        f"/v2/lists/{S}/list-entries?fieldIds=persons&fieldIds=companies",
    ),
    (T_ENTRY, f"{ENTRY}?fieldTypes=list"),
    (f"{T_ENTRY}/fields", f"{ENTRY}/fields"),
    (f"{T_ENTRY}/fields", f"{ENTRY}/fields?types=list&limit=2"),
    (f"{T_ENTRY}/fields/{{fieldId}}", f"{ENTRY}/fields/persons"),
    ("/v2/notes", "/v2/notes"),
    (
        "/v2/notes",
        "/v2/notes?limit=5&includes=personsPreview&includes=companiesPreview"
        "&includes=opportunitiesPreview&includes=repliesCount&totalCount=true",
    ),
    ("/v2/notes", "/v2/notes?filter=creator.id%3D1001"),
    ("/v2/notes/{noteId}", "/v2/notes/3000002"),
]


def _acme_entry(sandbox) -> int:
    return next(
        e["id"] for e in sandbox.state.list_entries.values() if e["entity_id"] == seed.ACME_DEAL_ID
    )


@pytest.mark.parametrize("version", [None, "2024-01-01"], ids=["default", "2024"])
@pytest.mark.parametrize(("template", "path"), SUCCESSES, ids=[p for _, p in SUCCESSES])
def test_successful_answers_match_the_spec(sandbox, admin_key, template, path, version):
    response = v2(sandbox, admin_key, version).get(path.format(entry=_acme_entry(sandbox)))
    assert response.status_code == 200, response.text
    assert response.headers["X-Affinity-Api-Version"] == (version or "2026-07-15")
    validate_v2("GET", template, response)


def test_every_seeded_list_matches_the_spec(sandbox, admin_key):
    """A page of every list with all its field kinds (dates, locations, dropdowns...)."""
    client = v2(sandbox, admin_key)
    for list_id in seed.LISTS.values():
        url = f"/v2/lists/{list_id}/list-entries?fieldTypes=list&fieldTypes=global&limit=40"
        validate_v2("GET", "/v2/lists/{listId}/list-entries", client.get(url))
    for entity in ("persons", "companies"):
        page = client.get(f"/v2/{entity}?fieldTypes=global&limit=100")
        validate_v2("GET", f"/v2/{entity}", page)


def test_field_writes_match_the_spec(sandbox, admin_key):
    client = v2(sandbox, admin_key)
    entry = _acme_entry(sandbox)
    status = next(
        f
        for f in sandbox.state.world.fields.values()
        if f["list_id"] == S and f["name"] == "Status"
    )
    option = status["dropdown_options"][4]["id"]
    single = client.post(
        f"/v2/lists/{S}/list-entries/{entry}/fields/field-{status['id']}",
        json={"value": {"type": "ranked-dropdown", "data": {"dropdownOptionId": option}}},
    )
    assert single.status_code == 204
    validate_v2("POST", f"{T_ENTRY}/fields/{{fieldId}}", single)
    batch = client.patch(
        f"/v2/lists/{S}/list-entries/{entry}/fields",
        json={
            "operation": "update-fields",
            "updates": [
                {"id": "persons", "value": {"type": "person-multi", "data": [{"id": seed.JANE_ID}]}}
            ],
        },
    )
    assert batch.status_code == 200
    validate_v2("PATCH", f"{T_ENTRY}/fields", batch)
    bad = client.post(
        f"/v2/lists/{S}/list-entries/{entry}/fields/field-{status['id']}",
        json={"value": {"type": "text", "data": "IC"}},
    )
    assert bad.status_code == 400
    validate_v2("POST", f"{T_ENTRY}/fields/{{fieldId}}", bad)


ERRORS = [
    # (spec path, concrete path, key role, status)
    ("/v2/persons", "/v2/persons?limit=101", "admin", 400),
    ("/v2/persons", "/v2/persons?limit=0", "admin", 400),
    ("/v2/persons", "/v2/persons?ids=abc", "admin", 400),
    ("/v2/persons", "/v2/persons?fieldTypes=list", "admin", 400),
    ("/v2/persons", "/v2/persons?cursor=not-a-cursor", "admin", 400),
    ("/v2/persons/{personId}", "/v2/persons/99999999", "admin", 404),
    ("/v2/persons/{personId}", "/v2/persons/abc", "admin", 400),
    ("/v2/companies/{companyId}", "/v2/companies/1", "admin", 404),
    ("/v2/opportunities/{opportunityId}", "/v2/opportunities/1", "admin", 404),
    ("/v2/lists/{listId}", "/v2/lists/1", "admin", 404),
    ("/v2/lists/{listId}", f"/v2/lists/{seed.PRIVATE_LIST_ID}", "standard", 403),
    (
        "/v2/lists/{listId}/list-entries",
        f"/v2/lists/{seed.PRIVATE_LIST_ID}/list-entries",
        "standard",
        403,
    ),
    (
        "/v2/lists/{listId}/list-entries",
        f"/v2/lists/{S}/list-entries?fieldTypes=bogus",
        "admin",
        400,
    ),
    (T_ENTRY, f"/v2/lists/{S}/list-entries/1", "admin", 404),
    (
        "/v2/lists/{listId}/list-entries",
        f"/v2/lists/{S}/list-entries?fieldIds=field-999999",
        "admin",
        400,
    ),
    (
        "/v2/lists/{listId}/list-entries",
        f"/v2/lists/{FOUNDERS}/list-entries?fieldIds=companies",
        "admin",
        400,
    ),
    ("/v2/companies", "/v2/companies?fieldIds=field-401", "admin", 400),
    ("/v2/notes", "/v2/notes?filter=nonsense", "admin", 400),
    ("/v2/notes/{noteId}", "/v2/notes/1", "admin", 404),
    ("/v2/notes", "/v2/notes?totalCount=maybe", "admin", 400),
    ("/v2/auth/whoami", "/v2/auth/whoami", "none", 401),
    ("/v2/auth/whoami", "/v2/auth/whoami", "revoked", 401),
    ("/v2/persons", "/v2/persons", "basic", 401),
    ("/v2/lists", "/v2/lists", "none", 401),
]


@pytest.mark.parametrize(
    ("template", "path", "who", "status"), ERRORS, ids=[f"{w}-{p}" for _, p, w, _ in ERRORS]
)
def test_error_answers_match_the_spec(sandbox, template, path, who, status):
    if who == "none":
        response = anonymous(sandbox).get(path)
    elif who == "basic":
        response = anonymous(sandbox).get(path, headers=basic(seed.ADMIN_KEY))
    else:
        key = {"admin": seed.ADMIN_KEY, "standard": seed.STANDARD_KEY, "revoked": seed.REVOKED_KEY}[
            who
        ]
        response = v2(sandbox, key).get(path)
    assert response.status_code == status, response.text
    validate_v2("GET", template, response)
    if status == 400:
        assert response.json()["errors"][0]["code"] == "validation"
        assert response.json()["errors"][0]["param"]


def test_rate_limited_and_server_errors_match_the_spec(sandbox, admin_key):
    client = v2(sandbox, admin_key)
    sandbox.state.force_rate_limit(admin_key, 1)
    limited = client.get("/v2/lists")
    assert limited.status_code == 429
    validate_v2("GET", "/v2/lists", limited)
    assert limited.json()["errors"][0]["code"] == "rate-limit"
    sandbox.state.fail("GET", "/v2/lists", 503, 1)
    failed = client.get("/v2/lists")
    assert failed.status_code == 503
    validate_v2("GET", "/v2/lists", failed)


def test_reply_and_written_notes_match_the_spec(sandbox, admin_key):
    client = v2(sandbox, admin_key)
    reply = client.post("/notes", json={"content": "Agreed_", "parent_id": 3000001}).json()
    html = client.post(
        "/notes",
        json={"content": "<p><em>fine</em></p>", "type": 2, "opportunity_ids": [seed.ACME_DEAL_ID]},
    ).json()
    for note_id in (reply["id"], html["id"]):
        response = client.get(
            f"/v2/notes/{note_id}?includes=repliesCount&includes=opportunitiesPreview"
        )
        validate_v2("GET", "/v2/notes/{noteId}", response)
    counted = client.get("/v2/notes/3000001?includes=repliesCount").json()
    assert counted["repliesCount"] == 1
