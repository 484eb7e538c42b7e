"""The seed's "today" is the day the tools call today for a user who names no time zone."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, tzinfo

import pytest

from affinity_client.sandbox import seed, world
from affinity_client.sandbox.seed_calendar import MEETING_DAYS, REMINDER_DAYS
from affinity_client.sandbox.web import v2_date
from affinity_client.tools import fields
from affinity_client.tools.opportunities import calendar_date

EVENING_IN_CALIFORNIA = datetime(2026, 12, 1, 3, 0, tzinfo=UTC)
"""03:00 UTC on 1 December: still 30 November, 19:00, in Pacific time."""


class _Pinned(datetime):
    """`datetime` whose now() is `EVENING_IN_CALIFORNIA`."""

    @classmethod
    def now(cls, tz: tzinfo | None = None) -> _Pinned:  # type: ignore[override]
        moment = EVENING_IN_CALIFORNIA.astimezone(tz) if tz else EVENING_IN_CALIFORNIA
        return cls.fromtimestamp(moment.timestamp(), moment.tzinfo)


@pytest.fixture
def pinned(monkeypatch) -> date:
    """The clock of the seed and of the tools pinned; the tools' today."""
    monkeypatch.setattr(world, "datetime", _Pinned)  # where the sandbox keeps its clock
    monkeypatch.setattr(fields, "datetime", _Pinned)
    return fields.today()


def test_deals_reviewed_today_are_those_of_the_tools_today(pinned):
    assert pinned == date(2026, 11, 30)
    world = seed.build_seed()
    reviewed = [
        calendar_date(v2_date(v["value"]) or "")
        for v in world.field_values.values()
        if world.fields[v["field_id"]]["name"] == "Last Reviewed"
    ]
    assert reviewed.count(pinned.isoformat()) == seed.LAST_REVIEWED_TODAY
    assert (pinned + timedelta(days=1)).isoformat() not in reviewed


def test_reminders_due_today_are_due_on_the_tools_today(pinned):
    world = seed.build_seed()
    one_time = {
        calendar_date(v2_date(r["due_date"]) or "")
        for r in world.reminders.values()
        if r["owner_id"] == seed.ADMIN_ID and not r["recurrence"] and not r["completed_at"]
    }
    assert one_time == {(pinned + timedelta(days=d)).isoformat() for d in REMINDER_DAYS}


def test_meetings_today_are_on_the_tools_today(pinned):
    world = seed.build_seed()
    days = {
        m["start_time"].date()
        for m in world.meetings.values()
        if m["internal_ids"] == [seed.ADMIN_ID] and not m["private"]
    }
    assert days == {pinned + timedelta(days=d) for d in MEETING_DAYS}
