"""The note edit, reminder and meeting tools against the sandbox, for admin, standard and
restricted users: answers, request counts, and bad input that writes nothing."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from affinity_client import (
    NotFoundError,
    PermissionDeniedError,
    ToolInputError,
    run_tool,
)
from affinity_client.sandbox import seed

from .sandbox_helpers import clear_log, client_for, count, request_log

KEYS = {
    "admin": seed.ADMIN_KEY,
    "standard": seed.STANDARD_KEY,
    "restricted": seed.RESTRICTED_KEY,
}
USER_IDS = {"admin": seed.ADMIN_ID, "standard": seed.STANDARD_ID, "restricted": seed.RESTRICTED_ID}


@pytest.fixture(params=sorted(KEYS))
def role(request, sandbox):
    with client_for(sandbox, KEYS[request.param]) as client:
        yield request.param, client


@pytest.fixture
def admin(sandbox):
    with client_for(sandbox, seed.ADMIN_KEY) as client:
        yield client


def _today(offset: int = 0) -> str:
    """A day counted from today in Pacific time, where Affinity (and the seed) keeps dates."""
    return (datetime.now(seed.PACIFIC).date() + timedelta(days=offset)).isoformat()


# ---- notes -----------------------------------------------------------------------------------


def test_note_lifecycle_for_every_role(sandbox, role):
    name, client = role
    clear_log(sandbox)
    created = run_tool(
        client,
        "affinity_create_note",
        {"content": "Call <recap> & next steps\nSend deck", "person_ids": [seed.JANE_ID]},
    )
    log = request_log(sandbox)
    assert [(r["method"], r["path"]) for r in log] == [("POST", "/v2/notes")]  # one request
    stored = sandbox.state.notes[created["id"]]
    assert stored["content"] == "<p>Call &lt;recap&gt; &amp; next steps</p><p>Send deck</p>"
    assert created["content"] == "Call <recap> & next steps\nSend deck"
    assert created["creator"]["id"] == USER_IDS[name] and created["creator"]["name"]

    updated = run_tool(
        client,
        "affinity_update_note",
        {"note_id": created["id"], "content": "Revised", "organization_ids": [seed.ACME_ORG_ID]},
    )
    assert updated["content"] == "Revised" and updated["organization_ids"] == [seed.ACME_ORG_ID]
    assert updated["person_ids"] == [seed.JANE_ID]
    assert updated["previous"]["content"].startswith("Call <recap>")
    assert updated["previous"]["organization_ids"] == []
    assert stored["content"] == "<p>Revised</p>" and stored["organization_ids"] == [5001]

    deleted = run_tool(client, "affinity_delete_note", {"note_id": created["id"]})
    assert deleted["deleted"] and deleted["note"]["content"] == "Revised"
    assert created["id"] not in sandbox.state.notes


def test_note_html_outside_the_allow_list_sends_nothing(sandbox, admin):
    clear_log(sandbox)
    with pytest.raises(ToolInputError) as info:
        run_tool(
            admin,
            "affinity_create_note",
            {"content": '<p>See <img src="x.png"></p>', "person_ids": [seed.JANE_ID]},
        )
    assert info.value.field == "content" and "<img>" in str(info.value)
    assert request_log(sandbox) == []
    kept = run_tool(
        admin,
        "affinity_create_note",
        {"content": '<p style="color:red"><b>Bold</b> move</p>', "person_ids": [seed.JANE_ID]},
    )
    assert sandbox.state.notes[kept["id"]]["content"] == "<p><strong>Bold</strong> move</p>"


def test_note_edits_refused(sandbox, admin):
    with client_for(sandbox, seed.STANDARD_KEY) as standard:
        theirs = run_tool(standard, "affinity_create_note", {"content": "x", "person_ids": [2001]})
    before = repr(sandbox.state.notes)
    with pytest.raises(PermissionDeniedError):
        run_tool(admin, "affinity_update_note", {"note_id": theirs["id"], "content": "mine now"})
    with pytest.raises(PermissionDeniedError):
        run_tool(admin, "affinity_delete_note", {"note_id": theirs["id"]})
    with pytest.raises(NotFoundError):
        run_tool(admin, "affinity_update_note", {"note_id": 99999999, "content": "x"})
    with pytest.raises(NotFoundError):
        run_tool(admin, "affinity_delete_note", {"note_id": 99999999})
    with pytest.raises(ToolInputError):  # nothing to change
        run_tool(admin, "affinity_update_note", {"note_id": theirs["id"]})
    assert repr(sandbox.state.notes) == before


# ---- reminders -------------------------------------------------------------------------------


def test_my_reminders_due_today_and_overdue(sandbox, role):
    name, client = role
    mine = run_tool(client, "affinity_list_reminders", {})
    rows = mine["reminders"]
    assert rows and all(r["owner"]["id"] == USER_IDS[name] for r in rows)
    assert all(r["owner"]["name"] for r in rows)
    dues = [r["due_date"] for r in rows]
    assert dues == sorted(dues) and _today() in dues and _today(1) in dues
    assert all(r["entity"] and r["entity"]["name"] for r in rows)
    open_ones = run_tool(client, "affinity_list_reminders", {"status": "open"})["reminders"]
    assert {r["status"] for r in open_ones} == {"active", "overdue"}
    assert len(open_ones) == len([r for r in rows if r["status"] != "completed"])
    overdue = run_tool(client, "affinity_list_reminders", {"status": "overdue"})["reminders"]
    assert overdue and all(r["status"] == "overdue" for r in overdue)
    today = run_tool(
        client, "affinity_list_reminders", {"due_from": _today(), "due_until": _today()}
    )["reminders"]
    assert today and {r["due_date"] for r in today} == {_today()}


def test_create_and_complete_a_reminder(sandbox, role):
    name, client = role
    created = run_tool(
        client,
        "affinity_create_reminder",
        {
            "organization_id": seed.ACME_ORG_ID,
            "content": "Chase the data room",
            "due_date": _today(3),
        },
    )
    assert created["due_date"] == _today(3) and created["status"] == "active"
    assert created["entity"] == {"type": "organization", "id": seed.ACME_ORG_ID, "name": "Acme"}
    assert created["owner"]["id"] == USER_IDS[name]
    clear_log(sandbox)
    done = run_tool(client, "affinity_complete_reminder", {"reminder_id": created["id"]})
    assert done["status"] == "completed" and done["completed_at"]
    assert done["entity"]["name"] == "Acme"
    assert count(request_log(sandbox), "PUT", "/reminders/") == len(request_log(sandbox)) == 1
    on_acme = run_tool(
        client, "affinity_list_reminders", {"organization_id": seed.ACME_ORG_ID, "mine": False}
    )["reminders"]
    assert any(r["id"] == created["id"] and r["status"] == "completed" for r in on_acme)


def test_recurring_reminder_moves_on_when_completed(sandbox, admin):
    created = run_tool(
        admin,
        "affinity_create_reminder",
        {"person_id": seed.JANE_ID, "content": "Catch up", "repeat_every_days": 30},
    )
    assert created["type"] == "recurring" and created["due_date"] == _today(30)
    assert created["recurrence"] == {"period_days": 30, "reset_trigger": "interaction"}
    done = run_tool(admin, "affinity_complete_reminder", {"reminder_id": created["id"]})
    assert done["status"] == "active" and done["due_date"] == _today(30)


def test_bad_reminder_input_writes_nothing(sandbox, admin):
    before = repr(sandbox.state.world.reminders)
    bad = [
        ({"content": "x", "due_date": _today(1)}, ToolInputError),  # no entity
        (
            {"person_id": 2001, "organization_id": 5001, "content": "x", "due_date": _today()},
            ToolInputError,
        ),
        ({"person_id": 2001, "content": "x", "due_date": "2026-02-30"}, ToolInputError),
        ({"person_id": 2001, "content": "x", "due_date": "tomorrow"}, ToolInputError),
        ({"person_id": 2001, "content": "x"}, ToolInputError),  # one-time without a date
        ({"person_id": 99999999, "content": "x", "due_date": _today(1)}, NotFoundError),
        ({"opportunity_id": 99999999, "content": "x", "due_date": _today(1)}, NotFoundError),
    ]
    for tool_input, error in bad:
        with pytest.raises(error):
            run_tool(admin, "affinity_create_reminder", tool_input)
    with pytest.raises(NotFoundError):
        run_tool(admin, "affinity_complete_reminder", {"reminder_id": 1})
    with pytest.raises(NotFoundError):
        run_tool(admin, "affinity_list_reminders", {"person_id": 99999999})
    with pytest.raises(ToolInputError):
        run_tool(admin, "affinity_list_reminders", {"due_from": _today(2), "due_until": _today()})
    assert repr(sandbox.state.world.reminders) == before


def test_someone_elses_reminder_cannot_be_completed(sandbox, admin):
    theirs = next(
        r for r in sandbox.state.world.reminders.values() if r["owner_id"] == seed.STANDARD_ID
    )
    with pytest.raises(PermissionDeniedError):
        run_tool(admin, "affinity_complete_reminder", {"reminder_id": theirs["id"]})
    assert theirs["completed_at"] is None or theirs["completer_id"] != seed.ADMIN_ID


# ---- meetings --------------------------------------------------------------------------------


def test_my_meetings_today_tomorrow_next_week(sandbox, role):
    name, client = role
    week = run_tool(client, "affinity_list_meetings", {"from_date": _today(), "to_date": _today(7)})
    days = {m["start_time"][:10] for m in week["meetings"]}
    assert {_today(), _today(1), _today(6)} <= days and _today(-1) not in days
    assert all(any(a["id"] == USER_IDS[name] for a in m["attendees"]) for m in week["meetings"])
    assert not week["truncated"]
    default = run_tool(client, "affinity_list_meetings", {})
    starts = [m["start_time"] for m in default["meetings"]]
    assert starts == sorted(starts) and any(s[:10] < _today() for s in starts)


def test_meetings_of_a_person_an_organization_and_a_deal(sandbox, admin):
    meeting = next(
        m for m in sandbox.state.world.meetings.values() if m["person_ids"] and not m["private"]
    )
    person = meeting["person_ids"][0]
    day = meeting["start_time"].date().isoformat()
    found = run_tool(
        admin, "affinity_list_meetings", {"person_id": person, "from_date": day, "to_date": day}
    )
    assert meeting["id"] in [m["id"] for m in found["meetings"]]
    org = sandbox.state.world.persons[person]["organization_ids"][0]
    by_org = run_tool(
        admin, "affinity_list_meetings", {"organization_id": org, "from_date": day, "to_date": day}
    )
    assert meeting["id"] in [m["id"] for m in by_org["meetings"]]
    deal = next(
        o
        for o in sandbox.state.opportunities.values()
        if person in o["person_ids"] and o["list_id"] != seed.PRIVATE_LIST_ID
    )
    by_deal = run_tool(
        admin,
        "affinity_list_meetings",
        {"opportunity_id": deal["id"], "from_date": day, "to_date": day},
    )
    assert meeting["id"] in [m["id"] for m in by_deal["meetings"]]


def test_bad_meeting_input(sandbox, admin):
    clear_log(sandbox)
    for tool_input in (
        {"from_date": "2026-13-01"},
        {"from_date": _today(3), "to_date": _today()},
        {"from_date": "2024-01-01", "to_date": "2026-01-01"},
        {"person_id": 2001, "organization_id": 5001},
        {"time_zone": "Mars/Olympus"},
    ):
        with pytest.raises(ToolInputError):
            run_tool(admin, "affinity_list_meetings", tool_input)
    assert request_log(sandbox) == []
    with pytest.raises(NotFoundError):
        run_tool(admin, "affinity_list_meetings", {"person_id": 99999999})
    with pytest.raises(NotFoundError):
        run_tool(admin, "affinity_list_meetings", {"opportunity_id": 99999999})


def test_meeting_days_in_the_users_time_zone(sandbox, admin):
    late = run_tool(admin, "affinity_list_meetings", {"time_zone": "America/Los_Angeles"})
    assert late["time_zone"] == "America/Los_Angeles"
    utc = run_tool(admin, "affinity_list_meetings", {})
    assert utc["time_zone"] == "UTC"
    day = _today(1)
    tomorrow_la = run_tool(
        admin,
        "affinity_list_meetings",
        {"from_date": day, "to_date": day, "time_zone": "America/Los_Angeles"},
    )
    # a Los Angeles day runs from its midnight (08:00 or 07:00 UTC) to the next
    zone = ZoneInfo("America/Los_Angeles")
    first = datetime.combine(date.fromisoformat(day), time(), zone).astimezone(UTC)
    after = first + timedelta(days=1)
    assert tomorrow_la["meetings"]
    assert all(
        first <= datetime.fromisoformat(m["start_time"].replace("Z", "+00:00")) < after
        for m in tomorrow_la["meetings"]
    )
