"""A used-up monthly Affinity quota: the user gets one line with the reset date, the workspace's
installer one DM a day while it lasts, and nothing is retried in a loop."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.features import commands, connect, home, platform, revocation
from bot.services import utc_now
from tests.bot.test_commands_support import ALICE, run
from tests.bot.test_commands_support import connect as connect_directly
from tests.client.sandbox_helpers import control

OWNER = "U0OWNER01"


@pytest.fixture
def now():
    return [utc_now()]


@pytest.fixture
def app(slack_app_factory, now):
    return slack_app_factory(
        features=[platform, connect, home, revocation, commands], clock=lambda: now[0]
    )


def test_the_user_is_told_and_the_installer_gets_one_dm_a_day(app, fake_slack, sandbox, now):
    fake_slack.set_user(OWNER, is_admin=True, is_owner=True, is_primary_owner=True)
    connect_directly(app, ALICE, sandbox=sandbox)
    control(sandbox, "faults/monthly-quota", {})

    replies = [run(app, "person jane smith") for _ in range(2)]

    for reply in replies:
        said = reply.text
        assert "monthly Affinity API quota is used up" in said and "UTC" in said
        assert "try again in" not in said
    told = [c for c in fake_slack.calls("chat.postMessage") if c["channel"] == OWNER]
    assert len(told) == 1 and "monthly Affinity API quota" in told[0].text

    now[0] += timedelta(hours=25)  # the app's own clock
    run(app, "person jane smith")
    told = [c for c in fake_slack.calls("chat.postMessage") if c["channel"] == OWNER]
    assert len(told) == 2  # a day later, still used up: told again


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_two_processes_on_one_database_send_the_installer_one_dm(
    slack_app_factory, fake_slack, sandbox, now, backend, request
):
    """The daily limit holds across processes: it is claimed in the shared database."""
    database_url = request.getfixturevalue("postgres_url") if backend == "postgresql" else None
    features = [platform, connect, home, revocation, commands]
    first = slack_app_factory(features=features, clock=lambda: now[0], database_url=database_url)
    second = slack_app_factory(
        features=features, clock=lambda: now[0], database_url=first.database_url
    )
    fake_slack.set_user(OWNER, is_admin=True, is_owner=True, is_primary_owner=True)
    connect_directly(first, ALICE, sandbox=sandbox)
    control(sandbox, "faults/monthly-quota", {})

    for process in (first, second, first, second):
        assert "monthly Affinity API quota" in run(process, "person jane smith").text
    told = [c for c in fake_slack.calls("chat.postMessage") if c["channel"] == OWNER]
    assert len(told) == 1
