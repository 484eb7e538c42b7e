"""Tool catalog, input validation and tool behaviour over a mocked API (no sandbox)."""

from __future__ import annotations

import json

import httpx
import jsonschema
import pytest

from affinity_client import TOOLS, ToolInputError, run_tool
from affinity_client.pagination import PageCursor, decode_page_token, encode_page_token
from affinity_client.tools.common import ListMeta, _parse_list, deal_from_v2_entry, with_roles
from tests.reference import reference_file

from .fakes import Router, fixture, make_client, ok

NAMES = {
    "affinity_search_persons",
    "affinity_get_person",
    "affinity_search_organizations",
    "affinity_get_organization",
    "affinity_create_opportunity",
    "affinity_get_opportunity",
    "affinity_update_opportunity",
    "affinity_list_opportunities",
    "affinity_create_note",
    "affinity_list_notes",
    "affinity_list_lists",
    "affinity_add_to_list",
    "affinity_get_relationship_strength",
    "affinity_update_note",
    "affinity_delete_note",
    "affinity_list_reminders",
    "affinity_create_reminder",
    "affinity_complete_reminder",
    "affinity_list_meetings",
    "affinity_create_person",
    "affinity_create_organization",
    "affinity_list_fields",
    "affinity_search_list_entries",
    "affinity_list_saved_views",
    "affinity_search_opportunities",
    "affinity_update_field_values",
    "affinity_remove_from_list",
    "affinity_get_field_history",
}


def _undescribed(schema: dict, path: str) -> list[str]:
    """Every input property, nested ones too, that says nothing of what to give it (the model
    and MCP clients read these descriptions)."""
    found = []
    for key, prop in (schema.get("properties") or {}).items():
        if "description" not in prop:
            found.append(f"{path}.{key}")
        found += _undescribed(prop, f"{path}.{key}")
        if isinstance(prop.get("items"), dict):
            found += _undescribed(prop["items"], f"{path}.{key}[]")
    return found


def test_catalog_has_every_tool_with_anthropic_ready_schemas():
    assert set(TOOLS) == NAMES
    for tool in TOOLS.values():
        schema = tool.input_schema
        jsonschema.Draft202012Validator.check_schema(schema)
        assert schema["type"] == "object" and schema["additionalProperties"] is False
        assert set(schema["required"]) <= set(schema["properties"])
        assert len(tool.description) > 80
        assert tool.definition().keys() == {"name", "description", "input_schema"}
        json.dumps(tool.definition())
    assert not [p for t in TOOLS.values() for p in _undescribed(t.input_schema, t.name)]
    writes = {n for n, t in TOOLS.items() if t.writes}
    assert writes == {
        "affinity_create_opportunity",
        "affinity_update_opportunity",
        "affinity_create_note",
        "affinity_add_to_list",
        "affinity_update_note",
        "affinity_delete_note",
        "affinity_create_reminder",
        "affinity_complete_reminder",
        "affinity_create_person",
        "affinity_create_organization",
        "affinity_update_field_values",
        "affinity_remove_from_list",
    }


class NoNetwork(Router):
    def __call__(self, request: httpx.Request) -> httpx.Response:  # pragma: no cover
        raise AssertionError(f"sent {request.method} {request.url}")


