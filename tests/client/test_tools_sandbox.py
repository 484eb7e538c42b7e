"""Every tool over real loopback HTTP against the sandbox: answers, paging, request counts,
and each failure a user can meet."""

from __future__ import annotations

import math
import time

import pytest

from affinity_client import (
    AffinityTransportError,
    AuthenticationError,
    InvalidRequestError,
    NotFoundError,
    PermissionDeniedError,
    ServerError,
    ToolInputError,
    UnknownOutcomeError,
    run_tool,
)
from affinity_client.probe import probe_permissions
from affinity_client.sandbox import seed

from .sandbox_helpers import clear_log, client_for, control, count, request_log

SERIES_A = seed.LISTS["Series A Pipeline"]
DEAL_FLOW = seed.LISTS["Deal Flow"]
FOUNDERS = seed.LISTS["Founders to Watch"]
PORTFOLIO = seed.LISTS["Portfolio"]


@pytest.fixture
def admin(sandbox, admin_key):
    with client_for(sandbox, admin_key) as client:
        yield client


@pytest.fixture
def standard(sandbox, standard_key):
    with client_for(sandbox, standard_key) as client:
        yield client


def page_all(client, name, inputs):
    pages, rows, token = 0, [], None
    key = {
        "affinity_search_persons": "persons",
        "affinity_search_organizations": "organizations",
        "affinity_list_opportunities": "opportunities",
        "affinity_list_notes": "notes",
    }[name]
    while True:
        result = run_tool(client, name, {**inputs, **({"page_token": token} if token else {})})
        pages += 1
        rows += result[key]
        token = result["next_page_token"]
        if token is None:
            return rows, pages


# ---- persons -------------------------------------------------------------------------------


def test_search_persons_finds_jane_in_one_request(sandbox, admin):
    result = run_tool(admin, "affinity_search_persons", {"term": "jane"})
    assert seed.JANE_ID in [p["id"] for p in result["persons"]]
    jane = next(p for p in result["persons"] if p["id"] == seed.JANE_ID)
    assert jane["name"] == "Jane Smith" and jane["primary_email"] == seed.JANE_EMAIL
    assert len(request_log(sandbox)) == 1


def test_search_persons_pages_to_the_end_without_gaps_or_repeats(sandbox, admin):
    everyone = run_tool(admin, "affinity_search_persons", {"term": "a", "page_size": 500})
    assert everyone["next_page_token"] is None
    clear_log(sandbox)
    rows, pages = page_all(admin, "affinity_search_persons", {"term": "a", "page_size": 7})
    assert [p["id"] for p in rows] == [p["id"] for p in everyone["persons"]]
    assert pages >= math.ceil(len(rows) / 7) and count(request_log(sandbox), "GET") == pages


def test_search_persons_with_interaction_dates(admin):
    result = run_tool(
        admin, "affinity_search_persons", {"term": "jane", "with_interaction_dates": True}
    )
    jane = next(p for p in result["persons"] if p["id"] == seed.JANE_ID)
    assert jane["interaction_dates"]["last_interaction"]


def test_get_person_is_complete_in_a_constant_number_of_requests(sandbox, admin):
    person = run_tool(admin, "affinity_get_person", {"person_id": seed.JANE_ID})
    assert person["type"] == "external" and person["name"] == "Jane Smith"
    assert {"id": seed.ACME_ORG_ID, "name": "Acme", "domain": "acme.com"} in person["organizations"]
    assert {m["list_name"] for m in person["lists"]} == {"Founders to Watch"}
    strengths = [r["strength"] for r in person["relationships"]]
    assert strengths == sorted(strengths, reverse=True) and len(strengths) <= 5
    assert all(r["name"] for r in person["relationships"])
    assert person["interaction_dates"]["last_email"]
    assert len(request_log(sandbox)) <= 5  # person, phones, orgs, lists, named relationships


def test_get_person_unknown_id_is_not_found(admin):
    with pytest.raises(NotFoundError) as info:
        run_tool(admin, "affinity_get_person", {"person_id": 999999})
    assert info.value.status == 404 and info.value.resource == "person 999999"


# ---- organizations ---------------------------------------------------------------------------


