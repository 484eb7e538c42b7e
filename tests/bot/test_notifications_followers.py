"""List subscriptions with several followers of one list: a `new` follower joining a list that is
already polled is told of what is added after they followed, nothing from before; and a channel
that follows a list in two modes gets one line per change."""

from __future__ import annotations

import time
from typing import Any

import pytest

from affinity_client.sandbox import seed
from bot.features.notifications import JOB, Poller
from bot.services import utc_now
from tests.bot.test_commands_support import ALICE, BOB, run
from tests.bot.test_commands_support import connect as connect_directly
from tests.bot.test_notifications import DEALS, FEATURES, posts
from tests.bot.test_notifications_delivery import FOUNDERS, add_entry
from tests.client.sandbox_helpers import client_for, control

RAJ_ID, ELENA_ID = 4001, 4002  # two people not on Founders to Watch


@pytest.fixture
def now() -> list[Any]:
    return [utc_now()]


@pytest.fixture
def app(slack_app_factory: Any, now: list[Any]) -> Any:
    return slack_app_factory(features=FEATURES, clock=lambda: now[0])


def poll_now(harness: Any, now: list[Any]) -> None:
    """Every poll is due now, on the sandbox's own clock (it stamps entries with the real time,
    and a subscription begins at the app's time)."""
    now[0] = utc_now()
    Poller(harness.services).make_due()
    harness.services.background.run_once(JOB)


def next_second(now: list[Any]) -> None:
    """Affinity's times are whole seconds: what happens next is in a later one (a wait of at
    most a second), and the app's clock is there too."""
    time.sleep(1.02 - time.time() % 1)
    now[0] = utc_now()


def test_a_new_follower_joining_a_polled_list_gets_what_is_added_after_only(
    app: Any, fake_slack: Any, sandbox: Any, now: list[Any]
) -> None:
    connect_directly(app, ALICE, sandbox=sandbox)
    connect_directly(app, BOB, sandbox=sandbox)
    run(app, f'follow "{FOUNDERS}" stages')  # the list is polled, without reading its entries
    poll_now(app, now)

    add_entry(sandbox, seed.LISTS[FOUNDERS], RAJ_ID)  # before anyone follows its new entries
    next_second(now)
    assert "Following" in run(app, f'follow "{FOUNDERS}" new dm', user_id=BOB).text
    add_entry(sandbox, seed.LISTS[FOUNDERS], ELENA_ID)
    poll_now(app, now)
    poll_now(app, now)

    [post] = posts(fake_slack, BOB)
    text = str(post.params["blocks"])
    assert "Elena Volkova" in text and "added" in text
    assert "Raj Mehta" not in text
    assert posts(fake_slack, DEALS) == []  # the `stages` follower is told of neither


def test_a_second_new_follower_is_not_told_of_entries_added_before_they_followed(
    app: Any, fake_slack: Any, sandbox: Any, now: list[Any]
) -> None:
    connect_directly(app, ALICE, sandbox=sandbox)
    connect_directly(app, BOB, sandbox=sandbox)
    run(app, f'follow "{FOUNDERS}" new')
    poll_now(app, now)

    add_entry(sandbox, seed.LISTS[FOUNDERS], RAJ_ID)
    next_second(now)
    run(app, f'follow "{FOUNDERS}" new dm', user_id=BOB)
    add_entry(sandbox, seed.LISTS[FOUNDERS], ELENA_ID)
    poll_now(app, now)

    [deals] = posts(fake_slack, DEALS)
    assert "Raj Mehta" in str(deals.params["blocks"]) and "2 changes" in deals.text
    [dm] = posts(fake_slack, BOB)
    assert "Elena Volkova" in str(dm.params["blocks"]) and "Raj Mehta" not in str(dm.params)


def _nimbus_added_with_both_modes_followed(app: Any, sandbox: Any, now: list[Any]) -> Any:
    """#deals followed for stage moves (Alice) and new entries (Bob), then a colleague adds
    the deal "Nimbus - Series A" to the pipeline without a stage."""
    connect_directly(app, ALICE, sandbox=sandbox)
    connect_directly(app, BOB, sandbox=sandbox)
    run(app, 'follow "Series A Pipeline" stages')
    run(app, 'follow "Series A Pipeline" new', user_id=BOB)
    poll_now(app, now)

    with client_for(sandbox, seed.STANDARD_KEY) as affinity:
        deal = affinity.post(
            "/opportunities",
            {"name": "Nimbus - Series A", "list_id": seed.LISTS["Series A Pipeline"]},
        )
    return deal


def test_a_channel_following_a_list_in_two_modes_gets_one_line_per_change(
    app: Any, fake_slack: Any, sandbox: Any, now: list[Any]
) -> None:
    """A deal added to the pipeline with a stage is a new entry (`new`) and its first stage
    (`stages`): #deals, followed both ways, is told once."""
    deal = _nimbus_added_with_both_modes_followed(app, sandbox, now)
    control(
        sandbox,
        "act-as",
        {"as": "standard", "action": "stage", "opportunity_id": deal["id"], "stage": "IC"},
    )
    move_ic = {"as": "standard", "action": "stage", "opportunity_id": seed.ACME_DEAL_ID}
    control(sandbox, "act-as", {**move_ic, "stage": "IC"})
    poll_now(app, now)
    poll_now(app, now)

    [post] = posts(fake_slack, DEALS)
    text = str(post.params["blocks"])
    assert text.count("Nimbus") == 1 and "added at *IC*" in text
    assert "Acme" in text  # the stage move, told by the `stages` follower's subscription
    assert "2 changes" in post.text


def test_a_deal_added_without_a_stage_that_gets_one_later_is_told_as_a_move(
    app: Any, fake_slack: Any, sandbox: Any, now: list[Any]
) -> None:
    """Added (no stage) in one read, its first stage in a later one: the second line is a stage
    move, not a second "added"."""
    deal = _nimbus_added_with_both_modes_followed(app, sandbox, now)
    poll_now(app, now)
    next_second(now)
    control(
        sandbox,
        "act-as",
        {"as": "standard", "action": "stage", "opportunity_id": deal["id"], "stage": "IC"},
    )
    poll_now(app, now)

    added, staged = (str(p.params["blocks"]) for p in posts(fake_slack, DEALS))
    assert "Nimbus - Series A>* added" in added and "added at" not in added
    assert ":arrow_right: *<" in staged and "Nimbus - Series A>* → *IC* · Daniel Okafor" in staged
    assert "added" not in staged and ":new:" not in staged
