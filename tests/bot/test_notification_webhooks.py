"""Affinity webhooks: a workspace admin turns them on, the sandbox delivers each write over
loopback to the real WSGI app, and a followed list's change is posted without waiting for the
poll interval — read with each follower's own key, once, and never on a forged delivery."""

from __future__ import annotations

import logging
import time
from datetime import timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from affinity_client.sandbox import seed
from bot.features import commands, connect, home, notifications, platform
from bot.features.notifications import JOB, Poller
from bot.features.notifications.models import PollState
from bot.features.notifications.webhooks import (
    DELIVERY_PATH,
    EVENT_TYPES,
    WebhookRegistrations,
)
from bot.features.notifications.webhooks_models import WebhookRegistration
from bot.services import BackgroundTasks, utc_now
from tests.bot.test_commands_support import ALICE, BOB, run
from tests.bot.test_commands_support import connect as connect_directly
from tests.bot.test_notifications import move, posts
from tests.client.sandbox_helpers import request_log
from tests.sandbox.helpers import v2

FEATURES = [platform, connect, commands, notifications]
DEALS = "C0DEALS01"
PRIVATE_DEAL_ID = 30599  # IronEnergy's secondary, on the private list (Maya's key reads it)


@pytest.fixture
def now() -> list[Any]:
    return [utc_now()]


@pytest.fixture
def app(slack_app_factory: Any, now: list[Any]) -> Any:
    """The app in HTTP mode, its public URL its loopback address (known once it is served)."""
    harness = slack_app_factory(features=FEATURES, clock=lambda: now[0])
    harness.services.settings = harness.settings.model_copy(update={"public_url": harness.url})
    return harness


def webhooks(sandbox: Any) -> list[dict[str, Any]]:
    return v2(sandbox, seed.ADMIN_KEY).get("/v2/webhooks").json()["data"]


def flush(sandbox: Any) -> list[dict[str, Any]]:
    """Wait until the sandbox has delivered everything; its record of deliveries."""
    httpx.post(f"{sandbox.base_url}/_sandbox/webhooks/flush", json={}, timeout=15)
    answer = httpx.get(f"{sandbox.base_url}/_sandbox/webhooks/deliveries", timeout=5)
    return answer.json()["deliveries"]


def tick(app: Any, now: list[Any], seconds: int = 6) -> None:
    """A few seconds pass (far less than the poll interval) and the scheduler ticks."""
    now[0] += timedelta(seconds=seconds)
    app.services.background.run_once(JOB)


def turn_on(app: Any, fake_slack: Any, sandbox: Any) -> str:
    connect_directly(app, ALICE, sandbox=sandbox)
    fake_slack.set_user(ALICE, is_admin=True)
    said = run(app, "webhooks on")
    assert "Webhooks are on" in said.text, said.text
    [hook] = webhooks(sandbox)
    return str(hook["url"])


def test_an_admin_turns_webhooks_on_and_a_stage_move_is_posted_at_once_and_once(
    app: Any, fake_slack: Any, sandbox: Any, now: list[Any]
) -> None:
    url = turn_on(app, fake_slack, sandbox)
    assert url.startswith(app.url + DELIVERY_PATH)
    [hook] = webhooks(sandbox)
    assert hook["subscriptions"] == list(EVENT_TYPES)
    secret = url.rsplit("/", 1)[1]
    with Session(app.services.engine) as session:
        [row] = session.scalars(select(WebhookRegistration)).all()
    assert row.webhook_id == hook["id"] and secret not in repr(vars(row))  # only its hash

    run(app, 'follow "Series A Pipeline"')
    tick(app, now)  # the subscription's first read, from now on
    move(sandbox, seed.ACME_DEAL_ID, "IC")
    [delivery] = flush(sandbox)
    assert delivery["attempts"] == [200] and delivery["type"] == "field_value.updated"
    tick(app, now)  # seconds later, not a poll interval

    [post] = posts(fake_slack, DEALS)
    assert "Acme" in str(post.params["blocks"]) and "IC" in str(post.params["blocks"])

    httpx.post(f"{sandbox.base_url}/_sandbox/webhooks/redeliver", json={}, timeout=5)
    assert [d["attempts"] for d in flush(sandbox)] == [[200, 200]]
    tick(app, now)
    assert len(posts(fake_slack, DEALS)) == 1  # the redelivery changed nothing

    status = run(app, "webhooks status").text
    assert "Webhooks are on" in status and "1 delivery" in status and "fallback" in status