BAD_INPUTS = [
    ("affinity_search_persons", {}, "term"),
    ("affinity_search_persons", {"term": ""}, "term"),
    ("affinity_search_persons", {"term": "a", "page_size": 501}, "page_size"),
    ("affinity_search_persons", {"term": "a", "color": "red"}, "color"),
    ("affinity_search_persons", {"term": "a", "page_token": "garbage!"}, "page_token"),
    ("affinity_get_person", {"person_id": "12"}, "person_id"),
    ("affinity_get_person", {"person_id": 0}, "person_id"),
    ("affinity_search_organizations", {"term": 5}, "term"),
    ("affinity_get_organization", {}, "organization_id"),
    ("affinity_list_lists", {"type": "company"}, "type"),
    ("affinity_list_opportunities", {}, "list_id"),
    ("affinity_list_opportunities", {"list_id": 1, "page_size": 101}, "page_size"),
    ("affinity_get_opportunity", {"opportunity_id": 1.5}, "opportunity_id"),
    ("affinity_create_opportunity", {"list_id": 1}, "name"),
    ("affinity_create_opportunity", {"list_id": 1, "name": "   "}, "name"),
    (
        "affinity_create_opportunity",
        {"list_id": 1, "name": "x", "person_ids": [1, 1]},
        "person_ids",
    ),
    ("affinity_update_opportunity", {"opportunity_id": 1}, "name"),
    (
        "affinity_update_opportunity",
        {"opportunity_id": 1, "add_person_ids": [2], "remove_person_ids": [2]},
        "remove_person_ids",
    ),
    ("affinity_create_note", {"content": "hi"}, "person_ids"),
    ("affinity_create_note", {"content": " \n\t ", "person_ids": [1]}, "content"),
    ("affinity_create_note", {"content": "x", "person_ids": [1], "format": "md"}, "format"),
    ("affinity_list_notes", {}, "person_id"),
    ("affinity_list_notes", {"person_id": 1, "organization_id": 2}, "organization_id"),
    ("affinity_add_to_list", {"list_id": 1}, "person_id"),
    (
        "affinity_add_to_list",
        {"list_id": 1, "person_id": 1, "organization_id": 2},
        "organization_id",
    ),
    ("affinity_get_relationship_strength", {"internal_id": 3}, "external_id"),
    ("affinity_create_person", {"email": "a@b.co"}, "first_name"),
    ("affinity_create_person", {"first_name": " ", "email": "a@b.co"}, "first_name"),
    ("affinity_create_person", {"first_name": "Ada"}, "email"),
    ("affinity_create_person", {"first_name": "Ada", "email": "ada at home"}, "email"),
    ("affinity_create_person", {"first_name": "Ada", "email": "ada@localhost"}, "email"),
    ("affinity_create_organization", {"domain": "acme.com"}, "name"),
    ("affinity_create_organization", {"name": "\t"}, "name"),
    ("affinity_create_organization", {"name": "Acme", "domain": "acme"}, "domain"),
    ("affinity_create_organization", {"name": "Acme", "domain": "ac me.com"}, "domain"),
]


@pytest.mark.parametrize(("name", "tool_input", "field"), BAD_INPUTS)
def test_bad_input_names_the_field_and_sends_nothing(name, tool_input, field):
    router = NoNetwork()
    with pytest.raises(ToolInputError) as info:
        run_tool(make_client(router), name, tool_input)
    assert info.value.field == field and info.value.tool == name
    assert router.requests == []


def test_unknown_tool_is_an_input_error():
    with pytest.raises(ToolInputError) as info:
        run_tool(make_client(NoNetwork()), "affinity_delete_everything", {})
    assert info.value.field == "name"


def test_page_token_is_bound_to_tool_and_inputs():
    inputs = {"term": "acme", "page_size": 10}
    token = encode_page_token(PageCursor("v1", "abc"), "t", inputs)
    assert decode_page_token(
        token, "t", {**inputs, "page_token": token}, path="/persons"
    ) == PageCursor("v1", "abc")
    for other_tool, other_inputs in (("t", {"term": "acme", "page_size": 20}), ("u", inputs)):
        with pytest.raises(ToolInputError) as info:
            decode_page_token(token, other_tool, other_inputs, path="/persons")
        assert info.value.field == "page_token"


@pytest.mark.parametrize(
    "cursor",
    [
        PageCursor("v2", "/v2/persons?cursor=x"),  # another collection
        PageCursor("v2", "/v2/lists/1/list-entries/../../persons"),
        PageCursor("v1", "token"),  # wrong API version
    ],
)
def test_forged_v2_token_cannot_steer_the_client_elsewhere(cursor):
    inputs = {"list_id": 1}
    token = encode_page_token(cursor, "t", inputs)
    with pytest.raises(ToolInputError):
        decode_page_token(token, "t", inputs, path="/v2/lists/1/list-entries")


def test_omitted_and_explicit_default_page_size_share_tokens():
    router = Router({("GET", "/persons"): ok({"persons": [], "next_page_token": "v1tok"})})
    client = make_client(router)
    token = run_tool(client, "affinity_search_persons", {"term": "a"})["next_page_token"]
    run_tool(client, "affinity_search_persons", {"term": "a", "page_size": 25, "page_token": token})
    assert router.requests[1].url.params["page_token"] == "v1tok"


