"""List subscriptions, what is found and how it is posted: an entry added with no stage reaches a
`new` follower, and a post Slack took just before the app crashed is not posted again."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from affinity_client.sandbox import seed
from bot.features.notifications import Poller
from bot.features.notifications.poller import EVENT_TYPE
from tests.bot.test_commands_support import ALICE, run
from tests.bot.test_commands_support import connect as connect_directly
from tests.bot.test_notifications import DEALS, FEATURES, move, poll, posts
from tests.client.sandbox_helpers import control

FOUNDERS = "Founders to Watch"  # a person list: its entries have no stage at all


@pytest.fixture
def now() -> list[Any]:
    from bot.services import utc_now

    return [utc_now()]


@pytest.fixture
def app(slack_app_factory: Any, now: list[Any]) -> Any:
    return slack_app_factory(features=FEATURES, clock=lambda: now[0])


def add_entry(sandbox: Any, list_id: int, entity_id: int) -> None:
    control(
        sandbox,
        "act-as",
        {"as": "standard", "action": "add-entry", "list_id": list_id, "entity_id": entity_id},
    )


def test_an_entry_added_with_no_stage_is_posted_to_a_new_follower_once(
    app: Any, fake_slack: Any, sandbox: Any, now: Any
) -> None:
    connect_directly(app, ALICE, sandbox=sandbox)
    assert "Following" in run(app, f'follow "{FOUNDERS}" new').text
    poll(app, now)  # nothing yet: the list's existing entries are not news
    assert posts(fake_slack, DEALS) == []

    add_entry(sandbox, seed.LISTS[FOUNDERS], seed.JANE_ID)
    poll(app, now)
    poll(app, now)

    [post] = posts(fake_slack, DEALS)
    text = str(post.params["blocks"])
    assert "Jane Smith" in text and "added" in text
    assert f"/persons/{seed.JANE_ID}|" in text


def test_new_mode_is_not_told_of_stage_moves(
    app: Any, fake_slack: Any, sandbox: Any, now: Any
) -> None:
    connect_directly(app, ALICE, sandbox=sandbox)
    run(app, 'follow "Series A Pipeline" new')
    move(sandbox, seed.ACME_DEAL_ID, "IC")
    poll(app, now)
    assert posts(fake_slack, DEALS) == []


@pytest.mark.parametrize("where", ["", " dm"])
def test_a_crash_after_slack_took_the_post_does_not_post_it_again(
    slack_app_factory: Any, fake_slack: Any, sandbox: Any, now: Any, monkeypatch: Any, where: str
) -> None:
    """In #deals, and in the follower's DM (whose history is the IM channel's)."""
    destination = ALICE if where else DEALS
    first = slack_app_factory(features=FEATURES, clock=lambda: now[0])
    connect_directly(first, ALICE, sandbox=sandbox)
    run(first, f'follow "Series A Pipeline" all{where}')
    move(sandbox, seed.ACME_DEAL_ID, "IC")

    class Crash(BaseException):
        """The process dies right after Slack answered, before the rows are marked sent."""

    def die(self: Any, rows: Any) -> None:
        raise Crash

    monkeypatch.setattr(Poller, "_mark_sent", die)
    now[0] += timedelta(seconds=first.settings.notify_poll_seconds + 1)
    with pytest.raises(Crash):
        Poller(first.services).tick()
    [post] = posts(fake_slack, destination)
    assert post.params["metadata"]["event_type"] == EVENT_TYPE
    first.stop()
    monkeypatch.undo()

    second = slack_app_factory(
        features=FEATURES, clock=lambda: now[0], database_url=first.database_url
    )
    now[0] += timedelta(minutes=3)  # the dead process's lease on the channel has run out
    poll(second, now)
    poll(second, now)

    assert len(posts(fake_slack, destination)) == 1  # found in its history, not repeated
    assert fake_slack.calls("conversations.history")
    move(sandbox, seed.ACME_DEAL_ID, "Term Sheet")
    poll(second, now)
    assert len(posts(fake_slack, destination)) == 2  # and the next change is posted as usual