def test_a_forged_or_malformed_delivery_is_refused_and_reads_nothing(
    app: Any, fake_slack: Any, sandbox: Any, now: list[Any], caplog: Any
) -> None:
    caplog.set_level(logging.DEBUG)
    url = turn_on(app, fake_slack, sandbox)
    secret = url.rsplit("/", 1)[1]
    run(app, 'follow "Series A Pipeline"')
    tick(app, now)
    reads = len(request_log(sandbox))
    event = {
        "type": "field_value.updated",
        "body": {"list_entry_id": 1},
        "sent_at": int(time.time()),
    }

    forged = httpx.post(app.url + DELIVERY_PATH + "x" * len(secret), json=event, timeout=5)
    assert forged.status_code == 404
    assert httpx.post(app.url + DELIVERY_PATH, json=event, timeout=5).status_code == 404
    assert httpx.get(url, timeout=5).status_code == 405
    for bad in (b"not json", b"[]", b'{"type": "field_value.updated", "body": {}}'):
        answer = httpx.post(url, content=bad, timeout=5)
        assert answer.status_code == 400
    stale = {**event, "sent_at": int(time.time()) - 13 * 3600}
    assert httpx.post(url, json=stale, timeout=5).status_code == 400
    tick(app, now)

    assert len(request_log(sandbox)) == reads  # nothing was read for any of them
    with Session(app.services.engine) as session:
        [poll] = session.scalars(select(PollState)).all()
    assert poll.next_poll_at > now[0] + timedelta(seconds=200)  # still the usual schedule
    status = run(app, "webhooks status").text
    assert "Webhooks are on" in status and "0 deliveries" in status
    # Every log line but the HTTP plumbing of this test and of the sandbox playing Affinity
    # (their request lines name the URL they post to; gunicorn keeps no access log).
    plumbing = ("werkzeug", "httpx", "httpcore")
    logs = [r.getMessage() for r in caplog.records if not r.name.startswith(plumbing)]
    assert any("slack_sdk" in r.name for r in caplog.records)  # Slack bodies are in view
    assert any("refused an Affinity webhook delivery" in line for line in logs)
    assert not any(secret in line for line in logs)


def test_a_delivery_about_a_private_deal_reaches_only_followers_who_can_see_it(
    app: Any, fake_slack: Any, sandbox: Any, now: list[Any]
) -> None:
    turn_on(app, fake_slack, sandbox)  # Alice (Maya's key) reads the private list
    connect_directly(app, BOB, seed.STANDARD_KEY, sandbox=sandbox)  # Daniel's key does not
    assert "Following" in run(app, f'follow "{seed.PRIVATE_LIST_NAME}" dm').text
    assert "Following" in run(app, 'follow "Series A Pipeline" all', BOB).text
    tick(app, now)

    move(sandbox, PRIVATE_DEAL_ID, "IC", "admin")
    assert len(flush(sandbox)) == 1
    tick(app, now)

    [told] = posts(fake_slack, ALICE)
    assert "IronEnergy" in str(told.params["blocks"])
    assert posts(fake_slack, DEALS) == []  # Bob's channel: nothing his key cannot see
    assert posts(fake_slack, BOB) == []


