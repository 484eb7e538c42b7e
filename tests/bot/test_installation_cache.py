"""OAuth mode: an installed workspace's requests are authorized from memory, before the ack.

The first request from a workspace reads its bot from the database and asks Slack `auth.test`
once; the next ones do neither. Uninstalling through this process stops the token at once; an
uninstall handled by another process is seen within `INSTALLATION_CACHE_SECONDS`; a workspace
that installs (anywhere) is served at once.
"""

from __future__ import annotations

import pytest
from slack_sdk.oauth.installation_store import Bot
from sqlalchemy import event

from bot.features import commands, platform
from bot.middleware.installations import CachedInstallationStore
from bot.models import BOTS_TABLE
from tests.bot.test_conversation_support import wait_until
from tests.bot.test_platform_oauth import TEAM, install


@pytest.fixture
def oauth_app(slack_app_factory):
    return slack_app_factory(
        features=[platform, commands],
        with_sandbox=False,
        slack_bot_token=None,
        slack_client_id="1111.2222",
        slack_client_secret="oauth-client-secret",
    )


@pytest.fixture
def bot_reads(oauth_app) -> list[str]:
    """SQL statements that read the installed bots, as they run."""
    reads: list[str] = []

    @event.listens_for(oauth_app.services.engine, "before_cursor_execute")
    def record(conn, cursor, statement, parameters, context, executemany):
        if statement.lstrip().upper().startswith("SELECT") and BOTS_TABLE in statement:
            reads.append(statement)

    yield reads
    event.remove(oauth_app.services.engine, "before_cursor_execute", record)


def help_answered(fake_slack, sent) -> bool:
    said = fake_slack.responses(sent.response_id)
    return bool(said) and "/affinity" in said[0].text


def test_an_installed_workspace_is_authorized_once_then_from_memory(
    oauth_app, fake_slack, bot_reads
):
    install(oauth_app.app)
    first = oauth_app.slack.command("help")
    assert wait_until(lambda: help_answered(fake_slack, first))
    reads = len(bot_reads)
    assert reads > 0

    sent = [oauth_app.slack.command("help") for _ in range(3)]

    assert [s.status_code for s in sent] == [200] * 3
    for one in sent:
        assert wait_until(lambda one=one: help_answered(fake_slack, one))
    assert len(fake_slack.calls("auth.test")) == 1
    assert len(bot_reads) == reads


def test_an_uninstall_stops_the_token_at_once_and_a_new_install_is_served(oauth_app, fake_slack):
    install(oauth_app.app)
    first = oauth_app.slack.command("help")
    assert wait_until(lambda: help_answered(fake_slack, first))

    oauth_app.slack.app_uninstalled()
    store = oauth_app.app.installation_store
    assert wait_until(lambda: store.find_bot(enterprise_id=None, team_id=TEAM) is None)
    refused = oauth_app.slack.command("help")

    assert wait_until(lambda: fake_slack.responses(refused.response_id))
    assert not help_answered(fake_slack, refused)
    assert "install" in fake_slack.responses(refused.response_id)[0].text.lower()

    install(oauth_app.app)  # installed again
    again = oauth_app.slack.command("help")
    assert wait_until(lambda: help_answered(fake_slack, again))


class CountingStore(CachedInstallationStore):
    """The inner store: one bot per team, and how often it was asked."""

    def __init__(self) -> None:
        self.bots: dict[str, Bot] = {}
        self.asked = 0

    def find_bot(self, *, enterprise_id, team_id, is_enterprise_install=False):
        self.asked += 1
        return self.bots.get(team_id)

    def delete_bot(self, *, enterprise_id, team_id):
        self.bots.pop(team_id, None)


def a_bot(team_id: str, token: str) -> Bot:
    return Bot(
        team_id=team_id,
        bot_token=token,
        bot_id="B1",
        bot_user_id="U1",
        installed_at=0.0,
    )


def test_a_bot_deleted_by_another_process_is_forgotten_after_the_cache_time():
    inner, now = CountingStore(), [0.0]
    cached = CachedInstallationStore(inner, ttl=60, clock=lambda: now[0])
    inner.bots["T1"] = a_bot("T1", "xoxb-old")

    assert cached.find_bot(enterprise_id=None, team_id="T1").bot_token == "xoxb-old"
    del inner.bots["T1"]  # another process handled the uninstall
    now[0] = 59.0
    assert cached.find_bot(enterprise_id=None, team_id="T1").bot_token == "xoxb-old"
    now[0] = 60.0
    assert cached.find_bot(enterprise_id=None, team_id="T1") is None
    assert inner.asked == 2


def test_a_workspace_not_installed_is_not_remembered():
    inner = CountingStore()
    cached = CachedInstallationStore(inner, ttl=60, clock=lambda: 0.0)

    assert cached.find_bot(enterprise_id=None, team_id="T2") is None
    inner.bots["T2"] = a_bot("T2", "xoxb-new")  # installed through another process

    assert cached.find_bot(enterprise_id=None, team_id="T2").bot_token == "xoxb-new"


def test_a_delete_through_the_cache_is_seen_at_once():
    inner = CountingStore()
    cached = CachedInstallationStore(inner, ttl=60, clock=lambda: 0.0)
    inner.bots["T3"] = a_bot("T3", "xoxb-3")
    cached.find_bot(enterprise_id=None, team_id="T3")

    cached.delete_bot(enterprise_id=None, team_id="T3")

    assert cached.find_bot(enterprise_id=None, team_id="T3") is None