def test_page_token_used_with_other_inputs_sends_nothing():
    router = Router({("GET", "/persons"): ok({"persons": [], "next_page_token": "v1tok"})})
    client = make_client(router)
    token = run_tool(client, "affinity_search_persons", {"term": "a"})["next_page_token"]
    with pytest.raises(ToolInputError, match="different query"):
        run_tool(client, "affinity_search_persons", {"term": "b", "page_token": token})
    assert len(router.requests) == 1


def test_search_persons_parses_the_captured_v1_response():
    router = Router({("GET", "/persons"): ok(fixture("persons/search"))})
    result = run_tool(make_client(router), "affinity_search_persons", {"term": "jo"})
    assert result["next_page_token"] is None
    first = result["persons"][0]
    assert first == {
        "id": 198383654,
        "name": "Joscha Test",
        "first_name": "Joscha",
        "last_name": "Test",
        "primary_email": "j-m@p-a.com",
        "emails": ["j-m@p-a.com"],
    }


def test_search_persons_with_dates_parses_interaction_dates():
    router = Router({("GET", "/persons"): ok(fixture("persons/search_with_dates"))})
    result = run_tool(
        make_client(router),
        "affinity_search_persons",
        {"term": "jo", "with_interaction_dates": True},
    )
    assert router.requests[0].url.params["with_interaction_dates"] == "true"
    dates = result["persons"][0]["interaction_dates"]
    assert set(dates) == {
        "first_email",
        "last_email",
        "first_event",
        "last_event",
        "next_event",
        "last_chat_message",
        "last_interaction",
    }
    assert any(dates.values())


def test_list_lists_parses_captured_lists_and_resolves_owners_in_one_batch():
    router = Router(
        {
            ("GET", "/lists"): ok(fixture("lists/all")),
            ("GET", "/v2/persons"): ok(
                {
                    "data": [
                        {
                            "id": 38706,
                            "firstName": "Ann",
                            "lastName": "Owner",
                            "type": "internal",
                            "primaryEmailAddress": "a@x.co",
                            "emailAddresses": [],
                        }
                    ]
                }
            ),
        }
    )
    result = run_tool(make_client(router), "affinity_list_lists", {})
    assert [(x["type"], x["size"]) for x in result["lists"]] == [
        ("person", 67),
        ("organization", 50),
        ("opportunity", 23),
    ]
    assert result["lists"][0]["owner"] == {"id": 38706, "name": "Ann Owner"}
    assert router.paths() == ["GET /lists", "GET /v2/persons"]


def _spec_example(name: str) -> dict:
    spec = json.loads(reference_file("affinity-v2-openapi-2026-07-15.json").read_text())
    return dict(spec["components"]["schemas"][name]["example"])


def test_list_notes_reads_the_v2_notes_whose_creators_are_named_in_one_request():
    entities, interaction = (
        _spec_example("notes.EntitiesNote"),
        _spec_example("notes.InteractionNote"),
    )
    router = Router(
        {
            ("GET", "/v2/companies/297551634/notes"): ok(
                {"data": [entities, {**interaction, "id": 2}], "pagination": {"nextUrl": None}}
            )
        }
    )
    result = run_tool(make_client(router), "affinity_list_notes", {"organization_id": 297551634})
    assert [n["id"] for n in result["notes"]] == [1, 2]
    note = result["notes"][0]
    assert note["content"] == "This is a note!" and note["type"] == "html"
    assert note["creator"] == {"id": 1, "name": "Jane Smith"}
    assert note["created_at"] == "2023-01-01T00:00:00Z"
    assert router.paths() == ["GET /v2/companies/297551634/notes"]
    assert result["next_page_token"] is None


