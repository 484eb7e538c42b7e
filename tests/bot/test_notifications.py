"""List subscriptions: `/affinity follow` posts a list's changes, once per destination, read with
the subscriber's own key; private lists, revoked keys and downtime are handled as a user expects."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from affinity_client import AffinityClient, run_tool
from affinity_client.sandbox import seed
from bot.features import commands, connect, notifications, platform
from bot.features.notifications import JOB
from bot.services import utc_now
from tests.bot.test_commands_support import ALICE, BOB, run
from tests.bot.test_commands_support import connect as connect_directly
from tests.client.sandbox_helpers import control

FEATURES = [platform, connect, commands, notifications]
DEALS = "C0DEALS01"
PRIVATE = seed.PRIVATE_LIST_NAME


@pytest.fixture
def now() -> list[Any]:
    return [utc_now()]


@pytest.fixture
def app(slack_app_factory, now):
    return slack_app_factory(features=FEATURES, clock=lambda: now[0])


def move(sandbox: Any, deal_id: int, stage: str, key: str = seed.STANDARD_KEY) -> None:
    """A colleague moves a deal in Affinity (with their own key)."""
    client = AffinityClient(key, base_url=sandbox.base_url)
    try:
        run_tool(
            client,
            "affinity_update_field_values",
            {"opportunity_id": deal_id, "values": [{"field": "Status", "value": stage}]},
        )
    finally:
        client.close()


def poll(harness: Any, now: list[Any]) -> None:
    """The next poll is due: the scheduler's tick runs in this thread."""
    now[0] += timedelta(seconds=harness.settings.notify_poll_seconds + 1)
    harness.services.background.run_once(JOB)


def posts(fake_slack: Any, channel: str) -> list[Any]:
    return [c for c in fake_slack.calls("chat.postMessage") if c["channel"] == channel]


def test_a_followed_list_posts_a_stage_move_once_with_a_link(app, fake_slack, sandbox, now):
    connect_directly(app, ALICE, sandbox=sandbox)
    said = run(app, 'follow "Series A Pipeline"')
    assert "Following *Series A Pipeline* (stage moves) in <#C0DEALS01>" in said.text

    move(sandbox, seed.ACME_DEAL_ID, "IC")
    poll(app, now)
    poll(app, now)

    [post] = posts(fake_slack, DEALS)
    text = str(post.params["blocks"])
    assert "Acme" in text and "IC" in text and "Daniel" in text
    assert f"/opportunities/{seed.ACME_DEAL_ID}|" in text  # linked into Affinity


def test_several_changes_in_one_poll_come_as_one_message(app, fake_slack, sandbox, now):
    connect_directly(app, ALICE, sandbox=sandbox)
    run(app, 'follow "Series A Pipeline" all')
    move(sandbox, seed.ACME_DEAL_ID, "IC")
    move(sandbox, seed.ACME_DEAL_ID, "Term Sheet")
    poll(app, now)

    [post] = posts(fake_slack, DEALS)
    assert "2 changes" in post.text
    text = str(post.params["blocks"])
    assert text.index("*IC*") < text.index("*Term Sheet*")  # oldest first
