"""App Home: the connection's buttons, a button to the assistant, and recent activity that
names the records each call was about, linked into Affinity."""

from __future__ import annotations

from typing import Any

import pytest

from affinity_client.sandbox import seed
from bot.erasure import erase_read_data
from bot.features import activity, assistant_pane, commands, connect, home, platform
from bot.features.activity import ActivityRecords
from bot.features.assistant_pane import OPEN_ASSISTANT
from tests.bot.test_conversation_support import connect as connect_user

FEATURES = [platform, connect, home, commands, assistant_pane, activity]


@pytest.fixture
def app(slack_app_factory: Any) -> Any:
    return slack_app_factory(features=FEATURES)


def buttons(call: Any) -> dict[str, dict[str, Any]]:
    found = {}
    for block in call.params["view"]["blocks"]:
        for element in [*(block.get("elements") or []), block.get("accessory") or {}]:
            if element.get("type") == "button":
                found[element["action_id"]] = element
    return found


def test_the_home_offers_connect_then_disconnect_and_always_the_assistant(app, sandbox):
    slack, fake = app.slack, app.fake
    slack.app_home_opened()
    first = fake.wait_for("views.publish")
    assert "affinity_connect" in buttons(first) and "affinity_disconnect" not in buttons(first)
    opener = buttons(first)[OPEN_ASSISTANT]
    assert opener["url"] == f"https://slack.com/app_redirect?app={fake.app_id}&team={slack.team_id}"
    assert slack.block_action(OPEN_ASSISTANT, view={"type": "home"}).status_code == 200

    connect_user(app, slack.user_id, sandbox=sandbox)
    slack.app_home_opened()
    second = fake.wait_for("views.publish", lambda c: c is not first)
    assert "affinity_disconnect" in buttons(second) and "affinity_connect" not in buttons(second)


def test_recent_activity_names_the_records_with_links(app, sandbox):
    slack, fake = app.slack, app.fake
    identifier = connect_user(app, slack.user_id, sandbox=sandbox)
    slack.command("org acme")
    fake.wait_for("response_url", lambda c: "Acme" in c.text, timeout=10)
    slack.app_home_opened()

    shown = fake.wait_for("views.publish", lambda c: "Recent activity" in c.text)
    line = next(line for line in shown.text.splitlines() if "“acme”" in line)
    assert f"<https://northwind.affinity.co/companies/{seed.ACME_ORG_ID}|Acme>" in line

    erase_read_data(app.services.engine, identifier)  # disconnecting erases the names too
    store = ActivityRecords(app.services.engine, app.services.clock)
    assert (
        store.by_reference(
            identifier, [r["reference"] for r in app.services.connector.recent_activity(identifier)]
        )
        == {}
    )
