"""`/affinity remind` and `/affinity remove` with a person, organization or deal typed by name,
end to end against the sandbox: one exact match runs (a removal still asks for a click first),
a near match or several give choices as buttons, none is a clear answer; nothing is written
before the user's intent is certain."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from affinity_client.sandbox import seed
from bot.blocks import actions as ids
from tests.bot.test_commands_support import ALICE, answer, button, click, connect, make_app, run

DAVE = "U0DAVE004"  # the restricted key (no export permissions)
FOUNDERS = seed.LISTS["Founders to Watch"]
SERIES_A = seed.LISTS["Series A Pipeline"]


@pytest.fixture
def app(slack_app_factory):
    return make_app(slack_app_factory)


def reminders_about(sandbox, content: str) -> list[dict]:
    return [r for r in sandbox.state.world.reminders.values() if r["content"] == content]


def on_founders(sandbox) -> set[int]:
    entries = sandbox.state.list_entries.values()
    return {e["entity_id"] for e in entries if e["list_id"] == FOUNDERS}


def samirs(sandbox) -> set[int]:
    return {p["id"] for p in sandbox.state.world.persons.values() if p["first_name"] == "Samir"}


@pytest.mark.parametrize("user", [ALICE, DAVE])
def test_remind_a_person_by_full_name_sets_it_at_once(app, sandbox, user):
    connect(app, user, seed.ADMIN_KEY if user == ALICE else seed.RESTRICTED_KEY, sandbox=sandbox)
    reply = run(app, "remind person Jane Smith tomorrow Ask about the round", user_id=user)
    assert "Reminder saved" in reply.text
    [made] = reminders_about(sandbox, "Ask about the round")
    assert made["entity_type"] == "person" and made["entity_id"] == seed.JANE_ID
    tomorrow = datetime.now(UTC).date() + timedelta(days=1)
    assert made["due_date"] == seed.date_field(datetime.combine(tomorrow, datetime.min.time()))


def test_remind_with_a_name_several_people_share_offers_them_and_runs_the_one_chosen(app, sandbox):
    connect(app, ALICE, sandbox=sandbox)
    ask = run(app, "remind person samir friday Send the deck")
    assert "Several people match “samir”. Which one?" in ask.text
    assert "These are the first 10: type more of the name" in ask.text  # 13 Samirs
    assert not reminders_about(sandbox, "Send the deck")  # nothing written before the choice
    value = button(ask, ids.PICK)["value"]
    first = click(app, ids.PICK, value, message_ts="1700000040.000001")
    assert "Reminder saved" in answer(app, first, index=1).text
    [made] = reminders_about(sandbox, "Send the deck")
    assert made["entity_id"] in samirs(sandbox)
    again = click(app, ids.PICK, value, message_ts="1700000041.000001")
    assert "Already done" in answer(app, again).text
    assert len(reminders_about(sandbox, "Send the deck")) == 1


def test_remind_a_deal_or_org_by_name_asks_on_a_near_match_and_answers_none(app, sandbox):
    connect(app, ALICE, sandbox=sandbox)
    near = run(app, "remind deal acme today Call the CEO")
    assert f"Did you mean the deal *Acme {seed.DASH} Series A*?" in near.text
    assert "Series A Pipeline" in near.text  # the deal's list
    assert not reminders_about(sandbox, "Call the CEO")
    exact = run(app, f'remind deal "Acme {seed.DASH} Series A" today Call the CEO')
    assert "Reminder saved" in exact.text
    [made] = reminders_about(sandbox, "Call the CEO")
    assert made["entity_type"] == "opportunity" and made["entity_id"] == seed.ACME_DEAL_ID
    before = repr(sandbox.state.world.reminders)
    none = run(app, "remind org Zzyzx Holdings monday Say hello")
    assert "No organization in your Affinity is named like “Zzyzx Holdings”" in none.text
    no_day = run(app, "remind person Jane Smith Say hello")
    assert "No day in “Jane Smith Say hello”" in no_day.text and "Usage:" in no_day.text
    assert repr(sandbox.state.world.reminders) == before


def test_remove_a_person_by_name_names_them_and_asks_for_a_click(app, sandbox):
    connect(app, ALICE, sandbox=sandbox)
    assert seed.JANE_ID in on_founders(sandbox)
    ask = run(app, "remove Founders to Watch person Jane Smith")
    assert (
        f"Remove person Jane Smith (id {seed.JANE_ID}) from the list “Founders to Watch” "
        f"(id {FOUNDERS})?" in ask.text
    )
    assert sandbox.state.request_count("DELETE") == 0 and seed.JANE_ID in on_founders(sandbox)
    first = click(app, ids.PICK, button(ask, ids.PICK)["value"], message_ts="1700000050.000001")
    assert "Removed" in answer(app, first, index=1).text
    assert seed.JANE_ID not in on_founders(sandbox)


def test_remove_with_a_shared_name_offers_the_people_and_removes_only_the_one_chosen(app, sandbox):
    connect(app, ALICE, sandbox=sandbox)
    listed = samirs(sandbox) & on_founders(sandbox)
    ask = run(app, '"remove" "Founders to Watch" person Samir')
    assert "Several people match “Samir”. Which one should be taken off the list" in ask.text
    assert sandbox.state.request_count("DELETE") == 0
    chosen = next(
        b["value"] for b in _picks(ask) if any(f"person {i}" in b["value"] for i in listed)
    )
    first = click(app, ids.PICK, chosen, message_ts="1700000060.000001")
    assert "Removed" in answer(app, first, index=1).text
    assert len(samirs(sandbox) & on_founders(sandbox)) == len(listed) - 1
    assert sandbox.state.request_count("DELETE") == 1


def test_remove_a_deal_by_name_looks_only_at_that_list(app, sandbox):
    connect(app, ALICE, sandbox=sandbox)
    ask = run(app, "remove series a deal acme")
    assert (
        f"Remove deal Acme {seed.DASH} Series A (id {seed.ACME_DEAL_ID}) from the list "
        f"“Series A Pipeline” (id {SERIES_A})? Taking a deal off its list deletes the deal"
    ) in ask.text
    elsewhere = run(app, "remove seed pipeline deal acme")
    assert "No deal on the list “Seed Pipeline” is named like “acme”" in elsewhere.text
    assert sandbox.state.request_count("DELETE") == 0
    assert seed.ACME_DEAL_ID in sandbox.state.opportunities


def _picks(call) -> list[dict]:
    from tests.bot.test_commands_support import all_buttons

    return [b for b in all_buttons(call) if str(b.get("action_id", "")).startswith(ids.PICK)]


def notes_saying(sandbox, text: str) -> list[dict]:
    return [n for n in sandbox.state.notes.values() if text in n["content"]]


def test_a_note_on_an_organization_by_name_is_logged_at_once_on_an_exact_match(app, sandbox):
    connect(app, ALICE, sandbox=sandbox)
    reply = run(app, "note org acme Intro call went well")
    assert "Note saved" in reply.text
    [made] = notes_saying(sandbox, "Intro call went well")
    assert made["organization_ids"] == [seed.ACME_ORG_ID]


def test_a_note_on_a_near_or_shared_name_shows_its_text_and_waits_for_the_choice(app, sandbox):
    connect(app, ALICE, sandbox=sandbox)
    ask = run(app, "note person samir Sent the v7 deck")
    assert "Several people match “samir”" in ask.text
    assert "The note to log: “Sent the v7 deck”" in ask.text  # a wrong split would show here
    assert not notes_saying(sandbox, "Sent the v7 deck")
    value = button(ask, ids.PICK)["value"]
    chosen = click(app, ids.PICK, value, message_ts="1700000050.000001")
    assert "Note saved" in answer(app, chosen, index=1).text
    [made] = notes_saying(sandbox, "Sent the v7 deck")
    assert made["person_ids"][0] in samirs(sandbox)


def test_a_long_note_on_a_shared_name_still_offers_a_button_for_each_person(app, sandbox):
    """A note near Slack's 2,000-character button limit: each choice's command is kept by the
    app and named in its button, so every person can still be picked, and the note is whole."""
    connect(app, ALICE, sandbox=sandbox)
    text = "Long call recap " + "with many details " * 108
    ask = run(app, f"note person samir {text}")
    offered = [b for b in ask.params["blocks"] if "Samir" in str(b.get("text"))]
    picks = [b["accessory"] for b in offered if b.get("accessory", {}).get("action_id") == ids.PICK]
    assert len(picks) == len(offered) > 1  # every person offered can be picked
    assert all(len(b["value"]) <= 2000 for b in picks)
    chosen = click(app, ids.PICK, picks[0]["value"], message_ts="1700000051.000001")
    assert "Note saved" in answer(app, chosen, index=1).text
    [made] = notes_saying(sandbox, text.strip())
    assert made["person_ids"][0] in samirs(sandbox)
    again = click(app, ids.PICK, picks[1]["value"], message_ts="1700000051.000001")
    assert "Note saved" not in answer(app, again).text  # the card wrote once
    assert len(notes_saying(sandbox, text.strip())) == 1


def test_notes_of_a_person_by_name_are_read_at_once(app, sandbox):
    connect(app, ALICE, sandbox=sandbox)
    by_name = run(app, "notes person jane smith")
    by_id = run(app, f"notes person {seed.JANE_ID}")
    assert "Met Jane at the Acme office" in by_name.text and "Several" not in by_name.text
    assert by_name.text == by_id.text
    none = run(app, "notes org Zzyzx Holdings")
    assert "No organization in your Affinity is named like “Zzyzx Holdings”" in none.text
