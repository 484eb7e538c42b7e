"""List subscriptions: `/affinity follow` posts a list's changes, once per destination, read with
the subscriber's own key; private lists, revoked keys and downtime are handled as a user expects."""

from __future__ import annotations

import threading
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from affinity_client.sandbox import seed
from bot.features import commands, connect, notifications, platform
from bot.features.notifications import BRIEF_JOB, JOB, Poller
from bot.features.notifications.models import PollState
from bot.features.notifications.poller import next_month
from bot.services import utc_now
from tests.bot.test_commands_support import ALICE, BOB, CAROL, on_the_seeds_day, run
from tests.bot.test_commands_support import connect as connect_directly
from tests.client.sandbox_helpers import control, request_log

FEATURES = [platform, connect, commands, notifications]
DEALS = "C0DEALS01"
PRIVATE = seed.PRIVATE_LIST_NAME
ATLAS_DEAL_ID = 30004  # on the Series A pipeline, owned by Maya (the admin key)


@pytest.fixture
def now() -> list[Any]:
    return [utc_now()]


@pytest.fixture
def app(slack_app_factory: Any, now: list[Any]) -> Any:
    return slack_app_factory(features=FEATURES, clock=lambda: now[0])


def move(sandbox: Any, deal_id: int, stage: str, who: str = "standard") -> None:
    """A colleague moves a deal in Affinity (the sandbox acts as them)."""
    control(
        sandbox, "act-as", {"as": who, "action": "stage", "opportunity_id": deal_id, "stage": stage}
    )


def poll(harness: Any, now: list[Any]) -> None:
    """The next poll is due: the scheduler's tick runs in this thread."""
    now[0] += timedelta(seconds=harness.settings.notify_poll_seconds + 1)
    harness.services.background.run_once(JOB)


def posts(fake_slack: Any, channel: str) -> list[Any]:
    return [c for c in fake_slack.calls("chat.postMessage") if c["channel"] == channel]


def test_a_followed_list_posts_a_stage_move_once_with_a_link(
    app: Any, fake_slack: Any, sandbox: Any, now: Any
) -> None:
    connect_directly(app, ALICE, sandbox=sandbox)
    said = run(app, 'follow "Series A Pipeline"')
    assert "Following *Series A Pipeline* (stage moves) in <#C0DEALS01>" in said.text
    notified = said.params["text"]  # what a notification shows: the channel, not its markup
    assert "<#C0DEALS01>" in notified and "&lt;" not in notified

    move(sandbox, seed.ACME_DEAL_ID, "IC")
    poll(app, now)
    poll(app, now)

    [post] = posts(fake_slack, DEALS)
    text = str(post.params["blocks"])
    assert "Acme" in text and "IC" in text and "Daniel" in text
    assert f"/opportunities/{seed.ACME_DEAL_ID}|" in text  # linked into Affinity
    listed = run(app, "following").text
    assert "*Series A Pipeline* (stage moves) in <#C0DEALS01>" in listed
    assert "cost 3 Affinity requests today" in listed  # two empty reads, one with the names
    again = run(app, 'follow "Series A Pipeline"').text
    assert "Still following *Series A Pipeline* (stage moves)" in again
    changed = run(app, 'follow "Series A Pipeline" all').text
    assert "Now following *Series A Pipeline* (every field change, no longer stage moves)" in (
        changed
    )


def test_several_changes_in_one_poll_come_as_one_message(
    app: Any, fake_slack: Any, sandbox: Any, now: Any
) -> None:
    connect_directly(app, ALICE, sandbox=sandbox)
    run(app, 'follow "Series A Pipeline" all')
    move(sandbox, seed.ACME_DEAL_ID, "IC")
    move(sandbox, seed.ACME_DEAL_ID, "Term Sheet")
    poll(app, now)

    [post] = posts(fake_slack, DEALS)
    assert "2 changes" in post.text
    text = str(post.params["blocks"])
    assert text.index("*IC*") < text.index("*Term Sheet*")  # oldest first


