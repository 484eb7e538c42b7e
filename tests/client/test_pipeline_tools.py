"""The pipeline tools against the sandbox: a list's fields, entries filtered with totals over
every match, saved views, deals by name, field writes with old -> new, and removal from a list;
with the request counts and every bad input a user can type (nothing written on bad input)."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from affinity_client import PermissionDeniedError, ToolInputError, run_tool
from affinity_client.sandbox import seed
from affinity_client.tools.common import PACIFIC

from .sandbox_helpers import clear_log, client_for, count, request_log

SERIES_A = seed.LISTS["Series A Pipeline"]
DEAL_FLOW = seed.LISTS["Deal Flow"]
FOUNDERS = seed.LISTS["Founders to Watch"]


@pytest.fixture
def admin(sandbox, admin_key):
    with client_for(sandbox, admin_key) as client:
        yield client


def stages_in_sandbox(sandbox, list_id):
    """{opportunity id: stage text} straight from the sandbox's world."""
    world = sandbox.state.world
    status = next(
        f for f in world.fields.values() if f["list_id"] == list_id and f["name"] == "Status"
    )
    options = {o["id"]: o["text"] for o in status["dropdown_options"]}
    return {
        v["entity_id"]: options[v["value"]]
        for v in world.field_values.values()
        if v["field_id"] == status["id"]
    }


def amount_in_sandbox(sandbox, opp_id):
    world = sandbox.state.world
    return next(
        (
            v["value"]
            for v in world.field_values.values()
            if v["entity_id"] == opp_id and world.fields[v["field_id"]]["name"] == "Amount"
        ),
        None,
    )


# ---- affinity_list_fields ------------------------------------------------------------------------


def test_fields_come_with_types_options_and_roles_in_one_cached_request(sandbox, admin):
    result = run_tool(admin, "affinity_list_fields", {"list_id": SERIES_A})
    fields = {f["name"]: f for f in result["fields"]}
    assert fields["Status"]["type"] == "ranked-dropdown" and fields["Status"]["role"] == "stage"
    assert [o["text"] for o in fields["Status"]["options"]] == seed.STATUS_STAGES
    assert fields["Owners"]["role"] == "owners" and fields["Owners"]["multiple"] is True
    assert fields["Amount"]["type"] == "number" and "options" not in fields["Amount"]
    assert fields["Last Reviewed"]["type"] == "date"
    run_tool(admin, "affinity_list_fields", {"list_id": SERIES_A})
    assert len(request_log(sandbox)) == 1  # the second call within a minute is free


# ---- affinity_search_list_entries ---------------------------------------------------------------


def test_totals_count_every_matching_deal_not_the_page(sandbox, admin):
    truth = stages_in_sandbox(sandbox, DEAL_FLOW)
    in_ic = [i for i, stage in truth.items() if stage == "IC"]
    first = run_tool(
        admin,
        "affinity_search_list_entries",
        {"list_id": DEAL_FLOW, "stage": "ic", "page_size": 10},
    )
    assert first["total"]["count"] == len(in_ic) > 10
    assert len(first["entries"]) == 10 and first["filters"] == ["Status = IC"]
    assert first["total"]["amount"] == sum(amount_in_sandbox(sandbox, i) or 0 for i in in_ic)
    # fewest requests: the list definition and one search that Affinity filters by stage
    log = request_log(sandbox)
    assert count(log, "GET", exact=f"/lists/{DEAL_FLOW}") == 1
    assert (
        count(log, "POST", exact=f"/v2/lists/{DEAL_FLOW}/list-entries/search") == 1 == len(log) - 1
    )
    seen = [e["id"] for e in first["entries"]]
    token = first["next_page_token"]
    while token:
        page = run_tool(
            admin,
            "affinity_search_list_entries",
            {"list_id": DEAL_FLOW, "stage": "ic", "page_size": 10, "page_token": token},
        )
        assert page["total"] == first["total"]
        seen += [e["id"] for e in page["entries"]]
        token = page["next_page_token"]
    assert sorted(seen) == sorted(in_ic)