def test_search_organizations_pages_to_the_end_without_gaps_or_repeats(sandbox, admin):
    everyone = run_tool(admin, "affinity_search_organizations", {"term": "a", "page_size": 500})
    assert everyone["next_page_token"] is None and len(everyone["organizations"]) > 20
    clear_log(sandbox)
    rows, pages = page_all(admin, "affinity_search_organizations", {"term": "a", "page_size": 9})
    assert [o["id"] for o in rows] == [o["id"] for o in everyone["organizations"]]
    assert pages >= math.ceil(len(rows) / 9) and count(request_log(sandbox), "GET") == pages


def test_search_organizations_by_name_and_domain(admin):
    by_name = run_tool(admin, "affinity_search_organizations", {"term": "acme"})
    assert by_name["organizations"][0]["id"] == seed.ACME_ORG_ID
    assert any(o["global"] for o in by_name["organizations"])
    by_domain = run_tool(admin, "affinity_search_organizations", {"term": "acme.com"})
    assert seed.ACME_ORG_ID in [o["id"] for o in by_domain["organizations"]]


def test_get_organization_with_deal_stage(admin):
    org = run_tool(admin, "affinity_get_organization", {"organization_id": seed.ACME_ORG_ID})
    deal = next(d for d in org["deals"] if d["id"] == seed.ACME_DEAL_ID)
    assert deal["list_name"] == "Series A Pipeline" and deal["stage"]["text"] == "Diligence"
    assert seed.JANE_ID in [p["id"] for p in org["people"]]


def test_get_big_organization_uses_one_people_batch_not_one_per_person(sandbox, admin):
    org = run_tool(admin, "affinity_get_organization", {"organization_id": seed.BIG_ORG_ID})
    assert len(org["people"]) >= 50 and all(p["name"] for p in org["people"])
    log = request_log(sandbox)
    assert count(log, "GET", "/v2/persons") == math.ceil(len(org["people"]) / 100)
    assert count(log, "GET", "/persons/") == 0
    assert len(log) <= 4 + min(len(org["deals"]), 10) + 1


# ---- lists -----------------------------------------------------------------------------------


def test_list_lists_with_sizes_and_owner_names_in_two_requests(sandbox, admin):
    result = run_tool(admin, "affinity_list_lists", {})
    by_id = {x["id"]: x for x in result["lists"]}
    assert by_id[DEAL_FLOW]["size"] == seed.DEAL_FLOW_SIZE
    assert by_id[DEAL_FLOW]["type"] == "opportunity" and by_id[FOUNDERS]["type"] == "person"
    assert by_id[SERIES_A]["owner"] == {"id": seed.ADMIN_ID, "name": "Maya Patel"}
    assert len(request_log(sandbox)) == 2
    only = run_tool(admin, "affinity_list_lists", {"type": "organization"})
    assert {x["type"] for x in only["lists"]} == {"organization"}


def test_add_to_list_adds_once_then_reports_already_on_list(sandbox, admin):
    person_id = seed.ADMIN_ID + 0  # an internal person is not on Founders to Watch
    first = run_tool(admin, "affinity_add_to_list", {"list_id": FOUNDERS, "person_id": person_id})
    second = run_tool(admin, "affinity_add_to_list", {"list_id": FOUNDERS, "person_id": person_id})
    assert first["already_on_list"] is False and second["already_on_list"] is True
    assert first["list_entry_id"] == second["list_entry_id"]
    assert first["list"] == {"id": FOUNDERS, "name": "Founders to Watch", "type": "person"}
    assert count(request_log(sandbox), "POST") == 1


def test_add_to_list_when_already_there_writes_nothing(sandbox, admin):
    result = run_tool(
        admin, "affinity_add_to_list", {"list_id": FOUNDERS, "person_id": seed.JANE_ID}
    )
    assert result["already_on_list"] is True and result["entity"]["name"] == "Jane Smith"
    assert count(request_log(sandbox), "POST") == 0


def test_add_to_list_wrong_kind_is_refused_before_writing(sandbox, admin):
    with pytest.raises(ToolInputError) as info:
        run_tool(admin, "affinity_add_to_list", {"list_id": PORTFOLIO, "person_id": seed.JANE_ID})
    assert info.value.field == "person_id"
    with pytest.raises(ToolInputError) as info:
        run_tool(
            admin,
            "affinity_add_to_list",
            {"list_id": SERIES_A, "organization_id": seed.ACME_ORG_ID},
        )
    assert info.value.field == "list_id"
    assert count(request_log(sandbox), "POST") == 0


