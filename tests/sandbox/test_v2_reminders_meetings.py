"""V2 reminders and meetings (2026-07-15) and V1's reminder completion, over the seeded
calendar (due today, tomorrow, overdue; meetings past, today, tomorrow, next week). Every V2
answer is validated against the 2026-07-15 spec, status included."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from affinity_client.sandbox import seed
from tests.sandbox.helpers import v1, v2
from tests.sandbox.spec import SPEC_2026, validate_v2

REMINDERS = "/v2/reminders"
REMINDER = "/v2/reminders/{reminderId}"
MEETINGS = "/v2/meetings"
MEETING = "/v2/meetings/{meetingId}"


def _get(client, path, template, **params):
    response = client.get(path, params=params)
    validate_v2("GET", template, response, SPEC_2026)
    return response


def _pacific_day(offset: int) -> str:
    day = datetime.now(seed.PACIFIC).date() + timedelta(days=offset)
    return seed.date_field(day).strftime("%Y-%m-%dT%H:%M:%SZ")


def test_seeded_reminders_of_each_user(sandbox, admin_key):
    client = v2(sandbox, admin_key)
    for uid in (seed.ADMIN_ID, seed.STANDARD_ID, seed.RESTRICTED_ID):
        page = _get(client, REMINDERS, REMINDERS, filter=f"owner.id={uid}", totalCount="true")
        data = page.json()["data"]
        assert page.json()["pagination"]["totalCount"] == len(data) == 8
        dues = [r["dueDate"] for r in data]
        assert dues == sorted(dues)  # soonest first
        assert _pacific_day(0) in dues and _pacific_day(1) in dues
        assert {r["status"] for r in data} == {"overdue", "active", "completed"}
        assert any(r["type"] == "recurring" for r in data)


def test_reminder_filters(sandbox, admin_key):
    client = v2(sandbox, admin_key)
    overdue = _get(
        client, REMINDERS, REMINDERS, filter=f"status=overdue&owner.id={seed.ADMIN_ID}"
    ).json()["data"]
    assert overdue and all(r["status"] == "overdue" for r in overdue)
    either = _get(
        client, REMINDERS, REMINDERS, filter=f"owner.id={seed.ADMIN_ID}|owner.id={seed.STANDARD_ID}"
    ).json()["data"]
    assert {r["owner"]["id"] for r in either} == {seed.ADMIN_ID, seed.STANDARD_ID}
    window = _get(
        client, REMINDERS, REMINDERS, filter=f"dueDate>={_pacific_day(0)}&dueDate<{_pacific_day(2)}"
    ).json()["data"]
    assert window and {r["dueDate"] for r in window} <= {_pacific_day(0), _pacific_day(1)}
    open_ones = _get(
        client,
        REMINDERS,
        REMINDERS,
        filter=f"(status=active|status=overdue)&owner.id={seed.ADMIN_ID}",
    ).json()["data"]
    assert {r["status"] for r in open_ones} == {"active", "overdue"}
    others = _get(client, REMINDERS, REMINDERS, filter=f"owner.id!={seed.ADMIN_ID}").json()["data"]
    assert others and seed.ADMIN_ID not in {r["owner"]["id"] for r in others}
    for bad in ("owner.id>3", "colour=red", "dueDate>=soon", "status=overdue&&", "status=late"):
        refused = _get(client, REMINDERS, REMINDERS, filter=bad)
        assert refused.status_code == 400 and refused.json()["errors"][0]["param"] == "filter"


def _create(client, body):
    response = client.post(REMINDERS, json=body)
    validate_v2("POST", REMINDERS, response, SPEC_2026)
    return response


def test_create_one_time_at_midnight_pacific(sandbox, standard_key):
    client = v2(sandbox, standard_key)
    created = _create(
        client,
        {
            "type": "one-time",
            "owner": {"id": seed.STANDARD_ID},
            "entity": {"type": "company", "id": seed.ACME_ORG_ID},
            "dueDate": "2026-12-03T15:30:00Z",
            "content": "Chase the data room",
        },
    )
    assert created.status_code == 201
    body = created.json()
    assert body["dueDate"] == "2026-12-03T08:00:00Z"  # midnight Pacific (PST) on that date
    assert body["company"] == {"id": seed.ACME_ORG_ID} and body["person"] is None
    assert body["creator"] == {"id": seed.STANDARD_ID} and body["status"] == "active"
    got = _get(client, f"{REMINDERS}/{body['id']}", REMINDER)
    assert got.json() == body


def test_create_recurring_without_due_date(sandbox, admin_key):
    created = _create(
        v2(sandbox, admin_key),
        {
            "type": "recurring",
            "owner": {"id": seed.ADMIN_ID},
            "entity": {"type": "person", "id": seed.JANE_ID},
            "recurrence": {"resetTrigger": "email", "periodDays": 14},
        },
    )
    assert created.status_code == 201
    assert created.json()["dueDate"] == _pacific_day(14)
    assert created.json()["recurrence"] == {"resetTrigger": "email", "periodDays": 14}


def test_bad_reminders_write_nothing(sandbox, admin_key, standard_key):
    client = v2(sandbox, admin_key)
    before = len(sandbox.state.world.reminders)
    ok = {
        "type": "one-time",
        "owner": {"id": seed.ADMIN_ID},
        "entity": {"type": "person", "id": seed.JANE_ID},
        "dueDate": "2026-12-03T00:00:00Z",
    }
    hidden = next(
        o for o in sandbox.state.opportunities.values() if o["list_id"] == seed.PRIVATE_LIST_ID
    )
    cases = [
        ({**ok, "type": "weekly"}, 400),
        ({k: v for k, v in ok.items() if k != "dueDate"}, 400),
        ({**ok, "dueDate": "next week"}, 400),
        ({**ok, "entity": {"type": "list", "id": 1}}, 400),
        ({**ok, "entity": {"type": "person", "id": seed.STANDARD_ID}}, 400),  # internal
        ({**ok, "entity": {"type": "company", "id": 999999}}, 404),
        ({**ok, "owner": {"id": seed.JANE_ID}}, 400),  # not a user
        ({**ok, "owner": {"id": 999999}}, 404),
        ({**ok, "recurrence": {"resetTrigger": "email", "periodDays": 3}}, 400),
        ({**ok, "type": "recurring", "recurrence": {"periodDays": 3}}, 400),
    ]
    for body, status in cases:
        assert _create(client, body).status_code == status, body
    deal = {**ok, "entity": {"type": "opportunity", "id": hidden["id"]}}
    assert _create(v2(sandbox, standard_key), deal).status_code == 403
    assert len(sandbox.state.world.reminders) == before


def test_get_and_delete_rules(sandbox, admin_key, standard_key):
    admin, standard = v2(sandbox, admin_key), v2(sandbox, standard_key)
    mine = next(r for r in sandbox.state.world.reminders.values() if r["owner_id"] == seed.ADMIN_ID)
    assert _get(standard, f"{REMINDERS}/{mine['id']}", REMINDER).status_code == 200
    refused = standard.delete(f"{REMINDERS}/{mine['id']}")
    validate_v2("DELETE", REMINDER, refused, SPEC_2026)
    assert refused.status_code == 403 and mine["id"] in sandbox.state.world.reminders
    done = admin.delete(f"{REMINDERS}/{mine['id']}")
    validate_v2("DELETE", REMINDER, done, SPEC_2026)
    assert done.status_code == 204
    assert _get(admin, f"{REMINDERS}/{mine['id']}", REMINDER).status_code == 404
    assert _get(admin, f"{REMINDERS}/abc", REMINDER).status_code == 400


def test_v1_put_completes_a_reminder(sandbox, admin_key, standard_key):
    rec = next(
        r
        for r in sandbox.state.world.reminders.values()
        if r["owner_id"] == seed.ADMIN_ID and r["completed_at"] is None and not r["recurrence"]
    )
    refused = v1(sandbox, standard_key).put(f"/reminders/{rec['id']}", json={"is_completed": True})
    assert refused.status_code == 403 and rec["completed_at"] is None
    done = v1(sandbox, admin_key).put(f"/reminders/{rec['id']}", json={"is_completed": True})
    assert done.status_code == 200
    body = done.json()
    assert body["status"] == 0 and body["completed_at"] and body["completer"]["id"] == seed.ADMIN_ID
    got = _get(v2(sandbox, admin_key), f"{REMINDERS}/{rec['id']}", REMINDER).json()
    assert got["status"] == "completed" and got["completer"] == {"id": seed.ADMIN_ID}
    bad = v1(sandbox, admin_key).put(f"/reminders/{rec['id']}", json={"is_completed": "maybe"})
    assert bad.status_code == 422
    assert (
        v1(sandbox, admin_key).put("/reminders/1", json={"is_completed": True}).status_code == 404
    )


def test_v1_completing_a_recurring_reminder_moves_it_on(sandbox, admin_key):
    rec = next(
        r
        for r in sandbox.state.world.reminders.values()
        if r["owner_id"] == seed.ADMIN_ID and r["recurrence"]
    )
    done = v1(sandbox, admin_key).put(f"/reminders/{rec['id']}", json={"is_completed": True})
    assert done.status_code == 200 and done.json()["completed_at"] is None
    got = _get(v2(sandbox, admin_key), f"{REMINDERS}/{rec['id']}", REMINDER).json()
    assert got["dueDate"] == _pacific_day(30) and got["status"] == "active"


def test_meetings_past_today_tomorrow_next_week(sandbox, standard_key):
    client = v2(sandbox, standard_key)
    page = _get(client, MEETINGS, MEETINGS, limit=100).json()
    mine = [
        m
        for m in page["data"]
        if any(
            a["person"] and a["person"]["id"] == seed.STANDARD_ID
            for a in m["attendeesPreview"]["data"]
        )
    ]
    today = datetime.now(seed.PACIFIC).date()  # the seed's day: Pacific, like Affinity's dates
    days = {(datetime.fromisoformat(m["startTime"]).date() - today).days for m in mine}
    assert {-1, 0, 1, 6} <= days and min(days) < -1
    assert all(m["attendeesPreview"]["totalCount"] >= 2 for m in mine)
    start = datetime(today.year, today.month, today.day, tzinfo=UTC)
    end = start + timedelta(days=1)
    window = f"startTime>={start:%Y-%m-%dT%H:%M:%SZ}&startTime<{end:%Y-%m-%dT%H:%M:%SZ}"
    today_only = _get(client, MEETINGS, MEETINGS, filter=window).json()["data"]
    assert today_only and all(m["startTime"].startswith(str(today)) for m in today_only)
    one = _get(client, f"{MEETINGS}/{mine[0]['id']}", MEETING)
    assert one.json() == mine[0]
    assert _get(client, MEETINGS, MEETINGS, filter="title=x").status_code == 400
    assert _get(client, MEETINGS, MEETINGS, filter="id>3").status_code == 400


def test_private_meeting_is_its_attendees_only(sandbox, admin_key, standard_key):
    private = next(m for m in sandbox.state.world.meetings.values() if m["private"])
    path = f"{MEETINGS}/{private['id']}"
    assert _get(v2(sandbox, admin_key), path, MEETING).status_code == 200
    assert _get(v2(sandbox, standard_key), path, MEETING).status_code == 404
    assert _get(v2(sandbox, admin_key), f"{MEETINGS}/99", MEETING).status_code == 404
