"""App Home: status, buttons, lists and recent activity, refreshed after connect and disconnect."""

from __future__ import annotations

import pytest

from affinity_client.sandbox import seed
from bot.blocks import actions as ids
from tests.bot.test_connect import MY_FEATURES, connect_as, ident

ADMIN = seed.USERS[0]


@pytest.fixture
def harness(slack_app_factory):
    return slack_app_factory(features=MY_FEATURES)


@pytest.fixture
def slack(harness):
    return harness.slack


def buttons(view: dict) -> list[str]:
    return [e["action_id"] for b in view["blocks"] if b["type"] == "actions" for e in b["elements"]]


def opened_home(slack, fake_slack) -> dict:
    count = len(fake_slack.calls("views.publish"))
    assert slack.app_home_opened().status_code == 200
    call = fake_slack.wait_for(
        "views.publish",
        lambda c: (
            len(fake_slack.calls("views.publish")) > count
            and c is fake_slack.calls("views.publish")[-1]
        ),
    )
    assert call["user_id"] == slack.user_id
    return call["view"]


def test_home_of_a_new_user_offers_connect(harness, slack, fake_slack):
    view = opened_home(slack, fake_slack)
    assert view["type"] == "home"
    assert "Not connected" in str(view)
    assert buttons(view) == [ids.CONNECT]


def test_home_shows_who_lists_and_recent_activity(harness, slack, fake_slack):
    connect_as(harness, slack, fake_slack, ADMIN["api_key"])
    harness.services.connector.execute_tool(
        ident(slack), "affinity_search_persons", {"term": "jane"}
    )
    view = opened_home(slack, fake_slack)
    text = str(view)
    assert "Maya Patel" in text and "Northwind Ventures" in text and "last verified" in text
    assert "Series A Pipeline" in text  # cached lists
    assert "Recent activity" in text and "Search people" in text
    # The app's own key checks (the connect-time probe) are not the user's activity.
    tools = {r["tool"] for r in harness.services.connector.recent_activity(ident(slack))}
    assert tools == {"affinity_search_persons", "affinity_list_lists"}
    all_rows = harness.services.connector.recent_activity(ident(slack), tools_only=False)
    assert "probe" in {r["tool"] for r in all_rows}
    assert buttons(view) == [ids.DISCONNECT]


def test_activity_is_limited_to_the_last_ten_calls_of_this_user(harness, slack, fake_slack):
    connect_as(harness, slack, fake_slack, ADMIN["api_key"])
    other = slack.as_user("UOTHER01")
    connect_as(harness, other, fake_slack, seed.STANDARD_KEY)
    for _ in range(12):
        harness.services.connector.execute_tool(ident(slack), "affinity_list_lists", {})
    harness.services.connector.execute_tool(
        ident(other), "affinity_search_persons", {"term": "jane"}
    )
    rows = harness.services.connector.recent_activity(ident(slack))
    assert len(rows) == 10 and {r["tool"] for r in rows} == {"affinity_list_lists"}


def test_home_after_a_revocation_says_why_and_offers_reconnect(harness, slack, fake_slack, sandbox):
    connect_as(harness, slack, fake_slack, ADMIN["api_key"])
    sandbox.state.revoke_key(ADMIN["api_key"])
    from bot.connector import KeyRevokedError

    with pytest.raises(KeyRevokedError):
        harness.services.connector.execute_tool(ident(slack), "affinity_list_lists", {})
    view = opened_home(slack, fake_slack)
    assert "stopped working" in str(view) and "401" in str(view)
    assert buttons(view) == [ids.RECONNECT, ids.DISCONNECT]


def test_home_is_refreshed_after_disconnect(harness, slack, fake_slack):
    connect_as(harness, slack, fake_slack, ADMIN["api_key"])
    count = len(fake_slack.calls("views.publish"))
    slack.block_action(ids.DISCONNECT_CONFIRM)
    fake_slack.wait_for(
        "views.publish",
        lambda c: len(fake_slack.calls("views.publish")) > count and "Not connected" in c.text,
    )


def test_other_tabs_are_ignored(harness, slack, fake_slack):
    slack.app_home_opened(tab="messages")
    import time

    time.sleep(0.2)
    assert fake_slack.calls("views.publish") == []


def test_a_brief_whose_read_failed_says_so_on_its_one_line():
    from bot.blocks.home import activity_line, grouped_by_via

    at = "2026-12-01T06:00:00+00:00"
    rows = [
        {"at": at, "tool": "affinity_list_reminders", "outcome": "ok", "via": "brief"},
        {"at": at, "tool": "affinity_list_meetings", "outcome": "server_error", "via": "brief"},
        {"at": at, "tool": "affinity_search_persons", "outcome": "ok", "via": None},
        {"at": at, "tool": "affinity_list_notes", "outcome": "ok", "via": "brief"},
    ]
    lines = [activity_line(row) for row in grouped_by_via(rows)]
    assert len(lines) == 3  # an earlier brief is not merged across the user's own search
    assert lines[0].startswith(":warning:")
    assert "2 reads for your daily brief (1 failed)" in lines[0]
    assert "1 read for your daily brief" in lines[2]