def test_a_v1_notes_page_token_continues_through_v1_naming_creators_once():
    notes = fixture("notes/all")
    router = Router(
        {
            ("GET", "/notes"): ok(notes),
            ("GET", "/v2/persons"): ok(
                {
                    "data": [
                        {
                            "id": 54576635,
                            "firstName": "Joscha",
                            "lastName": "Feth",
                            "type": "internal",
                        }
                    ]
                }
            ),
        }
    )
    inputs = {"organization_id": 297551634, "page_size": 20}
    token = encode_page_token(PageCursor("v1", "next"), "affinity_list_notes", inputs)
    result = run_tool(make_client(router), "affinity_list_notes", {**inputs, "page_token": token})
    assert len(result["notes"]) == len(notes["notes"])
    note = result["notes"][0]
    assert note["type"] == "html" and note["creator"] == {"id": 54576635, "name": "Joscha Feth"}
    assert router.paths() == ["GET /notes", "GET /v2/persons"]


def test_list_definition_parsing_finds_status_and_owners():
    meta = _parse_list({**fixture("lists/single"), "type": 8})
    assert (meta.type, meta.status_field, meta.owners_field) == ("opportunity", 1625, 1626)


def _opportunity(person_ids, org_ids):
    return {
        "id": 117,
        "name": "Deal",
        "person_ids": person_ids,
        "organization_ids": org_ids,
        "list_entries": [{"id": 9, "list_id": 384, "entity_id": 117, "entity_type": 8}],
    }


def test_update_opportunity_keeps_existing_people_and_orgs():
    puts: list[dict] = []

    def put(request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content)
        puts.append(body)
        return ok(_opportunity(body.get("person_ids", [1, 2]), body.get("organization_ids", [10])))

    router = Router(
        {
            ("GET", "/opportunities/117"): ok(_opportunity([1, 2], [10])),
            ("PUT", "/opportunities/117"): put,
            ("GET", "/lists/384"): ok({**fixture("lists/single"), "id": 384, "type": 8}),
            ("GET", "/v2/lists/384/list-entries/9"): ok(
                {
                    "id": 9,
                    "createdAt": "2024-01-01T00:00:00Z",
                    "entity": {"id": 117, "name": "Deal", "fields": []},
                }
            ),
            ("GET", "/v2/persons"): ok({"data": []}),
            ("GET", "/v2/companies"): ok({"data": []}),
        }
    )
    run_tool(
        make_client(router),
        "affinity_update_opportunity",
        {"opportunity_id": 117, "add_person_ids": [3], "remove_organization_ids": [99]},
    )
    assert puts == [{"person_ids": [1, 2, 3]}]  # org 99 was never linked: orgs untouched


def test_update_that_changes_nothing_sends_no_put():
    router = Router(
        {
            ("GET", "/opportunities/117"): ok(_opportunity([1], [])),
            ("GET", "/lists/384"): ok({**fixture("lists/single"), "id": 384, "type": 8}),
            ("GET", "/v2/lists/384/list-entries/9"): ok(
                {"id": 9, "entity": {"id": 117, "fields": []}}
            ),
            ("GET", "/v2/persons"): ok({"data": []}),
        }
    )
    run_tool(
        make_client(router),
        "affinity_update_opportunity",
        {"opportunity_id": 117, "add_person_ids": [1]},
    )
    assert not any(p.startswith("PUT") for p in router.paths())


def test_non_opportunity_list_is_refused_before_anything_is_created():
    router = Router({("GET", "/lists/450"): ok(fixture("lists/single"))})
    with pytest.raises(ToolInputError) as info:
        run_tool(
            make_client(router), "affinity_create_opportunity", {"list_id": 450, "name": "New deal"}
        )
    assert info.value.field == "list_id" and "affinity_list_lists" in str(info.value)
    assert router.paths() == ["GET /lists/450"]


def test_add_to_list_returns_existing_entry_instead_of_adding_twice():
    person = fixture("persons/get")
    router = Router(
        {
            ("GET", "/lists/188027"): ok({"id": 188027, "type": 0, "name": "People", "fields": []}),
            ("GET", f"/persons/{person['id']}"): ok(person),
        }
    )
    result = run_tool(
        make_client(router), "affinity_add_to_list", {"list_id": 188027, "person_id": person["id"]}
    )
    assert result["already_on_list"] is True and result["list_entry_id"] == 133527223
    assert not any(p.startswith("POST") for p in router.paths())


