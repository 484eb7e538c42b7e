"""Affinity link previews: link_shared -> chat.unfurl with a card read with the sharer's key;
no preview for someone not connected, for a private list's deal, or when an admin turned them
off (from the admin's App Home)."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest

from affinity_client.sandbox import seed
from bot.features import connect, home, platform, unfurls, workspace_admin
from bot.features.assistant_pane import PaneStore
from bot.features.unfurls.links import parse_link
from bot.features.workspace_admin import TOGGLE_PREVIEWS
from tests.bot.test_conversation_support import connect as connect_user
from tests.bot.test_conversation_support import wait_until

BASE = f"https://{seed.TENANT['subdomain']}.affinity.co"


@pytest.fixture
def app(slack_app_factory: Any) -> Any:
    return slack_app_factory(features=[platform, connect, home, unfurls, workspace_admin])


def test_urls_of_people_organizations_deals_and_lists_are_recognised():
    assert parse_link(f"{BASE}/persons/12").kind == "person"
    assert parse_link("https://affinity.co/companies/7/notes").kind == "organization"
    assert parse_link(f"{BASE}/opportunities/3").id == 3
    assert parse_link(f"{BASE}/lists/201").kind == "list"
    assert parse_link("https://evil.example/companies/7") is None
    assert parse_link("https://notaffinity.co/companies/7") is None
    assert parse_link(f"{BASE}/settings") is None


def test_a_shared_link_is_previewed_with_the_sharers_key(app, sandbox):
    slack, fake = app.slack, app.fake
    connect_user(app, slack.user_id, sandbox=sandbox)
    org_url, deal_url = (
        f"{BASE}/companies/{seed.ACME_ORG_ID}",
        f"{BASE}/opportunities/{seed.ACME_DEAL_ID}",
    )
    person_url, list_url = (
        f"{BASE}/persons/{seed.JANE_ID}",
        f"{BASE}/lists/{seed.LISTS['Series A Pipeline']}",
    )
    sent = slack.link_shared(org_url, deal_url, person_url, list_url)

    call = fake.wait_for("chat.unfurl")
    assert call["channel"] == slack.channel_id and call["ts"] == sent.payload["event"]["message_ts"]
    cards = {url: json.dumps(card) for url, card in call["unfurls"].items()}
    assert set(cards) == {org_url, deal_url, person_url, list_url}
    assert "Acme" in cards[org_url] and "Organization" in cards[org_url]
    assert "Deal in Series A Pipeline" in cards[deal_url]
    assert "Jane Smith" in cards[person_url]
    assert "Series A Pipeline" in cards[list_url] and "Deal list" in cards[list_url]


def test_someone_not_connected_gets_a_private_connect_prompt_and_no_preview(app):
    slack, fake = app.slack, app.fake
    slack.link_shared(f"{BASE}/companies/{seed.ACME_ORG_ID}")

    prompt = fake.wait_for("chat.postEphemeral", lambda c: c["user"] == slack.user_id)
    assert "Connect Affinity" in prompt.text
    time.sleep(0.2)
    assert fake.calls("chat.unfurl") == []


def test_a_deal_on_a_private_list_is_never_previewed_in_a_channel(app, sandbox):
    slack, fake = app.slack, app.fake
    connect_user(app, slack.user_id, sandbox=sandbox)  # the admin key sees the private list
    secret = next(
        o["id"]
        for o in sandbox.state.opportunities.values()
        if o["list_id"] == seed.PRIVATE_LIST_ID
    )
    public_url = f"{BASE}/companies/{seed.ACME_ORG_ID}"
    slack.link_shared(
        f"{BASE}/opportunities/{secret}", f"{BASE}/lists/{seed.PRIVATE_LIST_ID}", public_url
    )

    call = fake.wait_for("chat.unfurl")
    assert list(call["unfurls"]) == [public_url]
    assert seed.PRIVATE_LIST_NAME not in json.dumps(call.params)


def test_an_admin_turns_previews_off_from_the_app_home(app, sandbox):
    slack, fake = app.slack, app.fake
    connect_user(app, slack.user_id, sandbox=sandbox)
    fake.set_user(slack.user_id, is_admin=True)
    ratings = PaneStore(app.services.engine, app.services.clock)
    ratings.record_feedback(slack.team_id, "U0BOB0001", "D0BOB0001", "1.1", "1.2", "good")
    ratings.record_feedback(slack.team_id, "U0CAROL01", "D0CAROL01", "2.1", "2.2", "bad")
    ratings.record_feedback("T0OTHER01", "U0DAN0001", "D0DAN0001", "3.1", "3.2", "bad")
    slack.app_home_opened()
    shown = fake.wait_for("views.publish", lambda c: "Workspace settings" in c.text)
    assert "previews* are *on*" in shown.text
    assert "1 good" in shown.text and "1 bad" in shown.text  # this workspace's ratings only

    slack.block_action(TOGGLE_PREVIEWS, "off", view={"type": "home"})
    fake.wait_for("views.publish", lambda c: "previews* are *off*" in c.text)
    slack.link_shared(f"{BASE}/companies/{seed.ACME_ORG_ID}")
    time.sleep(0.3)
    assert fake.calls("chat.unfurl") == []


def test_someone_who_is_not_an_admin_sees_no_settings_and_cannot_change_them(app, sandbox):
    slack, fake = app.slack, app.fake
    connect_user(app, slack.user_id, sandbox=sandbox)
    slack.app_home_opened()
    shown = fake.wait_for("views.publish")
    assert "Workspace settings" not in shown.text

    slack.block_action(TOGGLE_PREVIEWS, "off", view={"type": "home"})  # forged
    fake.wait_for("chat.postMessage", lambda c: "Only a Slack workspace admin" in c.text)
    slack.link_shared(f"{BASE}/companies/{seed.ACME_ORG_ID}")
    wait_until(lambda: fake.calls("chat.unfurl"))


def test_a_link_still_being_typed_is_previewed_in_the_composer(app, sandbox):
    slack, fake = app.slack, app.fake
    connect_user(app, slack.user_id, sandbox=sandbox)
    url = f"{BASE}/companies/{seed.ACME_ORG_ID}"
    sent = slack.link_shared(url, source="composer")

    call = fake.wait_for("chat.unfurl")
    assert call["unfurl_id"] == sent.payload["event"]["unfurl_id"]
    assert call["source"] == "composer" and "channel" not in call.params
    assert list(call["unfurls"]) == [url]
