"""`/affinity mcp-token`: a personal MCP token shown once in a private modal, listed on App Home
with a Revoke button, never in a message."""

from __future__ import annotations

import importlib
import re

import pytest

from bot.adapters.tokens import TokenStore
from bot.connector import identifier_for
from bot.features.mcp_tokens import REVOKE
from tests.bot.test_commands_support import ALICE, CAROL, connect

FEATURES = ["platform", "connect", "home", "mcp_tokens", "commands"]


@pytest.fixture
def app(slack_app_factory):
    return slack_app_factory(
        features=[importlib.import_module(f"bot.features.{name}") for name in FEATURES]
    )


def store(app) -> TokenStore:
    return TokenStore(app.services.engine, app.services.clock)


def home_of(fake_slack, user_id: str, after: int) -> dict:
    call = fake_slack.wait_for(
        "views.publish",
        lambda c: (
            c["user_id"] == user_id
            and len(fake_slack.calls("views.publish")) > after
            and c is fake_slack.calls("views.publish")[-1]
        ),
    )
    return call["view"]


def test_token_is_shown_once_in_a_modal_listed_on_home_and_revoked_there(app, fake_slack, sandbox):
    identifier = connect(app, ALICE, sandbox=sandbox)
    slack = app.slack.as_user(ALICE)
    published = len(fake_slack.calls("views.publish"))
    assert slack.command("mcp-token laptop").status_code == 200
    modal = fake_slack.wait_for("views.open", lambda c: "MCP token" in str(c["view"]))
    token = re.search(r"afmcp_[A-Za-z0-9_\-]+", str(modal["view"])).group(0)
    assert store(app).identifier_for(token) == identifier
    home = home_of(fake_slack, slack.user_id, published)
    assert "MCP tokens: each acts" in str(home) and "laptop" in str(home)
    fake_slack.wait_for("response_url", lambda c: "window that just opened" in str(c.params))
    # shown once: in no message, no response, no Home
    for call in fake_slack.calls():
        if call.method != "views.open":
            assert token not in str(call.params), call.method
    token_id = store(app).list(identifier)[0].id
    published = len(fake_slack.calls("views.publish"))
    assert slack.block_action(REVOKE, token_id, view=home).status_code == 200
    home = home_of(fake_slack, slack.user_id, published)
    assert "MCP tokens: each acts" not in str(home)
    assert store(app).identifier_for(token) is None


def test_a_user_without_a_key_is_told_to_connect_first(app, fake_slack):
    slack = app.slack.as_user(CAROL)
    assert slack.command("mcp-token").status_code == 200
    fake_slack.wait_for("response_url", lambda c: "Connect your Affinity key" in str(c.params))
    assert not fake_slack.calls("views.open")
    assert store(app).list(identifier_for(slack.team_id, slack.user_id)) == []


def test_one_user_cannot_revoke_anothers_token(app):
    mine, info = store(app).create("T1:UMINE", "x", via="slack")
    assert not store(app).revoke("T1:UOTHER", info.id)
    assert store(app).identifier_for(mine) == "T1:UMINE"


def test_without_a_slash_command_no_token_is_made(app, sandbox):
    from bot.features.mcp_tokens import SLASH_ONLY, create_token

    identifier = connect(app, ALICE, sandbox=sandbox)
    message = create_token(app.services, None, None, identifier, "from a DM")
    assert message["text"] == SLASH_ONLY
    assert store(app).list(identifier) == []