def test_add_to_list_checks_kind_before_writing():
    router = Router({("GET", "/lists/383"): ok({"id": 383, "type": 1, "name": "Orgs"})})
    with pytest.raises(ToolInputError) as info:
        run_tool(make_client(router), "affinity_add_to_list", {"list_id": 383, "person_id": 5})
    assert info.value.field == "person_id"
    assert router.paths() == ["GET /lists/383"]


def test_get_person_from_captured_response_batches_orgs_and_names():
    person = fixture("persons/get")
    router = Router(
        {
            ("GET", f"/persons/{person['id']}"): ok(person),
            ("GET", "/v2/companies"): ok(
                {
                    "data": [
                        {
                            "id": 3584837,
                            "name": "Planet A",
                            "domain": "planet-a.com",
                            "domains": [],
                            "isGlobal": False,
                        }
                    ]
                }
            ),
            ("GET", "/lists"): ok([{"id": 188027, "type": 0, "name": "Founders"}]),
        }
    )
    result = run_tool(make_client(router), "affinity_get_person", {"person_id": person["id"]})
    assert result["type"] == "internal" and result["relationships"] == []
    assert [o["id"] for o in result["organizations"]] == person["organization_ids"]
    assert {"id": 3584837, "name": "Planet A", "domain": "planet-a.com"} in result["organizations"]
    assert result["lists"][0] == {
        "list_id": 188027,
        "list_name": "Founders",
        "list_entry_id": 133527223,
    }
    assert router.paths().count("GET /v2/companies") == 1
    assert router.requests[1].url.params.get_list("ids") == [
        str(i) for i in person["organization_ids"]
    ]


def test_get_organization_from_captured_response():
    org = fixture("organizations/get")
    people = [
        {
            "id": i,
            "firstName": f"P{i}",
            "lastName": None,
            "type": "external",
            "primaryEmailAddress": None,
            "emailAddresses": [],
        }
        for i in org["person_ids"]
    ]
    router = Router(
        {
            ("GET", f"/organizations/{org['id']}"): ok(org),
            ("GET", "/v2/persons"): ok({"data": people}),
            ("GET", "/v2/opportunities"): ok({"data": [{"id": 11, "name": "Deal", "listId": 384}]}),
            ("GET", "/lists"): ok(
                [{"id": 384, "type": 8, "name": "Pipeline"}, {"id": 26, "type": 1, "name": "Orgs"}]
            ),
            ("GET", "/lists/384"): ok({**fixture("lists/single"), "id": 384, "type": 8}),
            ("GET", "/field-values"): ok(
                [{"field_id": 1625, "value": {"id": 886, "text": "Interested", "rank": 1}}]
            ),
        }
    )
    result = run_tool(
        make_client(router), "affinity_get_organization", {"organization_id": org["id"]}
    )
    assert [p["name"] for p in result["people"]] == [f"P{i}" for i in org["person_ids"]]
    assert result["deals"] == [
        {
            "id": 11,
            "name": "Deal",
            "list_id": 384,
            "list_name": "Pipeline",
            "stage": {"id": 886, "text": "Interested", "rank": 1},
        }
    ]
    assert result["interaction_dates"]["next_event"] == "2019-03-04T05:06:07.890-08:00"
    assert result["lists"] == [{"list_id": 26, "list_name": "Orgs", "list_entry_id": 389}]
    assert router.paths().count("GET /v2/persons") == 1