def test_a_delivery_hurries_only_the_polls_of_the_list_it_is_about(
    app: Any, fake_slack: Any, sandbox: Any, now: list[Any]
) -> None:
    url = turn_on(app, fake_slack, sandbox)
    run(app, 'follow "Series A Pipeline"')
    run(app, 'follow "Seed Pipeline"')
    tick(app, now)
    move(sandbox, seed.ACME_DEAL_ID, "IC")  # its Status field is new to the app: every list
    flush(sandbox)
    polls = schedule(app)
    assert len(polls) == 2 and all(due <= now[0] + timedelta(seconds=5) for _, due in polls)
    tick(app, now)  # the polls read the change, and with it which list that field is on

    move(sandbox, seed.ACME_DEAL_ID, "Term Sheet")
    flush(sandbox)
    hurried = {key for key, due in schedule(app) if due <= now[0] + timedelta(seconds=5)}
    assert hurried == {f"{seed.TENANT['id']}:{seed.LISTS['Series A Pipeline']}"}
    global_field = {  # a person's global field (no list entry): no subscription is told of it
        "type": "field_value.updated",
        "body": {"id": 1, "field_id": 1, "entity_id": seed.JANE_ID, "list_entry_id": None},
        "sent_at": int(time.time()),
    }
    assert httpx.post(url, json=global_field, timeout=5).json() == {"ok": True, "polls": 0}
    tick(app, now)
    assert len(posts(fake_slack, DEALS)) == 2


def schedule(app: Any) -> list[tuple[str, Any]]:
    with Session(app.services.engine) as session:
        return [(p.key, p.next_poll_at) for p in session.scalars(select(PollState))]


def test_only_a_workspace_admin_turns_webhooks_on(app: Any, fake_slack: Any, sandbox: Any) -> None:
    connect_directly(app, BOB, seed.STANDARD_KEY, sandbox=sandbox)
    refused = run(app, "webhooks on", BOB)
    assert "Only a workspace admin" in refused.text
    assert "Only a workspace admin" in run(app, "webhooks off", BOB).text
    assert webhooks(sandbox) == []
    assert "Webhooks are off" in run(app, "webhooks status", BOB).text


def test_status_names_the_webhook_and_its_admin_only_to_workspace_admins(
    app: Any, fake_slack: Any, sandbox: Any
) -> None:
    turn_on(app, fake_slack, sandbox)
    [hook] = webhooks(sandbox)
    connect_directly(app, BOB, seed.STANDARD_KEY, sandbox=sandbox)

    told = run(app, "webhooks status", BOB).text  # any connected user: on or off
    assert "Webhooks are on" in told and "turned on by a workspace admin" in told
    assert str(hook["id"]) not in told and ALICE not in told

    admin = run(app, "webhooks status").text
    assert f"Affinity webhook {hook['id']}" in admin and f"<@{ALICE}>" in admin


def test_in_socket_mode_or_without_a_public_url_polling_is_the_answer(
    app: Any, fake_slack: Any, sandbox: Any
) -> None:
    connect_directly(app, ALICE, sandbox=sandbox)
    fake_slack.set_user(ALICE, is_admin=True)
    settings = app.services.settings
    app.services.settings = settings.model_copy(update={"slack_app_token": "xapp-1-test"})
    said = run(app, "webhooks on").text
    assert "Socket Mode" in said and "every 5 minutes" in said and "polling" in said
    app.services.settings = settings.model_copy(update={"public_url": None})
    said = run(app, "webhooks on").text
    assert "PUBLIC_URL" in said and "polling" in said
    assert webhooks(sandbox) == []


def test_the_firms_webhook_limit_gets_a_clear_answer_and_polling_stays(
    app: Any, fake_slack: Any, sandbox: Any
) -> None:
    for n in range(3):  # the firm's other integrations took every webhook Affinity allows
        made = v2(sandbox, seed.ADMIN_KEY).post(
            "/v2/webhooks",
            json={"url": fake_slack.response_url(f"OTHER{n}"), "subscriptions": []},
        )
        assert made.status_code == 201
    connect_directly(app, ALICE, sandbox=sandbox)
    fake_slack.set_user(ALICE, is_admin=True)

    said = run(app, "webhooks on").text
    assert "as many webhooks as Affinity allows" in said and "polling" in said
    assert "Webhooks are off" in run(app, "webhooks status").text
    assert len(webhooks(sandbox)) == 3


