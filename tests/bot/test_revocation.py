"""The revocation loop end to end: a key revoked mid-session, one DM with Reconnect, the sweep,
deactivated users, and two processes sharing one database."""

from __future__ import annotations

import contextlib
import threading
import time

import pytest

from affinity_client.sandbox import seed
from bot.blocks import actions as ids
from bot.claims import Claims
from bot.connector import KeyRevokedError, NotConnectedError, identifier_for
from bot.features import connect, home, platform, revocation
from bot.features.connect import status_reply
from bot.features.revocation import sweep
from tests.bot.test_connect import MY_FEATURES, connect_as, ident, remember_a_thread
from tests.bot.test_conversation_support import wait_until

ADMIN, STANDARD, _ = seed.USERS[:3]
TINY_SWEEP_HOURS = 1e-6  # every connected account is due at once


@pytest.fixture
def harness(slack_app_factory):
    return slack_app_factory(features=MY_FEATURES, revocation_sweep_hours=TINY_SWEEP_HOURS)


@pytest.fixture
def slack(harness):
    return harness.slack


def revocation_dms(fake_slack, user_id: str) -> list:
    return [
        c
        for c in fake_slack.calls("chat.postMessage")
        if c["channel"] == user_id and "stopped working" in c.text
    ]


def has_reconnect_button(call) -> bool:
    return any(
        e.get("action_id") == ids.RECONNECT
        for b in call["blocks"]
        if b["type"] == "actions"
        for e in b["elements"]
    )


def test_a_key_revoked_mid_session_tells_the_user_once(harness, slack, fake_slack, sandbox):
    connect_as(harness, slack, fake_slack, ADMIN["api_key"])
    connector = harness.services.connector
    assert connector.execute_tool(ident(slack), "affinity_list_lists", {})["lists"]

    sandbox.state.revoke_key(ADMIN["api_key"])
    with pytest.raises(KeyRevokedError):
        connector.execute_tool(ident(slack), "affinity_search_persons", {"term": "jane"})
    for _ in range(3):
        with pytest.raises(NotConnectedError) as refused:
            connector.execute_tool(ident(slack), "affinity_search_persons", {"term": "jane"})
        assert "Reconnect" in str(refused.value)

    dm = fake_slack.wait_for("chat.postMessage", lambda c: "stopped working" in c.text)
    assert has_reconnect_button(dm)
    time.sleep(0.2)
    assert len(revocation_dms(fake_slack, slack.user_id)) == 1
    _text, blocks = status_reply(harness.services, ident(slack))
    assert "stopped working" in str(blocks) and "401" in str(blocks)
    home_view = fake_slack.wait_for("views.publish", lambda c: "stopped working" in c.text)
    assert "Reconnect" in home_view.text

    # Reconnect: the button opens the modal (titled Reconnect), a new key brings it back.
    slack.block_action(ids.RECONNECT)
    assert fake_slack.wait_for("views.open")["view"]["title"]["text"] == "Reconnect Affinity"
    sandbox.state.restore_key(ADMIN["api_key"])
    connect_as(harness, slack, fake_slack, ADMIN["api_key"])
    assert connector.account(ident(slack)).status == "ACTIVE"
    assert connector.execute_tool(ident(slack), "affinity_list_lists", {})["lists"]


