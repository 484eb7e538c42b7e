"""A Slack user links an agent identifier to their own account in the connect modal opened by
`/affinity link-agent`, and only there: agents naming it then run with that user's key, through
the same connector."""

from __future__ import annotations

import pytest

from bot.adapters.accounts import AccountProblem, add
from bot.adapters.catalog import AccountNotConnected
from bot.adapters.commands import accounts_status
from bot.adapters.langchain import get_tools
from bot.blocks import actions as ids
from bot.features import commands, mcp_tokens
from bot.features.connect import disconnect
from tests.adapters.conftest import ADMIN, STANDARD, connect
from tests.bot.test_connect import MY_FEATURES, connect_as, ident

LINKED = "ana@firm.com"


@pytest.fixture
def harness(slack_app_factory):
    return slack_app_factory(features=[*MY_FEATURES, mcp_tokens, commands])


def values(key: str, link: str) -> dict:
    text = {"type": "plain_text_input"}
    return {
        ids.API_KEY_BLOCK: {ids.API_KEY_ACTION: {**text, "value": key}},
        ids.LINK_BLOCK: {ids.LINK_ACTION: {**text, "value": link}},
    }


def submit(slack, key: str, link: str):
    return slack.view_submission(ids.CONNECT_MODAL, values(key, link))


def link_error(sent) -> str:
    body = sent.json()
    assert body["response_action"] == "errors"
    return body["errors"][ids.LINK_BLOCK]


def test_a_linked_identifier_runs_with_the_slack_users_key(harness, fake_slack, sandbox, capsys):
    slack, services = harness.slack, harness.services
    assert submit(slack, ADMIN["api_key"], LINKED).status_code == 200
    fake_slack.wait_for("chat.postMessage", lambda c: "connected as" in c.text, timeout=10)
    tool = get_tools(LINKED, services=services)[0]
    assert "jane" in tool.invoke({"term": "jane"}).lower()
    home = fake_slack.wait_for("views.publish", lambda c: "Your agents" in c.text, timeout=10)
    assert f"`{LINKED}`" in home.text  # shown on their App Home
    activity = services.connector.recent_activity(ident(slack))
    assert activity[0]["tool"] == tool.name  # audited as the Slack user's own call
    with pytest.raises(AccountProblem, match="linked to a Slack user"):  # not from the CLI
        add(services, LINKED, STANDARD["api_key"])
    assert accounts_status(services, LINKED) == 0
    assert f"linked to the Slack account {ident(slack)}" in capsys.readouterr().out
    sandbox.state.revoke_key(ADMIN["api_key"])
    with pytest.raises(AccountNotConnected, match="/affinity connect"):
        tool.invoke({"term": "jane"})


def test_the_modal_refuses_a_bad_or_taken_identifier_and_stores_nothing(harness, fake_slack):
    slack, services = harness.slack, harness.services
    assert "not a valid identifier" in link_error(submit(slack, ADMIN["api_key"], "T1:U1"))
    assert "not a valid identifier" in link_error(submit(slack, ADMIN["api_key"], "a b"))
    assert services.connector.account(ident(slack)) is None
    connect(services, "svc_bot", STANDARD)
    assert "account of its own" in link_error(submit(slack, ADMIN["api_key"], "svc_bot"))
    other = slack.as_user("U0OTHER01")
    assert submit(other, STANDARD["api_key"], LINKED).status_code == 200
    fake_slack.wait_for("chat.postMessage", lambda c: "connected as" in c.text, timeout=10)
    assert "someone else" in link_error(submit(slack, ADMIN["api_key"], LINKED))
    assert services.connector.account(ident(slack)) is None


def test_link_agent_opens_the_connect_modal_asking_for_the_identifier(harness, fake_slack):
    slack = harness.slack
    assert slack.command("link-agent").status_code == 200
    view = fake_slack.wait_for("views.open")["view"]
    assert view["callback_id"] == ids.CONNECT_MODAL
    inputs = [b["block_id"] for b in view["blocks"] if b["type"] == "input"]
    assert inputs == [ids.API_KEY_BLOCK, ids.LINK_BLOCK]


def test_disconnecting_in_slack_unlinks(harness, fake_slack):
    slack, services = harness.slack, harness.services
    connect_as(harness, slack, fake_slack, ADMIN["api_key"])  # the plain modal links nothing
    assert submit(slack, ADMIN["api_key"], LINKED).status_code == 200
    assert get_tools(LINKED, services=services)
    disconnect(services, ident(slack))
    with pytest.raises(AccountNotConnected, match="never been connected"):
        get_tools(LINKED, services=services)


def test_an_agent_finding_a_slack_users_key_revoked_sends_them_the_reconnect_dm(
    database_url, sandbox, fake_slack, vault_keyring
):
    from bot.adapters.slack_notices import announce_revocations
    from bot.config import Settings
    from bot.connector import identifier_for
    from bot.services import Services
    from tests.plugins.slack import BOT_TOKEN

    settings = Settings(
        database_url=database_url,
        affinity_base_url=sandbox.base_url,
        slack_bot_token=BOT_TOKEN,
        slack_api_url=fake_slack.api_url,
    )
    services = Services.build(settings, keyring=vault_keyring)
    try:
        assert announce_revocations(services)
        slack_user = identifier_for("T0TEAM001", "U0ANA0001")
        connect(services, slack_user, ADMIN)
        tool = get_tools(slack_user, services=services)[0]
        sandbox.state.revoke_key(ADMIN["api_key"])
        with pytest.raises(AccountNotConnected, match="/affinity connect"):
            tool.invoke({"term": "jane"})
        fake_slack.wait_for("chat.postMessage", lambda c: c["channel"] == "U0ANA0001")
    finally:
        services.close()
