"""One meaning of "today": the user's date and zone in the prompt, date fields stored at
midnight Pacific time (the 2026-07-15 spec) and shown as the day written — tried around
midnight in New York, London and Tokyo."""

from __future__ import annotations

import datetime as dt

import pytest

from affinity_client import AffinityClient, run_tool
from affinity_client.sandbox import seed
from bot.agent import UserContext
from bot.agent.prompt import RULES, user_block
from tests.sandbox.helpers import v2

UTC = dt.UTC
# (zone, an instant just after the user's midnight, the user's date then, UTC offset)
AROUND_MIDNIGHT = [
    ("America/New_York", dt.datetime(2026, 11, 29, 5, 10, tzinfo=UTC), "2026-11-29", "UTC-05:00"),
    ("America/New_York", dt.datetime(2026, 11, 29, 4, 50, tzinfo=UTC), "2026-11-28", "UTC-05:00"),
    ("Europe/London", dt.datetime(2026, 11, 29, 0, 5, tzinfo=UTC), "2026-11-29", "UTC+00:00"),
    ("Europe/London", dt.datetime(2026, 7, 14, 23, 5, tzinfo=UTC), "2026-07-15", "UTC+01:00"),
    ("Asia/Tokyo", dt.datetime(2026, 11, 28, 15, 5, tzinfo=UTC), "2026-11-29", "UTC+09:00"),
    ("Asia/Tokyo", dt.datetime(2026, 11, 28, 14, 55, tzinfo=UTC), "2026-11-28", "UTC+09:00"),
]


@pytest.mark.parametrize(("zone", "now", "day", "offset"), AROUND_MIDNIGHT)
def test_the_prompt_gives_the_users_own_date_and_zone(zone, now, day, offset):
    user = UserContext("T1:U1", "Maya", "Northwind", timezone=zone, now=now)
    block = user_block(user)
    assert f"Today is {day} ({zone}) for the user" in block
    assert f"in their time zone {zone} ({offset})" in block
    assert "midnight Pacific time" in RULES and "calendar days" in RULES


@pytest.mark.parametrize(
    ("written", "stored"),
    [
        ("2026-11-28T23:30:00-05:00", "2026-11-28T08:00:00Z"),  # late evening in New York
        ("2026-11-29T00:05:00+00:00", "2026-11-29T08:00:00Z"),  # just after midnight in London
        ("2026-11-29T00:30:00+09:00", "2026-11-29T08:00:00Z"),  # just after midnight in Tokyo
        ("2026-07-15T15:30:00Z", "2026-07-15T07:00:00Z"),  # summer: Pacific daylight time
        ("2026-11-28", "2026-11-28T08:00:00Z"),
    ],
)
def test_the_sandbox_stores_date_fields_at_midnight_pacific_on_the_day_written(
    sandbox, admin_key, written, stored
):
    client = v2(sandbox, admin_key)
    series_a = seed.LISTS["Series A Pipeline"]
    entry = next(
        e for e in sandbox.state.list_entries.values() if e["entity_id"] == seed.ACME_DEAL_ID
    )
    field = next(
        f
        for f in sandbox.state.world.fields.values()
        if f["list_id"] == series_a and f["name"] == "Last Reviewed"
    )
    path = f"/v2/lists/{series_a}/list-entries/{entry['id']}/fields/field-{field['id']}"
    assert (
        client.post(path, json={"value": {"type": "datetime", "data": written}}).status_code == 204
    )
    assert client.get(path).json()["value"]["data"].replace(".000", "") == stored

    deal = run_tool(
        AffinityClient(admin_key, base_url=sandbox.base_url),
        "affinity_get_opportunity",
        {"opportunity_id": seed.ACME_DEAL_ID},
    )
    shown = next(f["value"] for f in deal["fields"] if f["name"] == "Last Reviewed")
    assert shown == written[:10]  # the day written, whatever the writer's zone


def test_seeded_review_dates_are_stored_at_midnight_pacific(sandbox):
    reviewed = [
        v["value"]
        for v in sandbox.state.world.field_values.values()
        if sandbox.state.world.fields[v["field_id"]]["name"] == "Last Reviewed"
    ]
    assert reviewed and all(v.astimezone(seed.PACIFIC).time() == dt.time(0, 0) for v in reviewed)
