"""The whole app (every feature): `/affinity connect`, `status`, `disconnect` and a key revoked
in the middle of a session, through signed slash commands."""

from __future__ import annotations

import time

from affinity_client.sandbox import seed
from bot.blocks import actions as ids
from tests.bot.test_connect import account, connect_as

ADMIN = seed.USERS[0]


def answer(fake_slack, sent, predicate=lambda c: True, timeout: float = 10):
    return fake_slack.wait_for(
        "response_url",
        lambda c: c.response_id == sent.response_id and predicate(c),
        timeout=timeout,
    )


def test_connect_status_revoke_reconnect_through_slash_commands(slack_app, fake_slack, sandbox):
    slack = slack_app.slack
    sent = slack.command("connect")
    assert sent.status_code == 200
    view = fake_slack.wait_for("views.open", lambda c: c["trigger_id"] == sent.trigger_id)
    assert view["view"]["callback_id"] == ids.CONNECT_MODAL
    connect_as(slack_app, slack, fake_slack, ADMIN["api_key"])

    status = slack.command("status")
    assert "Maya Patel" in answer(fake_slack, status).text

    assert slack.command("lists").status_code == 200
    sandbox.state.revoke_key(ADMIN["api_key"])
    failing = [slack.command("lists") for _ in range(3)]
    for sent in failing:
        assert (
            "Reconnect" in answer(fake_slack, sent).text
            or "reconnect" in answer(fake_slack, sent).text.lower()
        )
    time.sleep(0.3)
    dms = [
        c
        for c in fake_slack.calls("chat.postMessage")
        if c["channel"] == slack.user_id and "stopped working" in c.text
    ]
    assert len(dms) == 1
    assert account(slack_app, slack).status == "REVOKED"
    status = slack.command("status")
    assert "stopped working" in answer(fake_slack, status).text

    sandbox.state.restore_key(ADMIN["api_key"])
    connect_as(slack_app, slack, fake_slack, ADMIN["api_key"])
    disconnect = slack.command("disconnect")
    assert "Disconnect" in answer(fake_slack, disconnect).text
    assert account(slack_app, slack).status == "ACTIVE"
    assert ADMIN["api_key"] not in "\n".join(repr(c.params) for c in fake_slack.calls())
