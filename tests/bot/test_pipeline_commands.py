"""`/affinity deals` with filters and totals, `deal <name>`, `stage`, `set` and `remove`, end to
end: signed slash commands to the real app, the sandbox behind it, as the admin, the standard
and the restricted user. Every write shows old -> new; bad input is answered with the valid
choices and writes nothing; a removal asks for a click first and runs once."""

from __future__ import annotations

import re

import pytest

from affinity_client.sandbox import seed
from bot.blocks import actions as ids
from tests.bot.test_commands_support import (
    ALICE,
    BOB,
    answer,
    button,
    click,
    connect,
    has_button,
    make_app,
    run,
)

DAVE = "U0DAVE004"  # the restricted key (no "Export data from Lists")
SERIES_A = seed.LISTS["Series A Pipeline"]
FOUNDERS = seed.LISTS["Founders to Watch"]


@pytest.fixture
def app(slack_app_factory):
    return make_app(slack_app_factory)


def stage_of(sandbox, opp_id: int) -> str | None:
    world = sandbox.state.world
    for value in world.field_values.values():
        field = world.fields[value["field_id"]]
        if value["entity_id"] == opp_id and field["name"] == "Status":
            return next(o["text"] for o in field["dropdown_options"] if o["id"] == value["value"])
    return None


def amount_of(sandbox, opp_id: int):
    world = sandbox.state.world
    return next(
        (
            v["value"]
            for v in world.field_values.values()
            if v["entity_id"] == opp_id and world.fields[v["field_id"]]["name"] == "Amount"
        ),
        None,
    )


def series_a_stages(sandbox) -> dict[int, str]:
    return {
        o["id"]: stage_of(sandbox, o["id"])
        for o in sandbox.state.opportunities.values()
        if o["list_id"] == SERIES_A
    }


def test_a_pipeline_counts_every_deal_not_the_page_and_shows_owners(app, sandbox):
    connect(app, ALICE, sandbox=sandbox)
    reply = run(app, "deals series a")
    assert "42 deals" in reply.text and "showing 25" in reply.text
    in_diligence = sum(1 for s in series_a_stages(sandbox).values() if s == "Diligence")
    assert re.search(rf"\*Diligence\* — {in_diligence}\b", reply.text)
    assert "owners Daniel Okafor, Sofia Alvarez" in reply.text  # Acme's, from its Owners field
    assert has_button(reply, ids.MORE)


def test_filters_narrow_the_pipeline_and_the_totals_follow(app, sandbox):
    connect(app, ALICE, sandbox=sandbox)
    reply = run(app, "deals series a stage=IC,Diligence owner=me sort=-amount")
    wanted = [
        o["id"]
        for o in sandbox.state.opportunities.values()
        if o["list_id"] == SERIES_A
        and stage_of(sandbox, o["id"]) in ("IC", "Diligence")
        and any(
            v["value"] == seed.ADMIN_ID
            for v in sandbox.state.world.field_values.values()
            if v["entity_id"] == o["id"]
            and sandbox.state.world.fields[v["field_id"]]["name"] == "Owners"
        )
    ]
    assert f"{len(wanted)} deal" in reply.text
    assert "Status = IC or Diligence; Owners include me" in reply.text
    shown = {int(i) for i in re.findall(r"\(id (\d+)\)", reply.text)}
    assert shown == set(wanted)
    assert button(reply, ids.SHARE)["value"] == (
        f"deals {SERIES_A} stage=IC,Diligence owner=me sort=-amount"
    )


def test_a_wrong_stage_or_field_in_a_filter_lists_the_valid_ones(app, sandbox):
    connect(app, ALICE, sandbox=sandbox)
    stage = run(app, "deals series a stage=Dilligence")
    assert "Valid stages: Sourced, First Meeting, Diligence, IC, Term Sheet" in stage.text
    field = run(app, "deals series a size>5")
    assert "Its fields: Status, Amount, Owners, Last Reviewed, Sector" in field.text