def test_probe_names_the_missing_permission_per_tool():
    denied = ok({"errors": [{"code": "authorization", "message": "no"}]}, 403)
    router = Router(
        {
            ("GET", "/persons"): ok({"persons": [], "next_page_token": None}),
            ("GET", "/v2/persons"): denied,
            ("GET", "/organizations"): ok({"organizations": [], "next_page_token": None}),
            ("GET", "/lists"): ok([{"id": 9, "type": 8, "name": "P", "public": True}]),
            ("GET", "/v2/lists/9/list-entries"): denied,
            ("GET", "/notes"): ok({"notes": [], "next_page_token": None}),
        }
    )
    from affinity_client.probe import probe_permissions

    result = probe_permissions(make_client(router))
    assert result["affinity_search_persons"] == {"ok": True, "reason": None}
    # The tools read through V1 (or fall back to it): a refused V2 directory export does not
    # stop them, it only costs names, said in the reason.
    assert result["affinity_search_organizations"] == {"ok": True, "reason": None}
    assert result["affinity_get_person"]["ok"] is True
    assert "people directory" in result["affinity_get_person"]["reason"]
    assert result["affinity_get_organization"]["ok"] is True
    assert "10 most recent deals" in result["affinity_get_organization"]["reason"]
    # Neither V2 list entries nor their V1 fallback answered: the deal tools are not offered.
    assert result["affinity_list_opportunities"]["ok"] is False
    assert "Export data from Lists" in result["affinity_list_opportunities"]["reason"]
    assert "read deals on lists" in result["affinity_list_opportunities"]["reason"]
    # Checked only to choose V2 batches or V1 reads for company names: no tool is refused on it.
    assert "GET /v2/companies" in router.paths()
    assert all(r["ok"] or "organizations directory" not in r["reason"] for r in result.values())


def test_an_organization_whose_deals_are_refused_still_shows_the_rest():
    denied = ok(
        {
            "errors": [
                {
                    "code": "authorization",
                    "message": "Requires the Export data from Lists permission",
                }
            ]
        },
        403,
    )
    router = Router(
        {
            ("GET", "/organizations/7"): ok(
                {
                    "id": 7,
                    "name": "Acme",
                    "domain": "acme.com",
                    "person_ids": [],
                    "opportunity_ids": [31, 32],
                    "list_entries": [],
                }
            ),
            ("GET", "/v2/opportunities"): denied,
            ("GET", "/opportunities/31"): denied,  # V1, the fallback, refuses too
            ("GET", "/opportunities/32"): denied,
        }
    )
    result = run_tool(make_client(router), "affinity_get_organization", {"organization_id": 7})
    assert result["name"] == "Acme" and result["deals"] == []
    assert result["deals_unavailable"].startswith("Deals unavailable")
    assert "Export data from Lists" in result["deals_unavailable"]


@pytest.mark.parametrize(
    ("content", "note_type", "text"),
    [
        ("Test ***html***\n\n* 1\n\n* 2\n\n* 3", 2, "Test html\n• 1\n• 2\n• 3"),  # captured V1
        ("Follow up on test\\_note", 0, "Follow up on test_note"),
        ("2 * 3 = 6", 0, "2 * 3 = 6"),
        ("<p>Hi <strong>there</strong> &amp; co</p><ul><li>a</li></ul>", 2, "Hi there & co\n• a"),
    ],
)
def test_note_content_is_reduced_to_plain_text(content, note_type, text):
    from affinity_client.normalize import v1_note_text

    assert v1_note_text(content, note_type) == text


def test_a_big_organization_names_its_first_100_people_in_one_request():
    people = list(range(1, 301))
    router = Router(
        {
            ("GET", "/organizations/7"): ok(
                {
                    "id": 7,
                    "name": "Big",
                    "person_ids": people,
                    "opportunity_ids": [],
                    "list_entries": [],
                }
            ),
            ("GET", "/v2/persons"): lambda request: ok(
                {
                    "data": [
                        {"id": int(i), "firstName": "P", "lastName": i, "type": "external"}
                        for i in request.url.params.get_list("ids")
                    ]
                }
            ),
        }
    )
    result = run_tool(make_client(router), "affinity_get_organization", {"organization_id": 7})
    assert result["people_count"] == 300 and len(result["people"]) == 100
    assert router.paths().count("GET /v2/persons") == 1


def test_an_organization_with_150_deals_lists_the_100_most_recent_and_says_so():
    router = Router(
        {
            ("GET", "/organizations/7"): ok(
                {"id": 7, "name": "Big", "person_ids": [], "opportunity_ids": list(range(1, 151))}
            ),
            ("GET", "/v2/opportunities"): lambda request: ok(
                {
                    "data": [
                        {"id": int(i), "name": f"Deal {i}", "listId": 9}
                        for i in request.url.params.get_list("ids")
                    ]
                }
            ),
            ("GET", "/lists"): ok([{"id": 9, "type": 8, "name": "Pipeline", "public": True}]),
            ("GET", "/lists/9"): ok({"id": 9, "type": 8, "name": "Pipeline", "fields": []}),
        }
    )
    result = run_tool(make_client(router), "affinity_get_organization", {"organization_id": 7})
    assert [d["id"] for d in result["deals"]] == list(range(150, 50, -1))
    assert result["deals_unavailable"] == "Only its 100 most recent of 150 deals are listed."
    assert router.paths().count("GET /v2/opportunities") == 1