# ---- opportunities ---------------------------------------------------------------------------


def test_list_opportunities_pages_the_whole_pipeline_one_request_per_page(sandbox, admin):
    deals, pages = page_all(
        admin, "affinity_list_opportunities", {"list_id": DEAL_FLOW, "page_size": 100}
    )
    assert len(deals) == seed.DEAL_FLOW_SIZE == len({d["id"] for d in deals})
    log = request_log(sandbox)
    entry_requests = count(log, "GET", f"/v2/lists/{DEAL_FLOW}/list-entries")
    assert entry_requests == pages == math.ceil(seed.DEAL_FLOW_SIZE / 100)
    assert len(log) - entry_requests <= 1  # the list definition, read once
    assert all(d["list"] == {"id": DEAL_FLOW, "name": "Deal Flow"} for d in deals)
    assert any(d["stage"] for d in deals)


def test_list_opportunities_has_stage_value_owners_people(admin):
    result = run_tool(admin, "affinity_list_opportunities", {"list_id": SERIES_A, "page_size": 100})
    acme = next(d for d in result["opportunities"] if d["id"] == seed.ACME_DEAL_ID)
    assert acme["stage"]["text"] == "Diligence" and acme["value"] == 500000
    assert acme["owners"] and all(o["name"] for o in acme["owners"])
    assert [p["id"] for p in acme["people"]] == [seed.JANE_ID]
    assert [o["id"] for o in acme["organizations"]] == [seed.ACME_ORG_ID]


def test_list_opportunities_refuses_a_person_list_before_reading_entries(sandbox, admin):
    with pytest.raises(ToolInputError) as info:
        run_tool(admin, "affinity_list_opportunities", {"list_id": FOUNDERS})
    assert info.value.field == "list_id"
    assert count(request_log(sandbox), "GET", "/v2/") == 0


def test_page_token_with_another_list_is_an_input_error(sandbox, admin):
    token = run_tool(admin, "affinity_list_opportunities", {"list_id": DEAL_FLOW, "page_size": 10})[
        "next_page_token"
    ]
    with pytest.raises(ToolInputError) as info:
        run_tool(
            admin,
            "affinity_list_opportunities",
            {"list_id": SERIES_A, "page_size": 10, "page_token": token},
        )
    assert info.value.field == "page_token"


def test_private_list_is_permission_denied_for_a_standard_user(standard):
    with pytest.raises(PermissionDeniedError) as info:
        run_tool(standard, "affinity_list_opportunities", {"list_id": seed.PRIVATE_LIST_ID})
    assert info.value.status == 403 and "208" in (info.value.resource or "")


def test_get_opportunity_has_every_named_field(sandbox, admin):
    deal = run_tool(admin, "affinity_get_opportunity", {"opportunity_id": seed.ACME_DEAL_ID})
    assert deal["list"] == {"id": SERIES_A, "name": "Series A Pipeline"}
    assert deal["stage"]["text"] == "Diligence"
    names = {f["name"]: f["value"] for f in deal["fields"]}
    assert names["Status"] == "Diligence" and "Amount" in names
    assert [p["id"] for p in deal["people"]] == [seed.JANE_ID]
    assert len(request_log(sandbox)) <= 4


def test_create_opportunity_with_people_orgs_and_owner(sandbox, admin):
    deal = run_tool(
        admin,
        "affinity_create_opportunity",
        {
            "list_id": SERIES_A,
            "name": "Globex - Seed",
            "person_ids": [seed.JANE_ID],
            "organization_ids": [seed.ACME_ORG_ID],
            "owner_id": seed.STANDARD_ID,
        },
    )
    assert deal["name"] == "Globex - Seed" and deal["list"]["id"] == SERIES_A
    assert deal["owners"] == [{"id": seed.STANDARD_ID, "name": "Daniel Okafor"}]
    assert [p["id"] for p in deal["people"]] == [seed.JANE_ID]
    assert deal["id"] in sandbox.state.opportunities
    assert count(request_log(sandbox), "POST", exact="/opportunities") == 1