def test_a_filter_affinity_cannot_apply_reads_the_whole_list_100_a_request(sandbox, admin):
    big = run_tool(
        admin,
        "affinity_search_list_entries",
        {"list_id": DEAL_FLOW, "where": [{"field": "Amount", "op": ">", "value": "10M"}]},
    )
    truth = [
        i
        for i in stages_in_sandbox(sandbox, DEAL_FLOW)
        if (amount_in_sandbox(sandbox, i) or 0) > 10_000_000
    ]
    assert big["total"]["count"] == len(truth)
    log = request_log(sandbox)
    assert count(log, "GET", exact=f"/v2/lists/{DEAL_FLOW}/list-entries") == 5 == len(log) - 1


def test_a_search_affinity_refuses_falls_back_to_reading_the_list(sandbox, admin):
    sandbox.state.fail("POST", f"/v2/lists/{DEAL_FLOW}/list-entries/search", 404, 1)
    found = run_tool(admin, "affinity_search_list_entries", {"list_id": DEAL_FLOW, "stage": "IC"})
    in_ic = [i for i, s in stages_in_sandbox(sandbox, DEAL_FLOW).items() if s == "IC"]
    assert found["total"]["count"] == len(in_ic)
    assert count(request_log(sandbox), "GET", exact=f"/v2/lists/{DEAL_FLOW}/list-entries") == 5
    clear_log(sandbox)
    run_tool(admin, "affinity_search_list_entries", {"list_id": DEAL_FLOW, "stage": "Passed"})
    assert count(request_log(sandbox), "POST") == 0  # not asked again for this key


def test_owner_field_conditions_and_sort_combine(sandbox, admin, standard_key):
    inp = {
        "list_id": SERIES_A,
        "owner": "me",
        "where": [{"field": "amount", "op": ">=", "value": "5M"}],
        "sort_by": "amount",
        "descending": True,
        "page_size": 100,
    }
    mine = run_tool(admin, "affinity_search_list_entries", inp)
    assert mine["entries"] and mine["filters"] == ["Amount >= 5M", "Owners include me"]
    amounts = [e["value"] for e in mine["entries"]]
    assert amounts == sorted(amounts, reverse=True) and min(amounts) >= 5_000_000
    for entry in mine["entries"]:
        assert seed.ADMIN_ID in [o["id"] for o in entry["owners"]]
        assert {"Amount", "Owners"} <= {m["name"] for m in entry["matched"]}
    with client_for(sandbox, standard_key) as standard:
        theirs = run_tool(standard, "affinity_search_list_entries", inp)
    assert {e["id"] for e in theirs["entries"]} != {e["id"] for e in mine["entries"]}
    by_name = run_tool(admin, "affinity_search_list_entries", {**inp, "owner": "daniel"})
    assert by_name["entries"] == theirs["entries"]
    assert by_name["filters"][-1] == "Owners include Daniel Okafor"


def test_dates_text_and_empty_conditions(sandbox, admin):
    today = run_tool(
        admin,
        "affinity_search_list_entries",
        {
            "list_id": SERIES_A,
            "where": [{"field": "Last Reviewed", "op": "=", "value": "today"}],
            # no time_zone: Pacific time, where Affinity keeps dates and the seed counts days
        },
    )
    assert today["total"]["count"] == seed.LAST_REVIEWED_TODAY
    acme = run_tool(admin, "affinity_search_list_entries", {"list_id": SERIES_A, "text": "acme"})
    assert [e["id"] for e in acme["entries"]] == [seed.ACME_DEAL_ID]
    no_amount = run_tool(
        admin,
        "affinity_search_list_entries",
        {"list_id": SERIES_A, "where": [{"field": "Amount", "op": "empty"}], "page_size": 100},
    )
    assert all(e["value"] is None for e in no_amount["entries"])
    everything = run_tool(admin, "affinity_search_list_entries", {"list_id": SERIES_A})
    assert everything["total"]["count"] == 42
    assert sum(s["count"] for s in everything["stages"]) == 42
    ranks = [s["stage"]["rank"] for s in everything["stages"] if s["stage"]]
    assert ranks == sorted(ranks)