def test_a_deal_read_through_v1_shows_a_single_fields_latest_value():
    denied = ok({"errors": [{"code": "authorization", "message": "Requires export"}]}, 403)
    fields = [
        {"id": 1, "name": "Status", "value_type": 7, "allows_multiple": False},
        {"id": 2, "name": "Amount", "value_type": 3, "allows_multiple": False},
        {"id": 3, "name": "Sector", "value_type": 2, "allows_multiple": True},
    ]
    entry = {"id": 50, "list_id": 9, "entity_id": 5, "created_at": "2026-01-02T00:00:00-08:00"}
    values = [
        {"field_id": 1, "list_entry_id": 50, "value": {"id": 7, "text": "IC", "rank": 4}},
        {"field_id": 2, "list_entry_id": 50, "value": 100},
        {"field_id": 2, "list_entry_id": 50, "value": 200},  # the newer value of a single field
        {"field_id": 3, "list_entry_id": 50, "value": "AI"},
        {"field_id": 3, "list_entry_id": 50, "value": "Fintech"},
    ]
    router = Router(
        {
            ("GET", "/opportunities/5"): ok(
                {
                    "id": 5,
                    "name": "D",
                    "person_ids": [],
                    "organization_ids": [],
                    "list_entries": [entry],
                }
            ),
            ("GET", "/lists/9"): ok({"id": 9, "type": 8, "name": "P", "fields": fields}),
            ("GET", "/v2/lists/9/list-entries/50"): denied,
            ("GET", "/field-values"): ok(values),
        }
    )
    deal = run_tool(make_client(router), "affinity_get_opportunity", {"opportunity_id": 5})
    assert deal["stage"] == {"id": 7, "text": "IC", "rank": 4} and deal["value"] == 200
    assert {f["name"]: f["value"] for f in deal["fields"]} == {
        "Status": "IC",
        "Amount": "200",
        "Sector": "AI, Fintech",
    }
    assert deal["created_at"] == "2026-01-02T08:00:00Z"


def test_deal_fields_found_in_v2_entries_by_the_rules_of_a_list_definition():
    def field(field_id, name, value_type, data=None):
        return {
            "id": field_id,
            "name": name,
            "type": "list",
            "value": {"type": value_type, "data": data},
        }

    entry = {
        "id": 9,
        "createdAt": "2026-01-02T00:00:00Z",
        "entity": {
            "id": 117,
            "name": "Deal",
            "fields": [
                field("field-1", "Priority", "ranked-dropdown"),
                field(
                    "field-2",
                    "Stage",
                    "ranked-dropdown",
                    {"dropdownOptionId": 5, "text": "IC", "rank": 3},
                ),
                field(
                    "field-3",
                    "Deal Owner",
                    "person",
                    {"id": 7, "firstName": "Ann", "lastName": "Lee"},
                ),
                field("field-4", "Check Size", "number", 2_000_000),
                field("field-5", "Currency", "dropdown", {"dropdownOptionId": 8, "text": "EUR"}),
                field("persons", "People", "person-multi", None),
            ],
        },
    }
    known = ListMeta(384, "Pipeline", "opportunity", None, None, True, None, None, {})
    meta = with_roles(known, [entry])
    assert (meta.status_field, meta.owners_field, meta.amount_field, meta.currency_field) == (
        2,
        3,
        4,
        5,
    )
    assert meta.owners_multiple is False and meta.field_names[4] == "Check Size"
    deal = deal_from_v2_entry(entry, meta)
    assert deal["stage"] == {"id": 5, "text": "IC", "rank": 3}
    assert deal["owners"] == [{"id": 7, "name": "Ann Lee"}]
    assert (deal["value"], deal["currency"], deal["list"]) == (
        2_000_000,
        "EUR",
        {"id": 384, "name": "Pipeline"},
    )