def test_create_opportunity_on_a_person_list_creates_nothing(sandbox, admin):
    before = len(sandbox.state.opportunities)
    with pytest.raises(ToolInputError) as info:
        run_tool(admin, "affinity_create_opportunity", {"list_id": FOUNDERS, "name": "X"})
    assert info.value.field == "list_id"
    assert len(sandbox.state.opportunities) == before
    assert count(request_log(sandbox), "POST") == 0


def test_create_opportunity_with_external_owner_creates_nothing(sandbox, admin):
    with pytest.raises(ToolInputError) as info:
        run_tool(
            admin,
            "affinity_create_opportunity",
            {"list_id": SERIES_A, "name": "X", "owner_id": seed.JANE_ID},
        )
    assert info.value.field == "owner_id"
    assert count(request_log(sandbox), "POST") == 0


def test_create_opportunity_with_unknown_person_is_invalid_request(admin):
    with pytest.raises(InvalidRequestError) as info:
        run_tool(
            admin,
            "affinity_create_opportunity",
            {"list_id": SERIES_A, "name": "X", "person_ids": [99999999]},
        )
    assert info.value.status == 422


def test_update_opportunity_adds_without_dropping_existing_links(sandbox, admin):
    other = seed.ADMIN_ID
    deal = run_tool(
        admin,
        "affinity_update_opportunity",
        {
            "opportunity_id": seed.ACME_DEAL_ID,
            "name": "Acme - Series A (lead)",
            "add_person_ids": [other],
        },
    )
    assert deal["name"] == "Acme - Series A (lead)"
    assert [p["id"] for p in deal["people"]] == [seed.JANE_ID, other]
    assert [o["id"] for o in deal["organizations"]] == [seed.ACME_ORG_ID]
    stored = sandbox.state.opportunities[seed.ACME_DEAL_ID]
    assert stored["person_ids"] == [seed.JANE_ID, other]
    assert stored["organization_ids"] == [seed.ACME_ORG_ID]


def test_update_opportunity_removes_only_what_was_asked(sandbox, admin):
    deal = run_tool(
        admin,
        "affinity_update_opportunity",
        {"opportunity_id": seed.ACME_DEAL_ID, "remove_person_ids": [seed.JANE_ID]},
    )
    assert deal["people"] == []
    assert [o["id"] for o in deal["organizations"]] == [seed.ACME_ORG_ID]


def test_update_unknown_opportunity_is_not_found(admin):
    with pytest.raises(NotFoundError):
        run_tool(admin, "affinity_update_opportunity", {"opportunity_id": 987654, "name": "Nope"})


# ---- notes -----------------------------------------------------------------------------------


def test_create_note_plain_and_html(sandbox, admin):
    plain = run_tool(
        admin, "affinity_create_note", {"content": "Call with Jane", "person_ids": [seed.JANE_ID]}
    )
    # Written through V2, every note is HTML: plain text is escaped into paragraphs.
    assert plain["type"] == "html" and plain["content"] == "Call with Jane"
    assert plain["person_ids"] == [seed.JANE_ID]
    assert sandbox.state.notes[plain["id"]]["content"] == "<p>Call with Jane</p>"
    assert plain["creator"] == {"id": seed.ADMIN_ID, "name": "Maya Patel"}
    html = run_tool(
        admin,
        "affinity_create_note",
        {
            "content": "<p>Strong <strong>team</strong></p>",
            "organization_ids": [seed.ACME_ORG_ID],
            "opportunity_ids": [seed.ACME_DEAL_ID],
        },
    )
    assert html["type"] == "html" and "<" not in html["content"] and "team" in html["content"]
    assert sandbox.state.notes[html["id"]]["type"] == 2


def test_create_note_blank_content_sends_nothing(sandbox, admin):
    with pytest.raises(ToolInputError) as info:
        run_tool(admin, "affinity_create_note", {"content": "  \n ", "person_ids": [1]})
    assert info.value.field == "content"
    assert request_log(sandbox) == []


def test_list_notes_with_creator_names_and_paging(sandbox, admin):
    first = run_tool(admin, "affinity_list_notes", {"organization_id": seed.ACME_ORG_ID})
    assert first["notes"] and all(n["creator"]["name"] for n in first["notes"])
    rows, pages = page_all(
        admin, "affinity_list_notes", {"organization_id": seed.ACME_ORG_ID, "page_size": 1}
    )
    assert [n["id"] for n in rows] == [n["id"] for n in first["notes"]]
    assert pages in (len(rows), len(rows) + 1)  # a V1 token may lead to one empty page


