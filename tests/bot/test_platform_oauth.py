"""OAuth installs into the shared database, and cleanup when a workspace uninstalls the app."""

from __future__ import annotations

import logging
import time
from urllib.parse import parse_qs, urlparse

import pytest
from slack_sdk.oauth.installation_store import Installation

from bot.features import platform

TEAM = "T0FAKE001"


@pytest.fixture
def oauth_app(slack_app_factory):
    return slack_app_factory(
        features=[platform],
        with_sandbox=False,
        slack_bot_token=None,
        slack_client_id="1111.2222",
        slack_client_secret="oauth-client-secret",
    )


def install(app, team_id: str = TEAM) -> None:
    app.installation_store.save(
        Installation(
            app_id="AFAKEAPP1",
            team_id=team_id,
            user_id="UINSTALLER1",
            bot_token=f"xoxb-installed-{team_id}",
            bot_id="BFAKEBOT1",
            bot_user_id="UFAKEBOT1",
            bot_scopes=["commands", "chat:write"],
        )
    )


def wait_until(condition, timeout: float = 5.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.02)
    return condition()


def test_the_oauth_mode_is_selected(oauth_app):
    assert oauth_app.settings.mode == "http-oauth"
    assert oauth_app.app.oauth_flow is not None


def test_a_workspace_installs_through_oauth_and_the_bot_is_stored(oauth_app, fake_slack):
    http = oauth_app.slack.http
    start = http.get(oauth_app.url + "/slack/install")
    assert start.status_code == 200
    state = start.cookies.get("slack-app-oauth-state")
    assert state

    http.cookies.set("slack-app-oauth-state", state)
    callback = http.get(
        oauth_app.url + "/slack/oauth_redirect", params={"code": "fake-code", "state": state}
    )

    assert callback.status_code == 200, callback.text
    exchange = fake_slack.wait_for("oauth.v2.access")
    assert exchange.params["code"] == "fake-code"
    bot = oauth_app.app.installation_store.find_bot(enterprise_id=None, team_id=TEAM)
    assert bot is not None and bot.bot_token.startswith("xoxb-fake-")


def test_a_forged_oauth_state_installs_nothing(oauth_app, fake_slack):
    callback = oauth_app.slack.http.get(
        oauth_app.url + "/slack/oauth_redirect", params={"code": "x", "state": "forged"}
    )

    assert callback.status_code == 400
    assert fake_slack.calls("oauth.v2.access") == []


def test_install_link_points_at_slack_with_our_scopes(oauth_app):
    from bot.app import BOT_SCOPES

    page = oauth_app.slack.http.get(oauth_app.url + "/slack/install").text
    start = page.index("https://slack.com/oauth/v2/authorize")
    url = page[start : page.index('"', start)].replace("&amp;", "&")
    query = parse_qs(urlparse(url).query)
    assert query["client_id"] == ["1111.2222"]
    assert query["scope"][0].split(",") == BOT_SCOPES


def test_uninstalling_deletes_the_workspace_installation(oauth_app, caplog):
    caplog.set_level(logging.INFO, logger="bot")
    store = oauth_app.app.installation_store
    install(oauth_app.app)
    install(oauth_app.app, "T0OTHER01")

    assert oauth_app.slack.app_uninstalled().status_code == 200

    assert wait_until(lambda: store.find_bot(enterprise_id=None, team_id=TEAM) is None)
    assert store.find_bot(enterprise_id=None, team_id="T0OTHER01") is not None
    assert wait_until(lambda: "uninstalled from team T0FAKE001" in caplog.text)


def test_revoked_bot_tokens_delete_the_bot(oauth_app, caplog):
    caplog.set_level(logging.INFO, logger="bot")
    store = oauth_app.app.installation_store
    install(oauth_app.app)

    oauth_app.slack.tokens_revoked(bot=["UFAKEBOT1"])

    assert wait_until(lambda: store.find_bot(enterprise_id=None, team_id=TEAM) is None)
    assert wait_until(lambda: "tokens revoked in team T0FAKE001" in caplog.text)


def test_an_event_from_a_workspace_that_never_installed_is_refused(oauth_app, fake_slack):
    sent = oauth_app.slack.as_user("U0BOB0001", team_id="T0NOBODY1").message_im("hi")

    assert sent.status_code == 200  # Bolt acks and drops it; nothing is posted
    time.sleep(0.2)
    assert fake_slack.calls("chat.postMessage") == []


def test_single_workspace_uninstall_is_logged(slack_app_factory, caplog):
    harness = slack_app_factory(features=[platform], with_sandbox=False)

    harness.slack.app_uninstalled()

    assert wait_until(lambda: "its bot token no longer works" in caplog.text)