def reviewed_on(sandbox, day) -> set[int]:
    """Series A deals whose Last Reviewed is ``day``, from the sandbox's world."""
    world = sandbox.state.world
    return {
        v["entity_id"]
        for v in world.field_values.values()
        if world.fields[v["field_id"]]["name"] == "Last Reviewed"
        and v["value"].astimezone(PACIFIC).date() == day
    }


@pytest.mark.parametrize("zone", ["Pacific/Kiritimati", "Etc/GMT+12", "America/Los_Angeles"])
def test_today_in_a_date_filter_or_write_is_the_users_day(sandbox, admin, zone):
    """UTC+14 and UTC-12 are a day apart most of the time: "today" is the day where the user
    is, and a date written as "today" is that day too."""
    theirs = datetime.now(ZoneInfo(zone)).date()
    found = run_tool(
        admin,
        "affinity_search_list_entries",
        {
            "list_id": SERIES_A,
            "where": [{"field": "Last Reviewed", "op": "=", "value": "today"}],
            "time_zone": zone,
            "page_size": 100,
        },
    )
    assert {e["id"] for e in found["entries"]} == reviewed_on(sandbox, theirs)
    run_tool(  # a day that is none of theirs, so that the next write changes it
        admin,
        "affinity_update_field_values",
        {
            "opportunity_id": seed.ACME_DEAL_ID,
            "values": [{"field": "Last Reviewed", "value": "2020-01-01"}],
        },
    )
    written = run_tool(
        admin,
        "affinity_update_field_values",
        {
            "opportunity_id": seed.ACME_DEAL_ID,
            "values": [{"field": "Last Reviewed", "value": "tomorrow"}],
            "time_zone": zone,
        },
    )
    tomorrow = (theirs + timedelta(days=1)).isoformat()
    assert [c["new"] for c in written["changes"]] == [tomorrow]
    assert seed.ACME_DEAL_ID in reviewed_on(sandbox, theirs + timedelta(days=1))
    with pytest.raises(ToolInputError, match="not a time zone name"):
        run_tool(admin, "affinity_search_list_entries", {"list_id": SERIES_A, "time_zone": "Mars"})


@pytest.mark.parametrize(
    ("bad", "field", "answer"),
    [
        ({"stage": "Dilligence"}, "stage", "Did you mean “Diligence”"),
        ({"where": [{"field": "Size", "op": "=", "value": "1"}]}, "where[0].field", "Its fields:"),
        ({"where": [{"field": "Amount", "op": ">", "value": "lots"}]}, "where[0].value", "numbers"),
        (
            {"where": [{"field": "Sector", "op": "=", "value": "Crypto"}]},
            "where[0].value",
            "Fintech",
        ),
        (
            {"where": [{"field": "Sector", "op": ">", "value": "Fintech"}]},
            "where[0].op",
            "dropdown",
        ),
        ({"owner": "Zed"}, "owner", "Owners: Daniel Okafor, Maya Patel"),
        ({"view_id": 9101, "stage": "IC"}, "stage", "saved view"),
    ],
)
def test_bad_filters_answer_with_the_valid_choices(sandbox, admin, bad, field, answer):
    with pytest.raises(ToolInputError, match=answer) as caught:
        run_tool(admin, "affinity_search_list_entries", {"list_id": SERIES_A, **bad})
    assert caught.value.field == field


def test_a_saved_sheet_view_lists_its_entries(sandbox, admin):
    views = run_tool(admin, "affinity_list_saved_views", {"list_id": SERIES_A})
    assert {v["name"]: v["type"] for v in views["views"]} == {
        "In IC": "sheet",
        "My deals": "sheet",
        "Deal Pipeline Status": "board",
    }
    in_ic = run_tool(admin, "affinity_search_list_entries", {"list_id": SERIES_A, "view_id": 9101})
    assert in_ic["view"] == {"id": 9101, "name": "In IC", "type": "sheet"}
    truth = stages_in_sandbox(sandbox, SERIES_A)
    assert sorted(e["id"] for e in in_ic["entries"]) == sorted(
        i for i, s in truth.items() if s == "IC"
    )
    with pytest.raises(ToolInputError, match="sheet views only"):
        run_tool(admin, "affinity_search_list_entries", {"list_id": SERIES_A, "view_id": 9103})