# ---- relationships ---------------------------------------------------------------------------


def test_relationship_strength_strongest_first_with_names_in_one_request(sandbox, admin):
    result = run_tool(admin, "affinity_get_relationship_strength", {"external_id": seed.JANE_ID})
    assert result["person"]["name"] == "Jane Smith"
    strengths = [r["strength"] for r in result["relationships"]]
    assert strengths == sorted(strengths, reverse=True) and strengths
    assert all(r["name"] for r in result["relationships"])
    assert len(request_log(sandbox)) == 1  # the rows name her, second to every colleague
    one = run_tool(
        admin,
        "affinity_get_relationship_strength",
        {"external_id": seed.JANE_ID, "internal_id": seed.ADMIN_ID},
    )
    assert [r["internal_id"] for r in one["relationships"]] in ([seed.ADMIN_ID], [])


# ---- failures --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "tool_input"),
    [
        ("affinity_search_persons", {"term": "jane"}),
        ("affinity_list_lists", {}),
    ],
)
def test_revoked_key_is_authentication_error(sandbox, revoked_key, name, tool_input):
    with client_for(sandbox, revoked_key) as client, pytest.raises(AuthenticationError) as info:
        run_tool(client, name, tool_input)
    assert info.value.status == 401 and revoked_key not in str(info.value)
    assert len(request_log(sandbox)) == 1  # a 401 is not retried


def test_rate_limited_then_success_honours_retry_after(sandbox, admin_key):
    control(sandbox, "faults/rate-limit", {"key": admin_key, "count": 2})
    with client_for(sandbox, admin_key) as client:
        result = run_tool(client, "affinity_search_persons", {"term": "jane"})
        assert result["persons"]
        assert len(client._sleep) == 2 and all(s > 0 for s in client._sleep)
    assert count(request_log(sandbox), "POST", "/v2/persons/search") == 3  # V2 search


def test_server_error_on_a_read_is_retried(sandbox, admin):
    control(
        sandbox,
        "faults/error",
        {"method": "POST", "path": "/v2/persons/search", "status": 503, "count": 1},
    )
    assert run_tool(admin, "affinity_search_persons", {"term": "jane"})["persons"]
    assert count(request_log(sandbox), "POST", "/v2/persons/search") == 2


def test_server_error_on_a_write_is_unknown_outcome_and_not_repeated(sandbox, admin):
    control(
        sandbox, "faults/error", {"method": "POST", "path": "/v2/notes", "status": 500, "count": 1}
    )
    with pytest.raises(UnknownOutcomeError):
        run_tool(admin, "affinity_create_note", {"content": "x", "person_ids": [seed.JANE_ID]})
    assert count(request_log(sandbox), "POST", "/v2/notes") == 1


def test_server_error_on_reads_surfaces_after_retries(sandbox, admin):
    control(
        sandbox,
        "faults/error",
        {"method": "POST", "path": "/v2/persons/search", "status": 500, "count": 10},
    )
    with pytest.raises(ServerError):
        run_tool(admin, "affinity_search_persons", {"term": "jane"})
    assert count(request_log(sandbox), "POST", "/v2/persons/search") == 4


def test_timed_out_write_is_unknown_outcome_and_sent_once(sandbox, admin_key):
    before = len(sandbox.state.notes)
    control(sandbox, "faults/latency", {"ms": 800, "path": "/v2/notes"})
    with (
        client_for(sandbox, admin_key, timeout=0.3) as client,
        pytest.raises(UnknownOutcomeError) as info,
    ):
        run_tool(
            client, "affinity_create_note", {"content": "Slow note", "person_ids": [seed.JANE_ID]}
        )
    assert "may or may not" in str(info.value)
    waited = time.monotonic()
    while len(sandbox.state.notes) == before and time.monotonic() - waited < 5:
        time.sleep(0.05)  # the sandbox finishes the request the client gave up on
    assert count(request_log(sandbox), "POST", "/v2/notes") == 1
    assert len(sandbox.state.notes) == before + 1  # it did happen, exactly once