def test_a_private_list_goes_to_a_channel_only_where_an_admin_allowed_it(
    app: Any, fake_slack: Any, sandbox: Any, now: Any
) -> None:
    connect_directly(app, ALICE, sandbox=sandbox)  # her key reads the private list
    connect_directly(app, CAROL, seed.ADMIN_KEY, sandbox=sandbox)
    fake_slack.set_user(CAROL, is_admin=True)

    refused = run(app, f'follow "{PRIVATE}"')
    assert "private list" in refused.text and "follow-allow" in refused.text
    assert "dm" in refused.text
    assert "Following" in run(app, f'follow "{PRIVATE}" dm').text
    assert "Only a workspace admin" in run(app, f'follow-allow "{PRIVATE}"').text

    assert (
        "may now be followed in <#C0DEALS01>" in run(app, f'follow-allow "{PRIVATE}"', CAROL).text
    )
    assert "Following" in run(app, f'follow "{PRIVATE}"').text


def test_a_revoked_follower_is_paused_and_told_once_and_resumes_on_reconnect(
    app: Any, fake_slack: Any, sandbox: Any, now: Any
) -> None:
    connect_directly(app, ALICE, sandbox=sandbox)
    run(app, 'follow "Series A Pipeline"')
    control(sandbox, "keys/revoke", {"key": seed.ADMIN_KEY})
    move(sandbox, seed.ACME_DEAL_ID, "IC")

    poll(app, now)
    poll(app, now)

    told = [c for c in posts(fake_slack, ALICE) if "paused" in c.text]
    assert len(told) == 1 and "/affinity connect" in str(told[0].params["blocks"])
    assert posts(fake_slack, DEALS) == []  # nothing read with a key that no longer works
    assert "no longer works (`/affinity connect` resumes it)" in run(app, "following").text

    control(sandbox, "keys/restore", {"key": seed.ADMIN_KEY})
    connect_directly(app, ALICE, sandbox=sandbox)
    listed = run(app, "following").text  # reconnected, not read yet: no "connect" to do
    assert "resumes with the next read, now that you have reconnected" in listed
    assert "/affinity connect" not in listed
    move(sandbox, seed.ACME_DEAL_ID, "Term Sheet")
    poll(app, now)
    assert "paused" not in run(app, "following").text
    assert len(posts(fake_slack, DEALS)) == 1


def test_after_two_hours_down_the_backlog_is_summarised(
    app: Any, fake_slack: Any, sandbox: Any, now: Any
) -> None:
    connect_directly(app, ALICE, sandbox=sandbox)
    run(app, 'follow "Series A Pipeline"')
    poll(app, now)
    stages = ["First Meeting", "Diligence", "IC", "Term Sheet"] * 2
    for stage in stages:
        move(sandbox, seed.ACME_DEAL_ID, stage)

    now[0] += timedelta(hours=2)  # the app was down
    poll(app, now)

    [post] = posts(fake_slack, DEALS)
    assert "8 changes on Series A Pipeline while the app was down" in post.text
    assert str(post.params["blocks"]).count(":arrow_right:") == 5  # the latest few, not 8