def test_deals_are_found_by_name_across_lists_in_one_request(sandbox, admin):
    found = run_tool(admin, "affinity_search_opportunities", {"term": "acme"})
    assert found["opportunities"] == [
        {"id": seed.ACME_DEAL_ID, "name": f"Acme {seed.DASH} Series A", "list_id": SERIES_A}
    ]
    assert [(r["method"], r["path"]) for r in request_log(sandbox)] == [("GET", "/opportunities")]


def test_private_lists_and_missing_permissions_are_refused_by_role(sandbox, standard_key):
    with client_for(sandbox, standard_key) as standard, pytest.raises(PermissionDeniedError):
        run_tool(standard, "affinity_search_list_entries", {"list_id": seed.PRIVATE_LIST_ID})
    with client_for(sandbox, seed.RESTRICTED_KEY) as restricted:
        fields = run_tool(restricted, "affinity_list_fields", {"list_id": SERIES_A})  # V1: fine
        assert fields["fields"]
        found = run_tool(restricted, "affinity_search_list_entries", {"list_id": SERIES_A})
        assert found["total"]["count"] == 42  # through V1 (test_deal_fallbacks.py)
        with pytest.raises(PermissionDeniedError, match="Export data from Lists"):
            run_tool(
                restricted, "affinity_search_list_entries", {"list_id": SERIES_A, "view_id": 9101}
            )


# ---- affinity_update_field_values ----------------------------------------------------------------


def test_several_fields_are_written_at_once_with_old_and_new(sandbox, admin):
    result = run_tool(
        admin,
        "affinity_update_field_values",
        {
            "opportunity_id": seed.ACME_DEAL_ID,
            "values": [
                {"field": "stage", "value": "ic"},
                {"field": "Owners", "value": "Maya Patel, me"},
                {"field": "amount", "value": "7.5M"},
                {"field": "Sector", "value": "fintech"},
            ],
        },
    )
    changes = {c["field"]: (c["old"], c["new"]) for c in result["changes"]}
    assert changes["Status"] == ("Diligence", "IC")
    assert changes["Amount"][1] == "7500000"
    assert changes["Sector"][1] == "Fintech"
    assert stages_in_sandbox(sandbox, SERIES_A)[seed.ACME_DEAL_ID] == "IC"
    assert amount_in_sandbox(sandbox, seed.ACME_DEAL_ID) == 7_500_000
    assert count(request_log(sandbox), "PATCH") == 1
    again = run_tool(
        admin,
        "affinity_update_field_values",
        {"opportunity_id": seed.ACME_DEAL_ID, "values": [{"field": "stage", "value": "IC"}]},
    )
    assert again["changes"] == [] and again["unchanged"][0]["old"] == "IC"
    assert count(request_log(sandbox), "PATCH") == 1  # nothing to write: nothing sent


@pytest.mark.parametrize(
    ("value", "answer"),
    [
        ({"field": "stage", "value": "Closing"}, "Valid stages: Sourced"),
        ({"field": "Size", "value": "3"}, "Its fields: Status, Amount, Owners"),
        ({"field": "Amount", "value": "a lot"}, "Amount expects a number"),
        ({"field": "Last Reviewed", "value": "soon"}, "expects a date"),
        ({"field": "Owners", "value": "Jane Smith"}, "No colleague matches"),
        (
            {"field": "Sector", "value": "Crypto"},
            "“Crypto” is not an option of Sector. Valid options: Fintech",
        ),
    ],
)
def test_bad_values_write_nothing_and_say_what_is_valid(sandbox, admin, value, answer):
    before = amount_in_sandbox(sandbox, seed.ACME_DEAL_ID)
    good = (  # a good value beside the bad one: it is not written either
        {"field": "Amount", "value": "1M"}
        if value["field"] != "Amount"
        else {"field": "stage", "value": "IC"}
    )
    with pytest.raises(ToolInputError, match=answer):
        run_tool(
            admin,
            "affinity_update_field_values",
            {
                "opportunity_id": seed.ACME_DEAL_ID,
                "values": [good, value],
            },
        )
    assert count(request_log(sandbox), "PATCH") == 0
    assert stages_in_sandbox(sandbox, SERIES_A)[seed.ACME_DEAL_ID] == "Diligence"
    assert amount_in_sandbox(sandbox, seed.ACME_DEAL_ID) == before


