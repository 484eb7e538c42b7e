"""Uninstalling the app from a workspace erases what it holds for that workspace's people."""

from __future__ import annotations

from affinity_client.sandbox import seed
from bot.connector import CONNECTION
from bot.features import connect, home, platform, revocation
from tests.bot.test_connect import (
    connect_as,
    ident,
    pin_tenant_reply,
    remember_a_thread,
)
from tests.bot.test_conversation_support import wait_until

ADMIN_KEY = seed.ADMIN_KEY
STANDARD_KEY = seed.STANDARD_KEY


def test_uninstall_erases_the_workspaces_keys_pin_and_conversations(slack_app_factory, fake_slack):
    harness = slack_app_factory(features=[platform, connect, home, revocation])
    services = harness.services
    here = harness.slack
    elsewhere = here.as_user("U0OTHER01", team_id="T0OTHER01")
    connect_as(harness, here, fake_slack, ADMIN_KEY)
    connect_as(harness, elsewhere, fake_slack, STANDARD_KEY)
    fake_slack.set_user(here.user_id, is_admin=True)
    pin_tenant_reply(services, harness.app.client, here.team_id, here.user_id, ident(here))
    memory_here = remember_a_thread(harness, ident(here))
    memory_elsewhere = remember_a_thread(harness, ident(elsewhere))
    assert connect.pinned_tenant(services, here.team_id) is not None

    assert here.app_uninstalled().status_code == 200

    assert wait_until(lambda: services.vault.get_account(CONNECTION, ident(here)) is None)
    assert wait_until(lambda: memory_here() == [])
    assert connect.pinned_tenant(services, here.team_id) is None
    # another workspace's people keep their connection and their conversations
    assert services.vault.get_account(CONNECTION, ident(elsewhere)).status == "ACTIVE"
    assert memory_elsewhere() != []
