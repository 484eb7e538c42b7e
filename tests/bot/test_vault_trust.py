"""What the app tells people when the vault cannot trust or read a stored key.

- A master key id this process does not hold is the operator's mistake: the account stays
  ACTIVE, the user gets one line, the workspace's admin one DM an hour (and an ERROR log).
- A profile edited in the database is tampering: never shown, never linked to, and the user is
  told the stored key "could not be verified", never that Affinity revoked it.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import pytest
from sqlalchemy import update

from affinity_client.sandbox import seed
from bot.connector import CONNECTION, ConfigurationProblem, identifier_for
from bot.features import admin_alerts, commands, connect, home, platform, revocation
from bot.services import utc_now
from tests.bot.test_commands_support import ALICE, run
from tests.bot.test_commands_support import connect as connect_directly
from tests.vault.conftest import keyring_of
from vault import UNVERIFIABLE_REASON, AffinityProfile, Vault
from vault.models import AccountRow

OWNER, ADMIN_USER = "U0OWNER01", "U0ADMIN02"
ADMIN, _STANDARD, _REVOKED = seed.USERS[:3]


@pytest.fixture
def app(slack_app_factory):
    return slack_app_factory(features=[platform, connect, home, revocation, commands])


def maya() -> AffinityProfile:
    return AffinityProfile(
        ADMIN["person_id"],
        f"{ADMIN['first_name']} {ADMIN['last_name']}",
        ADMIN["email"],
        seed.TENANT["id"],
        seed.TENANT["name"],
        seed.TENANT["subdomain"],
    )


def dms_to(fake_slack, user_id: str) -> list:
    return [c for c in fake_slack.calls("chat.postMessage") if c["channel"] == user_id]


def test_a_missing_master_key_keeps_the_account_and_tells_the_admin_once_an_hour(
    app, fake_slack, caplog
):
    fake_slack.set_user(ADMIN_USER, is_admin=True)
    fake_slack.set_user(OWNER, is_admin=True, is_owner=True, is_primary_owner=True)
    identifier = identifier_for(app.slack.team_id, ALICE)
    elsewhere = keyring_of("k-elsewhere")  # sealed by a process whose keys this one lacks
    Vault(app.services.engine, elsewhere).connect(CONNECTION, identifier, ADMIN["api_key"], maya())
    caplog.set_level(logging.ERROR, logger="bot.connector")

    replies = [run(app, "person jane smith") for _ in range(3)]

    for reply in replies:
        said = reply.text.lower()
        assert "configuration has a problem" in said and "admins have been told" in said
        assert "revoked" not in said and "reconnect" not in said
    account = app.services.vault.get_account(CONNECTION, identifier)
    assert account.status == "ACTIVE"
    assert [c.to_status for c in app.services.vault.status_history(CONNECTION, identifier)] == [
        "PENDING",
        "ACTIVE",
    ]
    [told] = dms_to(fake_slack, OWNER)  # the primary owner, once
    assert "k-elsewhere" in told.text and "VAULT_MASTER_KEYS" in told.text
    assert dms_to(fake_slack, ALICE) == [] and dms_to(fake_slack, ADMIN_USER) == []
    errors = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert len(errors) == 1 and "k-elsewhere" in errors[0].getMessage()

    later = utc_now() + timedelta(minutes=61)
    app.services.connector.clock = lambda: later
    run(app, "person jane smith")
    assert len(dms_to(fake_slack, OWNER)) == 2  # an hour later, told again

    # Nothing was lost: with the key configured again, the same row opens.
    assert (
        Vault(app.services.engine, elsewhere).get_credential(CONNECTION, identifier).reveal()
        == ADMIN["api_key"]
    )


def test_with_an_oauth_install_the_installer_is_told(app, fake_slack):
    fake_slack.set_user(OWNER, is_primary_owner=True)
    store = SimpleNamespace(find_installation=lambda **_: SimpleNamespace(user_id="U0INSTALL"))
    oauth_app = SimpleNamespace(installation_store=store)
    identifier = identifier_for(app.slack.team_id, ALICE)

    assert admin_alerts.tell_admins(oauth_app, app.services, identifier, "k9") == "U0INSTALL"
    assert "k9" in dms_to(fake_slack, "U0INSTALL")[0].text
    assert dms_to(fake_slack, OWNER) == []


def test_the_connector_says_configuration_problem_without_touching_the_account(app):
    identifier = identifier_for(app.slack.team_id, ALICE)
    Vault(app.services.engine, keyring_of("gone")).connect(CONNECTION, identifier, "k" * 20, maya())
    with pytest.raises(ConfigurationProblem) as caught:
        app.services.connector.execute_tool(identifier, "affinity_list_lists", {})
    assert caught.value.kid == "gone" and "configuration" in str(caught.value)
    assert app.services.connector.account(identifier).status == "ACTIVE"


def test_an_edited_profile_is_never_shown_nor_linked_and_could_not_be_verified(
    app, fake_slack, sandbox
):
    identifier = connect_directly(app, ALICE, sandbox=sandbox)
    before = run(app, "person jane smith")
    assert f"https://{seed.TENANT['subdomain']}.affinity.co/persons/" in before.text
    with app.services.engine.begin() as connection:
        connection.execute(
            update(AccountRow)
            .where(AccountRow.identifier == identifier)
            .values(
                affinity_user_name="Eve Mallory",
                affinity_tenant_subdomain="evil-corp",
                affinity_tenant_name="Evil Corp",
            )
        )

    status = run(app, "status")
    person = run(app, "person jane smith")

    for reply in (status, person):
        shown = reply.text + str(reply["blocks"])
        assert "could not be verified" in shown
        for edited in ("Eve Mallory", "evil-corp", "Evil Corp"):
            assert edited not in shown
        assert "revoked" not in shown.lower()
    account = app.services.vault.get_account(CONNECTION, identifier)
    assert (account.status, account.status_reason) == ("REVOKED", UNVERIFIABLE_REASON)
    assert account.profile is None
    dm = fake_slack.wait_for("chat.postMessage", lambda c: c["channel"] == ALICE)
    told = dm.text + str(dm["blocks"])
    assert "could not be verified" in told and "revoked" not in told.lower()
    assert "Eve Mallory" not in told
    assert len(dms_to(fake_slack, ALICE)) == 1


def test_the_sweep_leaves_an_unreadable_account_active_and_tells_the_admin(
    slack_app_factory, fake_slack
):
    now = [datetime.now(UTC)]
    app = slack_app_factory(features=[platform, connect, home, revocation], clock=lambda: now[0])
    fake_slack.set_user(OWNER, is_primary_owner=True)
    identifier = identifier_for(app.slack.team_id, ALICE)
    Vault(app.services.engine, keyring_of("k-other")).connect(
        CONNECTION, identifier, ADMIN["api_key"], maya()
    )

    now[0] += timedelta(hours=7)  # the key is due for its periodic check, on the app's clock
    report = revocation.sweep(app.services)

    assert report.failed == [identifier] and report.revoked == []
    assert app.services.vault.get_account(CONNECTION, identifier).status == "ACTIVE"
    assert "k-other" in dms_to(fake_slack, OWNER)[0].text
    assert dms_to(fake_slack, ALICE) == []


def test_gunicorn_started_directly_reports_a_missing_master_key_and_still_serves(app, caplog):
    """`gunicorn bot.wsgi:application` skips `affinity-bot run`'s checks: the worker runs the
    vault's start-up preparation itself and names the missing key id in the log."""
    from bot.wsgi import _prepare_vault

    identifier = identifier_for(app.slack.team_id, ALICE)
    Vault(app.services.engine, keyring_of("k-gone")).connect(
        CONNECTION, identifier, ADMIN["api_key"], maya()
    )
    caplog.set_level(logging.ERROR, logger="bot.wsgi")
    _prepare_vault(app.services)
    assert any("k-gone" in r.getMessage() for r in caplog.records)
    assert app.services.vault.get_account(CONNECTION, identifier).status == "ACTIVE"