def test_a_deal_by_name_shows_its_card_or_choices(app, sandbox):
    connect(app, ALICE, sandbox=sandbox)
    card = run(app, "deal acme")
    assert "Acme" in card.text and "Diligence" in card.text
    several = run(app, "deal series a")
    assert "Several deals match" in several.text
    assert "· Series A Pipeline" in several.text  # each choice names its list
    assert button(several, ids.PICK, "deal ")["value"].startswith("deal ")
    assert "No deal in your Affinity is named like “zzzz”" in run(app, "deal zzzz").text


def test_stage_by_id_moves_the_deal_and_shows_old_and_new(app, sandbox):
    connect(app, ALICE, sandbox=sandbox)
    reply = run(app, f"stage {seed.ACME_DEAL_ID} IC")
    assert "Status:* Diligence → IC" in reply.text
    assert stage_of(sandbox, seed.ACME_DEAL_ID) == "IC"
    assert button(reply, ids.SHARE)["value"] == f"deal {seed.ACME_DEAL_ID}"
    again = run(app, f"move {seed.ACME_DEAL_ID} ic")  # typed again after the first one ran
    assert "Nothing changed on" in again.text and "Status is already IC" in again.text


def test_stage_on_a_near_name_asks_then_runs_once(app, sandbox):
    connect(app, ALICE, sandbox=sandbox)
    ask = run(app, "stage acme to term sheet")
    assert (
        "Did you mean the deal" in ask.text and stage_of(sandbox, seed.ACME_DEAL_ID) == "Diligence"
    )
    value = button(ask, ids.PICK)["value"]
    first = click(app, ids.PICK, value, message_ts="1700000020.000001")
    done = answer(app, first, index=1)
    assert "Status:* Diligence → Term Sheet" in done.text
    second = click(app, ids.PICK, value, message_ts="1700000021.000001")
    told = answer(app, second)
    assert "Already done" in told.text and "Status: Diligence → Term Sheet" in told.text
    assert sandbox.state.request_count("PATCH") == 1


def test_set_checks_the_value_first_and_shows_old_and_new(app, sandbox):
    connect(app, ALICE, sandbox=sandbox)
    before = amount_of(sandbox, seed.ACME_DEAL_ID)
    bad = run(app, f"set {seed.ACME_DEAL_ID} amount lots")
    assert "Amount expects a number" in bad.text and bad.text.count("Nothing was changed") == 1
    unknown = run(app, f"set {seed.ACME_DEAL_ID} size 5")
    assert "Its fields: Status, Amount, Owners" in unknown.text
    stage = run(app, f"stage {seed.ACME_DEAL_ID} Closing")
    assert "Valid stages: Sourced, First Meeting" in stage.text
    assert (
        sandbox.state.request_count("PATCH") == 0
        and amount_of(sandbox, seed.ACME_DEAL_ID) == before
    )
    done = run(app, f"set {seed.ACME_DEAL_ID} amount 12.5M")
    assert "Amount:* 500,000 → 12,500,000" in done.text
    assert amount_of(sandbox, seed.ACME_DEAL_ID) == 12_500_000
    owners = run(app, f"set {seed.ACME_DEAL_ID} owners=me, Tom Becker")
    assert "Owners:* Daniel Okafor, Sofia Alvarez → Maya Patel, Tom Becker" in owners.text


def test_remove_asks_for_a_click_and_runs_once(app, sandbox):
    connect(app, ALICE, sandbox=sandbox)
    on_list = [
        e
        for e in sandbox.state.list_entries.values()
        if e["list_id"] == FOUNDERS and e["entity_type"] == 0
    ]
    person = on_list[0]["entity_id"]
    ask = run(app, f'remove "Founders to Watch" person {person}')
    assert f"Remove person {person} from the list “Founders to Watch”" in ask.text
    assert "Nothing is removed unless you choose it" in ask.text
    assert button(ask, ids.PICK)["text"]["text"] == "Remove"  # as the question's answer
    assert len(sandbox.state.list_entries) >= len(on_list)
    assert sandbox.state.request_count("DELETE") == 0
    value = button(ask, ids.PICK)["value"]
    first = click(app, ids.PICK, value, message_ts="1700000030.000001")
    assert "Removed" in answer(app, first, index=1).text
    assert person not in {
        e["entity_id"] for e in sandbox.state.list_entries.values() if e["list_id"] == FOUNDERS
    }
    second = click(app, ids.PICK, value, message_ts="1700000031.000001")
    assert "Already done" in answer(app, second).text
    deal = run(app, f"remove series a deal {seed.ACME_DEAL_ID}")
    assert "Remove deal 30001 from the list “Series A Pipeline” (id 201)?" in deal.text
    assert "Taking a deal off its list deletes the deal" in deal.text
    assert seed.ACME_DEAL_ID in sandbox.state.opportunities


