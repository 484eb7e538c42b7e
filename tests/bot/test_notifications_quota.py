"""What list polling costs Affinity: followers with the same access share one read, the requests
of a day are counted, shown to workspace admins and capped, and a rate limit backs polling off."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from affinity_client.sandbox import seed
from bot.features import home
from bot.features.notifications import JOB
from bot.features.notifications.models import PollState
from tests.bot.test_commands_support import ALICE, BOB, run, without_retries
from tests.bot.test_commands_support import connect as connect_directly
from tests.bot.test_notifications import DEALS, FEATURES, move, poll, posts
from tests.client.sandbox_helpers import clear_log, request_log


@pytest.fixture
def now() -> list[Any]:
    from bot.services import utc_now

    # The real time: the sandbox stamps changes with it, so a clock set ahead of it would make
    # every change look older than the subscriptions. Frozen, it never crosses a UTC day.
    return [utc_now()]


def change_reads(sandbox: Any) -> list[dict[str, Any]]:
    return [r for r in request_log(sandbox) if r["path"] == "/v2/field-value-changes"]


def polls(app: Any) -> list[PollState]:
    with Session(app.services.engine) as session:
        return list(session.scalars(select(PollState)))


def test_followers_of_a_public_list_share_one_read(
    slack_app_factory: Any, fake_slack: Any, sandbox: Any, now: list[Any]
) -> None:
    app = slack_app_factory(features=FEATURES, clock=lambda: now[0])
    connect_directly(app, ALICE, sandbox=sandbox)
    connect_directly(app, BOB, seed.STANDARD_KEY, sandbox=sandbox)
    run(app, 'follow "Series A Pipeline"')
    run(app, 'follow "Series A Pipeline" dm', BOB)
    move(sandbox, seed.ACME_DEAL_ID, "IC")
    clear_log(sandbox)

    poll(app, now)

    assert len(polls(app)) == 1
    assert len(change_reads(sandbox)) == 1  # one read for both followers
    assert not [r for r in request_log(sandbox) if "/list-entries" in r["path"]]  # not `new`
    assert len(posts(fake_slack, DEALS)) == 1 and len(posts(fake_slack, BOB)) == 1


def test_the_daily_request_cap_stops_polling_until_the_next_day_and_admins_see_it(
    slack_app_factory: Any, fake_slack: Any, sandbox: Any, now: list[Any]
) -> None:
    app = slack_app_factory(
        features=[*FEATURES, home], clock=lambda: now[0], notify_daily_request_cap=2
    )
    connect_directly(app, ALICE, sandbox=sandbox)
    fake_slack.set_user(ALICE, is_admin=True)
    run(app, 'follow "Series A Pipeline"')
    poll(app, now)
    move(sandbox, seed.ACME_DEAL_ID, "IC")
    poll(app, now)  # a read and the names: 3 requests today, over the cap of 2
    assert len(posts(fake_slack, DEALS)) == 1

    move(sandbox, seed.ACME_DEAL_ID, "Term Sheet")
    clear_log(sandbox)
    poll(app, now)
    assert change_reads(sandbox) == []  # capped: Affinity is not asked
    app.slack.as_user(ALICE).app_home_opened()
    shown = fake_slack.wait_for("views.publish", lambda c: "List notifications" in c.text)
    assert "3 Affinity requests today* of the daily cap of 2" in shown.text
    assert "Today's cap is reached: no list is read until 00:00 UTC" in shown.text
    assert "daily cap of Affinity requests for following lists is reached" in (
        run(app, "following").text
    )

    now[0] = now[0].replace(hour=0, minute=1) + timedelta(days=1)
    app.services.background.run_once(JOB)
    assert len(posts(fake_slack, DEALS)) == 2  # the next day the change is read and posted


def test_a_rate_limited_poll_backs_off_past_affinitys_reset_and_then_resumes(
    slack_app_factory: Any, fake_slack: Any, sandbox: Any, now: list[Any]
) -> None:
    app = slack_app_factory(features=[*FEATURES, home], clock=lambda: now[0], notify_poll_seconds=5)
    connect_directly(app, ALICE, sandbox=sandbox)
    fake_slack.set_user(ALICE, is_admin=True)
    without_retries(app)
    run(app, 'follow "Series A Pipeline"')
    move(sandbox, seed.ACME_DEAL_ID, "IC")
    sandbox.state.force_rate_limit(seed.ADMIN_KEY, 1)

    poll(app, now)

    [state] = polls(app)
    waited = state.next_poll_at - now[0]
    assert waited > timedelta(seconds=10)  # Affinity's reset (up to a minute), not 5 s
    assert posts(fake_slack, DEALS) == []
    app.slack.as_user(ALICE).app_home_opened()
    shown = fake_slack.wait_for("views.publish", lambda c: "List notifications" in c.text)
    assert "1 poll backing off after Affinity's rate limit" in shown.text
    clear_log(sandbox)
    poll(app, now)  # 6 s later: still waiting
    assert change_reads(sandbox) == []

    now[0] += waited
    app.services.background.run_once(JOB)
    assert len(posts(fake_slack, DEALS)) == 1


def test_a_private_list_is_read_per_follower(
    slack_app_factory: Any, fake_slack: Any, sandbox: Any, now: list[Any]
) -> None:
    """Two followers of a private list may not see the same: each poll is their own key's."""
    from tests.bot.test_commands_support import CAROL

    app = slack_app_factory(features=FEATURES, clock=lambda: now[0])
    connect_directly(app, ALICE, sandbox=sandbox)
    connect_directly(app, CAROL, seed.ADMIN_KEY, sandbox=sandbox)
    run(app, f'follow "{seed.PRIVATE_LIST_NAME}" dm')
    run(app, f'follow "{seed.PRIVATE_LIST_NAME}" dm', CAROL)
    clear_log(sandbox)

    poll(app, now)

    assert len(polls(app)) == 2
    assert len(change_reads(sandbox)) == 2
