"""`/affinity remind`, `reminders`, `meetings`, `note-edit` and `note-delete` end to end: signed
slash commands to the real app with the sandbox behind it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from affinity_client.sandbox import seed
from bot.blocks import actions as ids
from bot.grammar import parse
from bot.grammar.grammar import due_day
from tests.bot.test_commands_support import (
    ALICE,
    BOB,
    all_buttons,
    answer,
    button,
    click,
    connect,
    make_app,
    run,
)


@pytest.fixture
def app(slack_app_factory):
    return make_app(slack_app_factory)


def _today(offset: int = 0) -> str:
    return (datetime.now(UTC).date() + timedelta(days=offset)).isoformat()


def test_due_day_words():
    monday = datetime(2026, 11, 30).date()
    assert due_day("today", monday) == monday
    assert due_day("tomorrow", monday).isoformat() == "2026-12-01"
    assert due_day("monday", monday).isoformat() == "2026-12-07"  # the next one, not today
    assert due_day("friday", monday).isoformat() == "2026-12-04"
    assert due_day("+3", monday).isoformat() == "2026-12-03"
    assert due_day("2027-01-15", monday).isoformat() == "2027-01-15"
    for bad in ("soon", "2026-02-30", "+", "next"):
        with pytest.raises(ValueError):
            due_day(bad, monday)


def test_remind_sets_a_reminder_and_reminders_shows_it(app, sandbox):
    connect(app, ALICE, sandbox=sandbox)
    before = len(sandbox.state.world.reminders)
    reply = run(app, f"remind deal {seed.ACME_DEAL_ID} tomorrow Send the term sheet")
    assert reply.params["response_type"] == "ephemeral"
    assert "Reminder saved" in reply.text and "Send the term sheet" in reply.text
    [made] = [
        r for r in sandbox.state.world.reminders.values() if r["content"] == "Send the term sheet"
    ]
    assert len(sandbox.state.world.reminders) == before + 1
    assert made["entity_type"] == "opportunity" and made["entity_id"] == seed.ACME_DEAL_ID
    assert made["due_date"] == seed.date_field(datetime.fromisoformat(_today(1)))
    listed = run(app, "reminders")
    assert "Send the term sheet" in listed.text and "overdue" in listed.text
    assert f"#{made['id']}" in listed.text


def test_remind_with_a_bad_day_or_unknown_record_writes_nothing(app, sandbox):
    connect(app, ALICE, sandbox=sandbox)
    before = repr(sandbox.state.world.reminders)
    usage = run(app, "remind org 5001 someday Call them")
    assert "is not a day" in usage.text and "Usage:" in usage.text
    missing = run(app, "remind person 99999999 tomorrow Call")
    assert "not found" in missing.text.lower() or "no " in missing.text.lower()
    assert repr(sandbox.state.world.reminders) == before


def test_meetings_today_tomorrow_and_week(app, sandbox):
    app.fake.set_user(BOB, tz="America/Los_Angeles")  # the seed's day is the Pacific one
    connect(app, BOB, seed.STANDARD_KEY, sandbox=sandbox)
    mine = [
        m for m in sandbox.state.world.meetings.values() if seed.STANDARD_ID in m["internal_ids"]
    ]
    seeds_day = datetime.now(seed.PACIFIC).date()
    today = run(app, "meetings today", BOB)
    todays = [m for m in mine if m["start_time"].date() == seeds_day]
    assert todays and all(m["title"] in today.text for m in todays)
    day = seeds_day
    # The day is in the notification text and under the header, and not again above the rows.
    assert today.text.count(f"{day:%a} {day.day} {day:%b %Y}") == 2
    tomorrow = run(app, "meetings tomorrow", BOB)
    assert all(m["title"] not in tomorrow.text for m in todays)
    week = run(app, "meetings", BOB)
    later = [m for m in mine if m["start_time"].date() == seeds_day + timedelta(days=6)]
    assert later and all(m["title"] in week.text for m in later)
    assert parse("meetings yesterday").reason.startswith("`yesterday` is not a valid range")


def test_note_edit_shows_before_and_after(app, sandbox):
    connect(app, ALICE, sandbox=sandbox)
    note = run(app, f"note person {seed.JANE_ID} First draft of the call notes")
    note_id = max(sandbox.state.notes)
    assert "Note saved" in note.text
    edited = run(app, f"note-edit {note_id} Final call notes")
    assert "Note updated" in edited.text
    assert "First draft" in edited.text and "Final call notes" in edited.text
    assert sandbox.state.notes[note_id]["content"] == "<p>Final call notes</p>"


def test_note_delete_asks_for_a_click_first(app, sandbox):
    connect(app, ALICE, sandbox=sandbox)
    run(app, f"note person {seed.JANE_ID} Delete me")
    note_id = max(sandbox.state.notes)
    ask = run(app, f"note-delete {note_id}")
    assert "cannot be undone" in ask.text and note_id in sandbox.state.notes
    assert "Maya Patel" in ask.text and "“Delete me”" in ask.text  # what would go
    assert button(ask, ids.PICK)["text"]["text"] == "Delete"  # the answer, not "Choose"
    sent = click(app, ids.PICK, button(ask, ids.PICK)["value"])
    done = answer(app, sent, index=1)
    assert "deleted" in done.text and note_id not in sandbox.state.notes


def test_deleting_a_note_that_does_not_exist_says_so_without_asking(app, sandbox):
    connect(app, ALICE, sandbox=sandbox)
    missing = run(app, "note-delete 999999")
    assert "not found" in missing.text.lower() and "999999" in missing.text
    assert not all_buttons(missing)


def test_someone_elses_note_cannot_be_deleted(app, sandbox):
    connect(app, BOB, seed.STANDARD_KEY, sandbox=sandbox)
    theirs = next(n for n in sandbox.state.notes.values() if n["creator_id"] == seed.ADMIN_ID)
    ask = run(app, f"note-delete {theirs['id']}", BOB)
    sent = click(app, ids.PICK, button(ask, ids.PICK)["value"], BOB)
    refused = answer(app, sent, index=1)
    assert "creator" in refused.text and theirs["id"] in sandbox.state.notes


def test_done_completes_a_reminder_from_the_list(app, sandbox):
    connect(app, ALICE, sandbox=sandbox)
    listed = run(app, "reminders")
    first = next(
        r
        for r in sorted(sandbox.state.world.reminders.values(), key=lambda r: r["due_date"])
        if r["owner_id"] == seed.ADMIN_ID and r["completed_at"] is None and not r["recurrence"]
    )
    assert f"#{first['id']}" in listed.text and "/affinity done" in listed.text
    done = run(app, f"done {first['id']}")
    assert "Reminder completed" in done.text and first["completed_at"] is not None
    theirs = next(
        r for r in sandbox.state.world.reminders.values() if r["owner_id"] == seed.STANDARD_ID
    )
    refused = run(app, f"done {theirs['id']}")
    assert "only a reminder's owner or its creator" in refused.text  # not "ask an admin"
    assert "Affinity admin" not in refused.text
    assert theirs["completer_id"] is None or theirs["completer_id"] != seed.ADMIN_ID


def test_days_are_the_users_days(app, sandbox):
    zone = "Pacific/Kiritimati"  # UTC+14: its today is often UTC's tomorrow
    app.fake.set_user(ALICE, tz=zone)
    connect(app, ALICE, sandbox=sandbox)
    theirs = datetime.now(ZoneInfo(zone)).date()
    run(app, f"remind org {seed.ACME_ORG_ID} tomorrow Ping the founders")
    [made] = [
        r for r in sandbox.state.world.reminders.values() if r["content"] == "Ping the founders"
    ]
    assert made["due_date"] == seed.date_field(theirs + timedelta(days=1))
    today = run(app, "meetings today")
    assert f"{theirs:%a} {theirs.day} {theirs:%b %Y}" in today.text
    log = sandbox.state.requests
    start = datetime.combine(theirs, datetime.min.time(), ZoneInfo(zone)).astimezone(UTC)
    assert any(
        f"{start:%Y-%m-%dT%H:%M:%S}" in r["query"].replace("%3A", ":")
        for r in log
        if r["path"] == "/v2/meetings"
    )