def test_off_deletes_the_webhook_and_deliveries_are_refused_after(
    app: Any, fake_slack: Any, sandbox: Any
) -> None:
    url = turn_on(app, fake_slack, sandbox)
    assert "already on" in run(app, "webhooks on").text
    assert "Webhooks are off" in run(app, "webhooks off").text
    assert webhooks(sandbox) == []
    event = {"type": "list_entry.created", "body": {"list_id": 201}, "sent_at": int(time.time())}
    assert httpx.post(url, json=event, timeout=5).status_code == 404
    assert "Webhooks are on" in run(app, "webhooks on").text  # and on again, a new secret
    assert webhooks(sandbox)[0]["url"] != url


def test_a_receiver_that_was_down_leaves_polling_to_find_the_change(
    app: Any, fake_slack: Any, sandbox: Any, now: list[Any]
) -> None:
    """Deliveries that never arrive cost nothing: the next poll finds the change anyway."""
    turn_on(app, fake_slack, sandbox)
    run(app, 'follow "Series A Pipeline"')
    tick(app, now)
    with Session(app.services.engine) as session:
        session.query(WebhookRegistration).delete()  # deliveries now refused (404)
        session.commit()
    move(sandbox, seed.ACME_DEAL_ID, "IC")
    assert [d["attempts"] for d in flush(sandbox)] == [[404]]
    tick(app, now)
    assert posts(fake_slack, DEALS) == []
    tick(app, now, app.settings.notify_poll_seconds)
    assert len(posts(fake_slack, DEALS)) == 1


def test_with_the_scheduler_running_a_delivery_is_posted_within_seconds(
    app: Any, fake_slack: Any, sandbox: Any, now: list[Any]
) -> None:
    """The delivery itself wakes the poll job: no tick by hand, no poll interval waited for."""
    turn_on(app, fake_slack, sandbox)
    run(app, 'follow "Series A Pipeline"')
    tick(app, now)
    now[0] += timedelta(seconds=6)
    scheduler = BackgroundTasks()  # the poll job alone, its own first run an hour away
    scheduler.register(JOB, 3600, Poller(app.services).tick, initial_delay=3600)
    app.services.background = scheduler
    scheduler.start()
    try:
        move(sandbox, seed.ACME_DEAL_ID, "IC")
        flush(sandbox)
        post = fake_slack.wait_for("chat.postMessage", lambda c: c["channel"] == DEALS)
    finally:
        scheduler.stop()
    assert "IC" in str(post.params["blocks"])


def test_status_tells_when_affinity_has_disabled_the_webhook(
    app: Any, fake_slack: Any, sandbox: Any
) -> None:
    turn_on(app, fake_slack, sandbox)
    [hook] = webhooks(sandbox)
    assert "disabled" not in run(app, "webhooks status").text
    v2(sandbox, seed.ADMIN_KEY).post(f"/v2/webhooks/{hook['id']}", json={"status": "disabled"})
    said = run(app, "webhooks status").text
    assert "Affinity has *disabled* it" in said and "`webhooks off` then `on`" in said


def test_on_postgresql_a_redelivered_stage_move_is_one_message(
    slack_app_factory: Any, fake_slack: Any, sandbox: Any, now: list[Any], postgres_url: str
) -> None:
    app = slack_app_factory(features=FEATURES, clock=lambda: now[0], database_url=postgres_url)
    app.services.settings = app.settings.model_copy(update={"public_url": app.url})
    turn_on(app, fake_slack, sandbox)
    run(app, 'follow "Series A Pipeline"')
    tick(app, now)
    move(sandbox, seed.ACME_DEAL_ID, "IC")
    flush(sandbox)
    tick(app, now)
    httpx.post(f"{sandbox.base_url}/_sandbox/webhooks/redeliver", json={}, timeout=5)
    assert [d["attempts"] for d in flush(sandbox)] == [[200, 200]]
    tick(app, now)
    assert len(posts(fake_slack, DEALS)) == 1