def test_parallel_failing_calls_send_one_dm(harness, slack, fake_slack, sandbox):
    connect_as(harness, slack, fake_slack, ADMIN["api_key"])
    connector = harness.services.connector
    sandbox.state.revoke_key(ADMIN["api_key"])
    barrier = threading.Barrier(6)

    def call() -> None:
        barrier.wait()
        with contextlib.suppress(KeyRevokedError, NotConnectedError):
            connector.execute_tool(ident(slack), "affinity_list_lists", {})

    threads = [threading.Thread(target=call) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    fake_slack.wait_for("chat.postMessage", lambda c: "stopped working" in c.text)
    time.sleep(0.2)
    assert len(revocation_dms(fake_slack, slack.user_id)) == 1


def test_a_failed_dm_is_retried_by_the_next_notice(harness, slack, fake_slack, sandbox):
    connect_as(harness, slack, fake_slack, ADMIN["api_key"])
    sandbox.state.revoke_key(ADMIN["api_key"])
    fake_slack.fail_next("chat.postMessage", error="ratelimited")
    with pytest.raises(KeyRevokedError):
        harness.services.connector.execute_tool(ident(slack), "affinity_list_lists", {})
    account = harness.services.connector.account(ident(slack))
    assert revocation.notify_revoked(harness.services, ident(slack), account) is True
    assert revocation.notify_revoked(harness.services, ident(slack), account) is False


def test_the_sweep_finds_a_revoked_key_before_the_user_does(harness, slack, fake_slack, sandbox):
    connect_as(harness, slack, fake_slack, ADMIN["api_key"])
    other = slack.as_user("UDANIEL1")
    connect_as(harness, other, fake_slack, STANDARD["api_key"])
    sandbox.state.revoke_key(ADMIN["api_key"])
    time.sleep(0.01)
    report = sweep(harness.services)
    assert report.revoked == [ident(slack)] and report.checked == [ident(other)]
    assert harness.services.connector.account(ident(slack)).status == "REVOKED"
    dm = fake_slack.wait_for("chat.postMessage", lambda c: "stopped working" in c.text)
    assert dm["channel"] == slack.user_id and has_reconnect_button(dm)
    after = harness.services.connector.account(ident(other))
    assert after.status == "ACTIVE" and after.last_verified_at is not None


def test_two_sweeps_in_parallel_check_each_account_once(harness, slack, fake_slack, sandbox):
    connect_as(harness, slack, fake_slack, ADMIN["api_key"])
    sandbox.state.revoke_key(ADMIN["api_key"])
    time.sleep(0.01)
    barrier = threading.Barrier(2)
    reports = []

    def run() -> None:
        barrier.wait()
        reports.append(sweep(harness.services))

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(len(r.revoked) for r in reports) == [0, 1]
    fake_slack.wait_for("chat.postMessage", lambda c: "stopped working" in c.text)
    time.sleep(0.2)
    assert len(revocation_dms(fake_slack, slack.user_id)) == 1


def test_the_sweep_is_registered_with_the_configured_interval(slack_app_factory):
    harness = slack_app_factory(features=MY_FEATURES, revocation_sweep_hours=2)
    assert revocation.SWEEP_JOB in harness.services.background.names
    job = next(j for j in harness.services.background._jobs if j.name == revocation.SWEEP_JOB)
    assert job.interval_seconds == 7200 and job.jitter > 0


def test_affinity_down_during_the_sweep_leaves_accounts_alone(harness, slack, fake_slack, sandbox):
    connect_as(harness, slack, fake_slack, ADMIN["api_key"])
    sandbox.state.fail("GET", "/auth/whoami*", 503, 20)
    time.sleep(0.01)
    report = sweep(harness.services)
    assert report.failed == [ident(slack)]
    assert harness.services.connector.account(ident(slack)).status == "ACTIVE"


def test_a_lease_can_be_taken_again_once_it_runs_out(harness):
    from datetime import timedelta

    claims = Claims(harness.services.engine, harness.services.clock)
    assert claims.claim_lease("sweep:x", timedelta(milliseconds=50))
    assert not claims.claim_lease("sweep:x", timedelta(milliseconds=50))
    time.sleep(0.06)
    assert claims.claim_lease("sweep:x", timedelta(minutes=1))
    assert claims.claim_once("dm:x") and not claims.claim_once("dm:x")


def test_a_deactivated_slack_user_has_their_key_erased(harness, slack, fake_slack):
    connect_as(harness, slack, fake_slack, ADMIN["api_key"])
    bob = slack.as_user("UBOB0001")
    connect_as(harness, bob, fake_slack, STANDARD["api_key"])
    assert slack.user_change(deleted=False).status_code == 200
    time.sleep(0.2)
    assert harness.services.connector.account(ident(slack)) is not None
    memory = remember_a_thread(harness, ident(slack))
    assert slack.user_change(deleted=True).status_code == 200
    deadline = time.monotonic() + 5
    while harness.services.connector.account(ident(slack)) is not None:
        assert time.monotonic() < deadline, "credential not erased"
        time.sleep(0.02)
    assert harness.services.connector.account(ident(bob)).status == "ACTIVE"
    assert wait_until(lambda: memory() == [])


def test_identifiers_of_a_deleted_grid_user_cover_every_team():
    user = {
        "id": "W1",
        "team_id": "T1",
        "enterprise_user": {"enterprise_id": "E1", "teams": ["T1", "T2"]},
    }
    found = revocation.identifiers_of_deleted_user(user, None)
    assert identifier_for("T2", "W1", "E1") in found and identifier_for("T1", "W1") in found


@pytest.mark.postgres
def test_two_processes_on_one_postgres_honour_a_revocation_and_dm_once(
    slack_app_factory, postgres_url, fake_slack, sandbox
):
    first = slack_app_factory(features=MY_FEATURES, database_url=postgres_url)
    second = slack_app_factory(
        features=[platform, connect, home, revocation], database_url=postgres_url, upgrade=False
    )
    connect_as(first, first.slack, fake_slack, ADMIN["api_key"])
    identifier = ident(first.slack)
    # Both processes have a pooled client for the account.
    assert second.services.connector.execute_tool(identifier, "affinity_list_lists", {})
    assert first.services.connector.execute_tool(identifier, "affinity_list_lists", {})

    sandbox.state.revoke_key(ADMIN["api_key"])
    with pytest.raises(KeyRevokedError):
        first.services.connector.execute_tool(identifier, "affinity_list_lists", {})
    sandbox.state.clear_requests()
    with pytest.raises(NotConnectedError):  # refused without asking Affinity
        second.services.connector.execute_tool(identifier, "affinity_list_lists", {})
    assert sandbox.state.requests == []
    # Both processes sweeping, and the second one noticing too, still DM once.
    account = second.services.connector.account(identifier)
    assert revocation.notify_revoked(second.services, identifier, account) is False
    fake_slack.wait_for("chat.postMessage", lambda c: "stopped working" in c.text)
    time.sleep(0.2)
    assert len(revocation_dms(fake_slack, first.slack.user_id)) == 1


@pytest.mark.postgres
def test_two_processes_sweeping_together_dm_once(
    slack_app_factory, postgres_url, fake_slack, sandbox
):
    apps = [
        slack_app_factory(
            features=MY_FEATURES,
            database_url=postgres_url,
            revocation_sweep_hours=TINY_SWEEP_HOURS,
            upgrade=index == 0,
        )
        for index in range(2)
    ]
    users = [apps[0].slack.as_user(f"USWEEP{n:03d}") for n in range(4)]
    for user in users:
        connect_as(apps[0], user, fake_slack, ADMIN["api_key"])
    sandbox.state.revoke_key(ADMIN["api_key"])
    time.sleep(0.01)
    barrier = threading.Barrier(2)
    reports = []

    def run(harness) -> None:
        barrier.wait()
        reports.append(sweep(harness.services))

    threads = [threading.Thread(target=run, args=(app,)) for app in apps]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    revoked = sorted(who for report in reports for who in report.revoked)
    assert revoked == sorted(ident(user) for user in users)  # each account checked once
    time.sleep(0.3)
    for user in users:
        assert len(revocation_dms(fake_slack, user.user_id)) == 1