def test_each_role_gets_what_its_key_may_do(app, sandbox):
    connect(app, BOB, seed.STANDARD_KEY, sandbox=sandbox)
    mine = run(app, "deals series a owner=me", user_id=BOB)
    assert "Owners include me" in mine.text
    private = run(app, f"deals {seed.PRIVATE_LIST_ID} stage=IC", user_id=BOB)
    assert "403" in private.text
    connect(app, DAVE, seed.RESTRICTED_KEY, sandbox=sandbox)
    restricted = run(app, "deals series a stage=Diligence", user_id=DAVE)  # through V1
    in_diligence = sum(1 for s in series_a_stages(sandbox).values() if s == "Diligence")
    assert f"{in_diligence} deal" in restricted.text and "Status = Diligence" in restricted.text
    assert "owners Daniel Okafor, Sofia Alvarez" in restricted.text  # Acme's, named through V1
    assert "Export data from Lists" not in restricted.text
    write = run(app, f"stage {seed.ACME_DEAL_ID} IC", user_id=DAVE)  # through V1 field values
    assert "Status:* Diligence → IC" in write.text
    assert stage_of(sandbox, seed.ACME_DEAL_ID) == "IC"
    patches = [r for r in sandbox.state.requests if r["method"] == "PATCH"]
    assert len(patches) <= 1 and all(r["status"] == 403 for r in patches)  # refused: unwritten


def test_today_in_a_filter_or_a_value_is_the_users_day(app, sandbox):
    """A user at UTC+14 (often a day ahead of Pacific time): "today" is theirs."""
    from datetime import datetime, timedelta
    from zoneinfo import ZoneInfo

    from tests.client.test_pipeline_tools import reviewed_on

    zone = "Pacific/Kiritimati"
    app.fake.set_user(ALICE, tz=zone)
    connect(app, ALICE, sandbox=sandbox)
    theirs = datetime.now(ZoneInfo(zone)).date()
    wanted = reviewed_on(sandbox, theirs)
    reply = run(app, 'deals series a "Last Reviewed=today"')
    assert f"{len(wanted)} deal" in reply.text and "Last Reviewed = today" in reply.text
    assert {int(i) for i in re.findall(r"\(id (\d+)\)", reply.text)} == wanted
    written = run(app, f'set {seed.ACME_DEAL_ID} "Last Reviewed" tomorrow')
    assert f"→ {(theirs + timedelta(days=1)).isoformat()}" in written.text
    assert seed.ACME_DEAL_ID in reviewed_on(sandbox, theirs + timedelta(days=1))


def test_a_list_picked_from_suggestions_is_asked_about_before_anything_is_removed(app, sandbox):
    """`remove` on a list of the wrong kind offers the lists of the right kind: picking one names
    the removal for the first time, so it is asked about like a typed command."""
    connect(app, ALICE, sandbox=sandbox)
    wrong = run(app, f'remove "Founders to Watch" deal {seed.ACME_DEAL_ID}')
    assert "is a list of people" in wrong.text
    pick = button(wrong, ids.PICK, f"remove {SERIES_A} deal")["value"]
    picked = click(app, ids.PICK, pick, message_ts="1700000040.000001")
    ask = answer(app, picked)
    assert "Remove deal 30001 from the list “Series A Pipeline” (id 201)?" in ask.text
    assert "Taking a deal off its list deletes the deal" in ask.text
    assert seed.ACME_DEAL_ID in sandbox.state.opportunities
    assert sandbox.state.request_count("DELETE") == 0
    sure = click(app, ids.PICK, button(ask, ids.PICK)["value"], message_ts="1700000041.000001")
    assert "Removed" in answer(app, sure, index=1).text
    assert seed.ACME_DEAL_ID not in sandbox.state.opportunities