def test_a_crash_between_reading_and_posting_loses_and_repeats_nothing(
    slack_app_factory: Any, fake_slack: Any, sandbox: Any, now: Any
) -> None:
    first = slack_app_factory(features=FEATURES, clock=lambda: now[0])
    connect_directly(first, ALICE, sandbox=sandbox)
    run(first, 'follow "Series A Pipeline" all')
    move(sandbox, seed.ACME_DEAL_ID, "IC")
    move(sandbox, seed.ACME_DEAL_ID, "Term Sheet")

    now[0] += timedelta(seconds=first.settings.notify_poll_seconds + 1)
    poller = Poller(first.services)  # the first process reads the batch, then dies
    key = poller.lease_due()
    assert key is not None and poller.poll(key, poller.subs.all_active()) == 2
    first.stop()
    assert posts(fake_slack, DEALS) == []

    second = slack_app_factory(
        features=FEATURES, clock=lambda: now[0], database_url=first.database_url
    )
    poll(second, now)
    poll(second, now)

    [post] = posts(fake_slack, DEALS)
    assert "2 changes" in post.text  # nothing lost, nothing repeated


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_two_processes_three_followers_each_destination_told_once(
    slack_app_factory: Any, fake_slack: Any, sandbox: Any, now: Any, backend: Any, request: Any
) -> None:
    """Alice and Bob follow the list in #deals, Carol in her DM; both processes poll at once."""
    database_url = request.getfixturevalue("postgres_url") if backend == "postgresql" else None
    first = slack_app_factory(features=FEATURES, clock=lambda: now[0], database_url=database_url)
    second = slack_app_factory(
        features=FEATURES, clock=lambda: now[0], database_url=first.database_url
    )
    connect_directly(first, ALICE, sandbox=sandbox)
    connect_directly(first, BOB, seed.STANDARD_KEY, sandbox=sandbox)
    connect_directly(first, CAROL, seed.ADMIN_KEY, sandbox=sandbox)
    run(first, 'follow "Series A Pipeline"')
    run(second, 'follow "Series A Pipeline"', BOB)
    run(first, 'follow "Series A Pipeline" dm', CAROL)
    move(sandbox, seed.ACME_DEAL_ID, "IC", "admin")

    now[0] += timedelta(seconds=first.settings.notify_poll_seconds + 1)
    threads = [
        threading.Thread(target=harness.services.background.run_once, args=(JOB,))
        for harness in (first, second, first, second)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    poll(first, now)
    poll(second, now)

    assert len(posts(fake_slack, DEALS)) == 1
    assert len(posts(fake_slack, CAROL)) == 1


def test_the_brief_of_a_seeded_user_on_a_day_with_meetings(
    app: Any, fake_slack: Any, sandbox: Any, now: list[Any]
) -> None:
    """Maya owns deals, has a reminder due today and meetings today (seeded relative to today)."""
    fake_slack.set_user(ALICE, tz="UTC")
    connect_directly(app, ALICE, sandbox=sandbox)
    now[0] = on_the_seeds_day(6)
    said = run(app, "brief daily 08:00")
    assert "every day at 08:00 (UTC" in said.text

    move(sandbox, ATLAS_DEAL_ID, "Term Sheet")  # Daniel moves Maya's deal
    move(sandbox, seed.ACME_DEAL_ID, "IC")  # and one she does not own
    app.services.background.run_once(BRIEF_JOB)
    assert posts(fake_slack, ALICE) == []  # not yet 08:00
    now[0] = on_the_seeds_day(8, 1)
    app.services.background.run_once(BRIEF_JOB)
    app.services.background.run_once(BRIEF_JOB)

    [brief] = posts(fake_slack, ALICE)
    text = str(brief.params["blocks"])
    assert "Your brief for" in text
    assert "AtlasLabs" in text and "*Term Sheet* · Daniel Okafor" in text
    assert "Acme" not in text
    assert "Send the term sheet draft" in text  # her reminder due today
    assert "Intro call: LumenData" in text and "Zain Varga" in text  # a meeting, who is external
    assert "Reminders due today" in text and "Today's meetings" in text

    assert "No daily brief" in run(app, "brief off").text
    now[0] += timedelta(days=1)
    app.services.background.run_once(BRIEF_JOB)
    assert len(posts(fake_slack, ALICE)) == 1


def test_prep_names_the_attendees_their_company_open_deals_and_last_note(
    app: Any, fake_slack: Any, sandbox: Any, now: list[Any]
) -> None:
    fake_slack.set_user(ALICE, tz="UTC")
    connect_directly(app, ALICE, sandbox=sandbox)
    now[0] = on_the_seeds_day(6)

    text = str(run(app, "prep next").params["blocks"])
    assert "Intro call: LumenData" in text  # her first meeting today (15:00 UTC)
    assert "Zain Varga" in text and "LumenData" in text
    assert "open deal" in text and "(IC)" in text
    assert "last note" in text and "Intro call, promising team." in text

    other = run(app, "prep 6000004").params["blocks"]
    assert "Crescent Insurance Group" in str(other)
    assert "can't find meeting 1" in run(app, "prep 1").text


def test_a_used_up_monthly_quota_stops_polling_until_next_month(
    app: Any, fake_slack: Any, sandbox: Any, now: list[Any]
) -> None:
    connect_directly(app, ALICE, sandbox=sandbox)
    run(app, 'follow "Series A Pipeline"')
    move(sandbox, seed.ACME_DEAL_ID, "IC")
    control(sandbox, "faults/monthly-quota", {})

    poll(app, now)

    with Session(app.services.engine) as session:
        [state] = session.scalars(select(PollState)).all()
    assert state.next_poll_at >= next_month(now[0])  # no request until the quota resets
    assert posts(fake_slack, DEALS) == []
    reads = request_log(sandbox)
    poll(app, now)
    assert len(request_log(sandbox)) == len(reads)  # the next tick asks Affinity nothing