def test_a_person_list_entry_is_written_by_its_entry_id(sandbox, admin):
    entry = next(e for e in sandbox.state.list_entries.values() if e["list_id"] == FOUNDERS)
    result = run_tool(
        admin,
        "affinity_update_field_values",
        {
            "list_id": FOUNDERS,
            "list_entry_id": entry["id"],
            "values": [
                {"field": "Priority", "value": "Low"},
                {"field": "Relationship Owner", "value": "Tom"},
            ],
        },
    )
    assert result["entity"]["type"] == "person" and result["entity"]["name"]
    assert {c["field"]: c["new"] for c in result["changes"] + result["unchanged"]} == {
        "Priority": "Low",
        "Relationship Owner": "Tom Becker",
    }


def test_without_the_export_permission_fields_are_written_through_v1(sandbox):
    with client_for(sandbox, seed.RESTRICTED_KEY) as restricted:
        moved = run_tool(
            restricted,
            "affinity_update_field_values",
            {
                "opportunity_id": seed.ACME_DEAL_ID,
                "values": [
                    {"field": "stage", "value": "IC"},
                    {"field": "Owners", "value": "me, Tom Becker"},
                    {"field": "Amount", "value": None},
                ],
            },
        )
        changes = {c["field"]: (c["old"], c["new"]) for c in moved["changes"]}
        assert changes == {
            "Status": ("Diligence", "IC"),
            "Owners": ("Daniel Okafor, Sofia Alvarez", "Sofia Alvarez, Tom Becker"),
            "Amount": ("500000", None),
        }
        log = request_log(sandbox)
        patches = [r for r in log if r["method"] == "PATCH"]
        assert len(patches) <= 1 and all(r["status"] == 403 for r in patches)  # refused: unwritten
        assert count(log, "POST", exact="/field-values") >= 1
        assert stages_in_sandbox(sandbox, SERIES_A)[seed.ACME_DEAL_ID] == "IC"
        assert amount_in_sandbox(sandbox, seed.ACME_DEAL_ID) is None
        again = run_tool(
            restricted,
            "affinity_update_field_values",
            {"opportunity_id": seed.ACME_DEAL_ID, "values": [{"field": "stage", "value": "ic"}]},
        )
        assert again["changes"] == [] and again["unchanged"][0]["old"] == "IC"


# ---- affinity_remove_from_list -------------------------------------------------------------------


def test_removing_from_a_list_finds_the_entry_and_says_what_happened(sandbox, admin):
    jane = run_tool(admin, "affinity_add_to_list", {"list_id": FOUNDERS, "person_id": seed.JANE_ID})
    entries = [
        e["id"]
        for e in sandbox.state.list_entries.values()
        if e["list_id"] == FOUNDERS and e["entity_id"] == seed.JANE_ID
    ]
    clear_log(sandbox)
    gone = run_tool(
        admin, "affinity_remove_from_list", {"list_id": FOUNDERS, "person_id": seed.JANE_ID}
    )
    assert gone["removed"] is True and gone["list_entry_id"] == jane["list_entry_id"]
    assert gone["entity"] == {"id": seed.JANE_ID, "name": "Jane Smith", "type": "person"}
    assert count(request_log(sandbox), "DELETE") == len(entries)  # each time she is on it
    again = run_tool(
        admin, "affinity_remove_from_list", {"list_id": FOUNDERS, "person_id": seed.JANE_ID}
    )
    assert again["removed"] is False and count(request_log(sandbox), "DELETE") == len(entries)


def test_removing_a_deal_from_its_list_deletes_the_deal(sandbox, admin):
    gone = run_tool(
        admin,
        "affinity_remove_from_list",
        {"list_id": SERIES_A, "opportunity_id": seed.ACME_DEAL_ID},
    )
    assert gone["removed"] and gone["deal_deleted"]
    assert seed.ACME_DEAL_ID not in sandbox.state.opportunities
    with pytest.raises(ToolInputError, match="holds deals, not people"):
        run_tool(
            admin, "affinity_remove_from_list", {"list_id": SERIES_A, "person_id": seed.JANE_ID}
        )