def test_rate_limited_write_is_retried_and_applied_once(sandbox, admin_key):
    before = len(sandbox.state.notes)
    control(sandbox, "faults/rate-limit", {"key": admin_key, "count": 1})
    with client_for(sandbox, admin_key) as client:
        note = run_tool(
            client, "affinity_create_note", {"content": "After a 429", "person_ids": [seed.JANE_ID]}
        )
    assert note["id"] in sandbox.state.notes and len(sandbox.state.notes) == before + 1
    assert count(request_log(sandbox), "POST", "/v2/notes") == 2


def test_server_error_on_a_v2_batch_read_is_retried(sandbox, admin):
    control(
        sandbox,
        "faults/error",
        {"method": "GET", "path": "/v2/companies", "status": 503, "count": 1},
    )
    person = run_tool(admin, "affinity_get_person", {"person_id": seed.JANE_ID})
    assert person["organizations"][0]["name"] == "Acme"
    assert count(request_log(sandbox), "GET", "/v2/companies") == 2


def test_slow_reads_are_bounded_by_max_call_seconds(sandbox, admin_key):
    control(sandbox, "faults/latency", {"ms": 600, "path": "/v2/persons/search"})
    started = time.monotonic()
    with (
        client_for(
            sandbox, admin_key, timeout=0.2, max_call_seconds=0.5, sleep=time.sleep
        ) as client,
        pytest.raises(AffinityTransportError),
    ):
        run_tool(client, "affinity_search_persons", {"term": "jane"})
    assert time.monotonic() - started < 1.5


def test_v1_bearer_auth_and_whoami(sandbox, admin_key):
    with client_for(sandbox, admin_key, v1_auth="bearer") as client:
        me = client.whoami()
        assert run_tool(client, "affinity_search_persons", {"term": "jane"})["persons"]
    assert me["user"] == {"id": seed.ADMIN_ID, "name": "Maya Patel", "email": "maya@northwind.vc"}
    assert me["tenant"]["subdomain"] == seed.TENANT["subdomain"]
    assert {r["auth"] for r in request_log(sandbox)} == {"bearer"}
    assert client.rate_limit.user_limit == 900 and client.rate_limit.user_remaining < 900


def test_probe_reports_every_tool(admin, standard):
    for client in (admin, standard):
        result = probe_permissions(client)
        assert set(result) == set(__import__("affinity_client").TOOLS)
        assert all(set(v) == {"ok", "reason"} for v in result.values())
    assert all(v["ok"] for v in probe_permissions(admin).values())


def test_probe_with_revoked_key_is_authentication_error(sandbox, revoked_key):
    with client_for(sandbox, revoked_key) as client, pytest.raises(AuthenticationError):
        probe_permissions(client)


@pytest.mark.parametrize(
    ("name", "tool_input", "resource"),
    [
        ("affinity_list_opportunities", {"list_id": 999}, "list 999"),
        ("affinity_get_opportunity", {"opportunity_id": 999999}, "opportunity 999999"),
        ("affinity_get_organization", {"organization_id": 999999}, "organization 999999"),
        ("affinity_add_to_list", {"list_id": 999, "person_id": seed.JANE_ID}, "list 999"),
    ],
)
def test_unknown_ids_are_not_found_naming_the_resource(admin, name, tool_input, resource):
    with pytest.raises(NotFoundError) as info:
        run_tool(admin, name, tool_input)
    assert info.value.resource == resource and info.value.status == 404
    assert resource.split()[1] in str(info.value)


def test_add_organization_to_an_organization_list(sandbox, admin):
    result = run_tool(
        admin, "affinity_add_to_list", {"list_id": PORTFOLIO, "organization_id": seed.BIG_ORG_ID}
    )
    assert result["entity"]["type"] == "organization" and result["list"]["type"] == "organization"
    again = run_tool(
        admin, "affinity_add_to_list", {"list_id": PORTFOLIO, "organization_id": seed.BIG_ORG_ID}
    )
    assert again["already_on_list"] is True
    assert again["list_entry_id"] == result["list_entry_id"]
    assert count(request_log(sandbox), "POST") == (0 if result["already_on_list"] else 1)


def test_standard_user_reads_public_pipelines(standard):
    result = run_tool(standard, "affinity_list_opportunities", {"list_id": SERIES_A})
    assert result["opportunities"] and result["list"]["name"] == "Series A Pipeline"