def test_the_admins_app_home_says_whether_webhooks_are_on(
    slack_app_factory: Any, fake_slack: Any, sandbox: Any, now: list[Any]
) -> None:
    harness = slack_app_factory(features=[*FEATURES, home], clock=lambda: now[0])
    harness.services.settings = harness.settings.model_copy(update={"public_url": harness.url})
    connect_directly(harness, ALICE, sandbox=sandbox)
    fake_slack.set_user(ALICE, is_admin=True)
    run(harness, 'follow "Series A Pipeline"')

    harness.slack.as_user(ALICE).app_home_opened()
    off = fake_slack.wait_for("views.publish", lambda c: "List notifications" in c.text)
    assert "Webhooks are off" in off.text and "/affinity webhooks on" in off.text

    assert "Webhooks are on" in run(harness, "webhooks on").text
    move(sandbox, seed.ACME_DEAL_ID, "IC")
    assert [d["attempts"] for d in flush(sandbox)] == [[200]]
    harness.slack.as_user(ALICE).app_home_opened()
    on = fake_slack.wait_for("views.publish", lambda c: "Webhooks are on" in c.text)
    assert "Webhooks are on" in on.text and "1 delivery" in on.text
    assert "just now" in on.text and f"<@{ALICE}>" in on.text


def test_a_delivery_nested_too_deep_or_with_an_id_too_large_is_answered_not_crashed(
    slack_app_factory: Any, caplog: Any
) -> None:
    """Even with the delivery URL, a body built to break the parser or the database gets a
    clean answer: 400 for what is not JSON Python can read, 200 for an id no list has."""
    harness = slack_app_factory(features=[platform], with_sandbox=False)
    secret = WebhookRegistrations(harness.services.engine, utc_now).begin("T0FIRM", "U0ADMIN")
    url = harness.url + DELIVERY_PATH + str(secret)
    now = int(time.time())

    deep = b"[" * 100_000 + b"]" * 100_000
    answer = httpx.post(url, content=deep, timeout=5)
    assert (answer.status_code, answer.json()) == (400, {"ok": False, "error": "not JSON"})
    for n, body in enumerate(({"field_id": 10**30}, {"list_id": 2**64})):
        kind = "field_value.updated" if "field_id" in body else "list_entry.created"
        event = {"type": kind, "body": body, "sent_at": now + n}
        answer = httpx.post(url, json=event, timeout=5)
        assert (answer.status_code, answer.json()["ok"]) == (200, True)
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


def test_a_delivery_that_fails_inside_is_a_500_whose_log_never_names_the_secret(
    slack_app_factory: Any, monkeypatch: Any, caplog: Any
) -> None:
    """A database outage while a delivery is handled: Affinity gets a 500 (it retries), the
    operator a traceback, and the delivery URL's secret is in neither."""
    harness = slack_app_factory(features=[platform], with_sandbox=False)
    secret = str(WebhookRegistrations(harness.services.engine, utc_now).begin("T0FIRM", "U0"))

    def outage(*args: Any) -> Any:
        raise RuntimeError("the database is unreachable")

    monkeypatch.setattr("bot.wsgi.receive", outage)
    event = {"type": "list_entry.created", "body": {"list_id": 5}, "sent_at": int(time.time())}
    answer = httpx.post(harness.url + DELIVERY_PATH + secret, json=event, timeout=5)

    assert (answer.status_code, answer.json()) == (500, {"ok": False, "error": "internal"})
    [failure] = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert failure.exc_info and "webhook delivery failed" in failure.getMessage()
    plumbing = ("werkzeug", "httpx", "httpcore")
    logs = [r.getMessage() for r in caplog.records if not r.name.startswith(plumbing)]
    assert not any(secret in line for line in logs) and secret not in answer.text
