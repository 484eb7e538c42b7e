"""The Slack platform over real loopback HTTP: signatures, retries, self events, errors, health."""

from __future__ import annotations

import logging
import re
import threading
import time
from typing import Any

import pytest
from slack_bolt import App

from bot.devtools.fake_slack import RESPONSE_URL
from bot.features import platform
from bot.services import Services
from tests.bot.test_conversation_support import wait_until

REFERENCE = re.compile(r"ERR-[0-9A-F]{8}")
QUIET_PERIOD = 0.3  # long enough for a wrongly dispatched listener to have run

PLANTED_KEY = "aff1n1tyPlantedKey0123456789abcdefXYZ"  # key-shaped, must never be logged
PLANTED_TOKEN = "xoxb-9999-8888-plantedtokenvalue"


class Probe:
    """Register with `extra_features=[probe]`; `probe.seen` lists what the listeners handled."""

    def __init__(self) -> None:
        self.seen: list[tuple[str, str]] = []
        self._lock = threading.Lock()
        self.release = threading.Event()  # "wait" commands hold a listener thread until set

    def _saw(self, kind: str, detail: str) -> None:
        with self._lock:
            self.seen.append((kind, detail))

    def count(self, kind: str) -> int:
        with self._lock:
            return sum(1 for k, _ in self.seen if k == kind)

    def register(self, app: App, services: Services) -> None:
        @app.command("/affinity")
        def probe_command(ack: Any, command: dict, respond: Any) -> None:
            text = command.get("text", "")
            if text == "boom-before-ack":
                raise RuntimeError("failed before the ack")
            ack()
            self._saw("command", text)
            if text == "wait":
                self.release.wait(timeout=10)
            if text == "boom":
                raise RuntimeError(f"failed with {PLANTED_TOKEN} in the message")
            respond(text=f"echo {text}")

        @app.event("message")
        def probe_message(event: dict, client: Any) -> None:
            self._saw("message", event.get("text", ""))
            if event.get("text") == "boom":
                raise RuntimeError("the DM listener failed")
            client.chat_postMessage(
                channel=event["channel"], text=f"got {event['text']}", thread_ts=event["ts"]
            )

        @app.event("app_mention")
        def probe_mention(event: dict) -> None:
            self._saw("mention", event.get("text", ""))
            raise RuntimeError("the mention listener failed")

        @app.action("probe_click")
        def probe_click(ack: Any, body: dict, respond: Any) -> None:
            ack()
            self._saw("click", body["actions"][0].get("value", ""))
            respond(text="clicked", replace_original=False)

        @app.view("probe_modal")
        def probe_modal(ack: Any, view: dict) -> None:
            self._saw("view", view["id"])
            raise RuntimeError("the modal listener failed before its ack")


@pytest.fixture
def probe() -> Probe:
    return Probe()


@pytest.fixture
def harness(slack_app_factory, probe):
    return slack_app_factory(features=[platform], extra_features=[probe], with_sandbox=False)


# ---------------------------------------------------------------------------- signatures


def test_a_signed_command_is_acked_and_answered(harness, fake_slack, probe):
    sent = harness.slack.command("hello")

    assert sent.status_code == 200
    answer = fake_slack.wait_for(RESPONSE_URL, lambda c: c.response_id == sent.response_id)
    assert answer.params["text"] == "echo hello"
    assert probe.count("command") == 1


def test_a_bad_signature_is_rejected_and_nothing_runs(harness, probe):
    sent = harness.slack.command("hello", signature="v0=" + "0" * 64)

    assert sent.status_code == 401
    time.sleep(QUIET_PERIOD)
    assert probe.seen == []


def test_a_request_signed_with_another_secret_is_rejected(harness, probe):
    impostor = harness.slack.__class__(
        base_url=harness.url, fake=harness.fake, signing_secret="not-the-signing-secret"
    )
    assert impostor.command("hello").status_code == 401
    assert impostor.message_im("hi").status_code == 401


def test_a_stale_timestamp_is_rejected_even_when_correctly_signed(harness, probe):
    ten_minutes_ago = int(time.time()) - 600

    sent = harness.slack.command("hello", timestamp=ten_minutes_ago)

    assert sent.status_code == 401
    assert probe.seen == []


def test_command_and_interaction_aliases_reach_the_app(harness, fake_slack):
    sent = harness.slack.command("via alias", path="/slack/commands")
    assert sent.status_code == 200
    fake_slack.wait_for(RESPONSE_URL, lambda c: c.params.get("text") == "echo via alias")

    click = harness.slack.block_action("probe_click", "1")
    assert click.status_code == 200


# ---------------------------------------------------------------------------- retries


def test_a_retried_event_is_handled_once(harness, fake_slack, probe):
    first = harness.slack.message_im("hello", event_id="Ev0RETRY01")
    retry = harness.slack.message_im("hello", event_id="Ev0RETRY01", retry_num=1)

    assert (first.status_code, retry.status_code) == (200, 200)
    fake_slack.wait_for("chat.postMessage")
    time.sleep(QUIET_PERIOD)
    assert probe.count("message") == 1
    assert len(fake_slack.calls("chat.postMessage")) == 1


def test_a_retry_whose_original_never_arrived_is_handled(harness, fake_slack, probe):
    harness.slack.message_im("only the retry got through", event_id="Ev0LOST001", retry_num=2)

    fake_slack.wait_for("chat.postMessage")
    assert probe.count("message") == 1


def test_two_different_events_are_both_handled(harness, fake_slack, probe):
    harness.slack.message_im("one")
    harness.slack.message_im("two")

    fake_slack.wait_for("chat.postMessage", lambda c: c.params["text"] == "got two")
    fake_slack.wait_for("chat.postMessage", lambda c: c.params["text"] == "got one")


def test_a_redelivered_click_runs_once_but_a_second_click_runs_again(harness, fake_slack, probe):
    payload = harness.slack.block_action_payload("probe_click", "page-2")
    harness.slack.block_action("probe_click", payload=payload)
    harness.slack.block_action("probe_click", payload=payload)
    harness.slack.block_action("probe_click", "page-2")  # a new gesture: new trigger, new ts

    time.sleep(QUIET_PERIOD)
    fake_slack.wait_for(RESPONSE_URL)
    assert probe.count("click") == 2


def test_a_retried_event_is_handled_once_across_two_processes(slack_app_factory, db_url, probe):
    first = slack_app_factory(
        database_url=db_url, features=[platform], extra_features=[probe], with_sandbox=False
    )
    second = slack_app_factory(
        database_url=db_url,
        features=[platform],
        extra_features=[probe],
        with_sandbox=False,
        upgrade=False,
    )

    first.slack.message_im("hello", event_id="Ev0SHARED1")
    second.slack.message_im("hello", event_id="Ev0SHARED1", retry_num=1)
    second.slack.message_im("something else", event_id="Ev0SHARED2")

    first.fake.wait_for("chat.postMessage", lambda c: c.params["text"] == "got something else")
    time.sleep(QUIET_PERIOD)
    assert probe.count("message") == 2


def test_old_receipts_are_pruned(harness):
    from datetime import timedelta

    receipts = harness.services.receipts
    assert receipts.claim("event", "event:Ev0OLD0001")
    assert not receipts.claim("event", "event:Ev0OLD0001")

    assert receipts.prune(older_than=timedelta(seconds=-1)) == 1
    assert receipts.claim("event", "event:Ev0OLD0001")
    assert "prune-slack-receipts" in harness.services.background.names


# ---------------------------------------------------------------------------- self events


def test_the_bot_ignores_its_own_messages(harness, fake_slack, probe):
    harness.slack.message_im("my own echo", user=fake_slack.bot_user_id)
    harness.slack.message_im("a bot message", bot_id=fake_slack.bot_id)
    harness.slack.message_im("from a person")

    fake_slack.wait_for("chat.postMessage", lambda c: c.params["text"] == "got from a person")
    time.sleep(QUIET_PERIOD)
    assert [detail for kind, detail in probe.seen] == ["from a person"]


# ---------------------------------------------------------------------------- errors


def _apology(text: str) -> str:
    assert "Sorry" in text and "try again" in text, text
    match = REFERENCE.search(text)
    assert match, text
    return match.group(0)


def _logged_reference(caplog, reference: str) -> logging.LogRecord:
    records = [r for r in caplog.records if reference in r.getMessage()]
    assert records, f"{reference} not in the log"
    return records[0]


def test_an_error_after_the_ack_apologises_with_a_reference(harness, fake_slack, caplog):
    caplog.set_level(logging.INFO)
    from vault.redaction import install_redaction

    install_redaction([caplog.handler])

    sent = harness.slack.command("boom")

    assert sent.status_code == 200
    answer = fake_slack.wait_for(RESPONSE_URL, lambda c: c.response_id == sent.response_id)
    assert answer.params["response_type"] == "ephemeral"
    reference = _apology(answer.params["text"])
    record = _logged_reference(caplog, reference)
    assert record.exc_info is not None
    assert "command /affinity" in record.getMessage()
    assert PLANTED_TOKEN not in caplog.text  # the exception text held a token
    assert PLANTED_TOKEN not in answer.params["text"]


def test_an_error_before_the_listeners_own_ack_still_reaches_the_user(harness, fake_slack, caplog):
    sent = harness.slack.command("boom-before-ack")

    assert sent.status_code == 200  # acknowledged before the listener ran
    answer = fake_slack.wait_for(RESPONSE_URL, lambda c: c.response_id == sent.response_id)
    assert answer.params["response_type"] == "ephemeral"
    _logged_reference(caplog, _apology(answer.params["text"]))


def test_commands_are_acknowledged_while_every_listener_thread_is_busy(harness, probe):
    from bot.app import LISTENER_THREADS

    burst = LISTENER_THREADS + 8
    latencies: list[float] = []
    statuses: list[int] = []

    def send() -> None:
        started = time.monotonic()
        sent = harness.slack.command("wait")
        latencies.append(time.monotonic() - started)
        statuses.append(sent.status_code)

    senders = [threading.Thread(target=send) for _ in range(burst)]
    try:
        for sender in senders:
            sender.start()
        for sender in senders:
            sender.join(timeout=10)
    finally:
        probe.release.set()
    assert statuses == [200] * burst
    assert max(latencies) < 2.0  # well inside Slack's 3 s, though the pool is full
    assert wait_until(lambda: probe.count("command") == burst)


def test_a_failing_modal_shows_the_apology_and_never_logs_what_was_typed(harness, caplog):
    caplog.set_level(logging.DEBUG)
    values = harness.slack.input_values({"api_key": PLANTED_KEY})

    sent = harness.slack.view_submission("probe_modal", values)

    assert sent.status_code == 200
    answer = sent.json()
    assert answer["response_action"] == "update"
    text = answer["view"]["blocks"][0]["text"]["text"]
    _logged_reference(caplog, _apology(text))
    assert PLANTED_KEY not in caplog.text


def test_a_failing_dm_listener_apologises_in_the_thread(harness, fake_slack, caplog):
    sent = harness.slack.message_im("boom")

    assert sent.status_code == 200
    event = sent.payload["event"]
    reply = fake_slack.wait_for("chat.postMessage", lambda c: "Sorry" in c.params["text"])
    assert reply.params["channel"] == event["channel"]
    assert reply.params["thread_ts"] == event["ts"]
    _logged_reference(caplog, _apology(reply.params["text"]))


def test_a_failing_mention_apologises_privately_in_the_thread(harness, fake_slack):
    sent = harness.slack.app_mention("what is up")

    note = fake_slack.wait_for("chat.postEphemeral")
    assert note.params["user"] == harness.slack.user_id
    assert note.params["thread_ts"] == sent.payload["event"]["ts"]
    _apology(note.params["text"])
    assert fake_slack.calls("chat.postMessage") == []


def test_the_apology_reaches_the_user_even_when_slack_is_flaky(harness, fake_slack, caplog):
    fake_slack.fail_next("chat.postMessage", "ratelimited", status=429)

    harness.slack.message_im("boom")

    fake_slack.wait_for("chat.postMessage")
    deadline = time.monotonic() + 5
    while "could not tell the user" not in caplog.text and time.monotonic() < deadline:
        time.sleep(0.02)
    assert "could not tell the user" in caplog.text


# ---------------------------------------------------------------------------- health


def test_health_is_ok_when_the_database_answers(harness):
    response = harness.get("/healthz")

    assert response.status_code == 200
    assert response.json() == {"ok": True}


def test_health_is_503_when_the_database_does_not_answer(harness, tmp_path, caplog):
    from sqlalchemy import create_engine

    caplog.set_level(logging.INFO, logger="bot.wsgi")
    working = harness.services.engine
    harness.services.engine = create_engine(f"sqlite:///{tmp_path}/missing/dir/db.sqlite")
    try:
        responses = [harness.get("/healthz") for _ in range(3)]
    finally:
        harness.services.engine = working
    recovered = harness.get("/healthz")

    assert [r.status_code for r in responses] == [503, 503, 503]
    assert responses[0].json() == {"ok": False}
    assert recovered.status_code == 200
    # the operator is told once that the database stopped answering, and once that it is back
    lines = [(r.levelname, r.getMessage()) for r in caplog.records if r.name == "bot.wsgi"]
    assert [level for level, _ in lines] == ["WARNING", "INFO"], lines
    assert "database does not answer" in lines[0][1] and "answers again" in lines[1][1]
    assert "OperationalError" in lines[0][1]  # the kind of failure, never its text


def test_health_answers_only_get_and_head(harness):
    http, health = harness.slack.http, harness.url + "/healthz"
    refused = http.post(health)
    assert refused.status_code == 405 and refused.headers["allow"] == "GET, HEAD"
    assert http.head(health).status_code == 200


def test_unknown_paths_are_404(harness):
    assert harness.get("/nope").status_code == 404


# ---------------------------------------------------------------------------- socket mode


def test_socket_mode_redeliveries_are_handled_once(slack_app_factory, fake_slack, probe):
    import json

    from slack_bolt import BoltRequest

    harness = slack_app_factory(
        features=[platform],
        extra_features=[probe],
        with_sandbox=False,
        slack_app_token="xapp-1-A1-socket",
        slack_signing_secret=None,
    )
    assert harness.settings.mode == "socket"
    envelope = harness.slack.event_envelope(
        {
            "type": "message",
            "channel_type": "im",
            "channel": "D0ALICE01",
            "user": "U0ALICE01",
            "text": "over the socket",
            "ts": "1700000000.000100",
        },
        event_id="Ev0SOCKET1",
    )

    def deliver(retry: int | None) -> int:
        headers = {"x-slack-retry-num": [str(retry)]} if retry is not None else {}
        request = BoltRequest(body=json.dumps(envelope), mode="socket_mode", headers=headers)
        return harness.app.dispatch(request).status

    assert deliver(None) == 200
    assert deliver(1) == 200

    fake_slack.wait_for("chat.postMessage")
    time.sleep(QUIET_PERIOD)
    assert probe.count("message") == 1


def test_a_forged_request_never_logs_its_body(slack_app_factory, probe, caplog):
    """Bolt logs the body of a request whose signature fails at INFO; the bot keeps that quiet."""
    caplog.set_level(logging.INFO)  # Bolt copies the root level into its loggers when built
    harness = slack_app_factory(features=[platform], extra_features=[probe], with_sandbox=False)
    values = harness.slack.input_values({"api_key": PLANTED_KEY})

    sent = harness.slack.view_submission("probe_modal", values, signature="v0=" + "0" * 64)

    assert sent.status_code == 401
    assert PLANTED_KEY not in caplog.text


def test_when_the_database_fails_the_user_still_gets_an_apology(
    harness, fake_slack, probe, tmp_path
):
    from sqlalchemy import create_engine

    receipts = harness.services.receipts
    receipts.engine = create_engine(f"sqlite:///{tmp_path}/missing/dir/db.sqlite")

    sent = harness.slack.command("hello")

    assert sent.status_code == 200  # acknowledged before the database was asked
    answer = fake_slack.wait_for(RESPONSE_URL, lambda c: c.response_id == sent.response_id)
    _apology(answer.params["text"])
    assert probe.seen == []  # nothing ran without its claim


def test_a_retried_command_runs_once(harness, fake_slack, probe):
    payload = harness.slack.command_payload("hello")
    first = harness.slack.command(payload=payload)
    retry = harness.slack.command(payload=payload, retry_num=1)

    assert (first.status_code, retry.status_code) == (200, 200)
    fake_slack.wait_for(RESPONSE_URL, lambda c: c.response_id == first.response_id)
    time.sleep(QUIET_PERIOD)
    assert probe.count("command") == 1
    assert len(fake_slack.calls(RESPONSE_URL)) == 1


def test_commands_and_clicks_are_acknowledged_while_the_database_is_slow(
    harness, fake_slack, probe
):
    from sqlalchemy import event

    slow_seconds = 1.0
    engine = harness.services.receipts.engine

    def slow(*_: Any) -> None:
        time.sleep(slow_seconds)

    event.listen(engine, "before_cursor_execute", slow)
    try:
        started = time.monotonic()
        command = harness.slack.command("hello")
        click = harness.slack.block_action("probe_click", "page-2")
        acked_in = time.monotonic() - started

        assert (command.status_code, click.status_code) == (200, 200)
        assert acked_in < slow_seconds  # neither acknowledgement waited on the database
        fake_slack.wait_for(RESPONSE_URL, lambda c: c.response_id == command.response_id)
        assert wait_until(lambda: probe.count("click") == 1)
    finally:
        event.remove(engine, "before_cursor_execute", slow)
    assert probe.count("command") == 1


def test_a_retried_view_submission_is_acknowledged_and_dropped(harness, probe):
    payload = harness.slack.view_submission_payload("probe_modal", {})
    harness.slack.post_interactive(payload)
    started = time.monotonic()
    retry = harness.slack.post_interactive(payload, retry_num=1)

    assert retry.status_code == 200
    assert time.monotonic() - started < 2.0  # not left to Bolt's 3-second ack timeout
    assert probe.count("view") == 1


def test_delivery_keys():
    from bot.middleware.dedup import delivery_key

    assert delivery_key({"type": "event_callback", "event_id": "Ev1"}) == ("event", "event:Ev1")
    assert delivery_key({"command": "/affinity", "trigger_id": "t1"}) == ("command", "command:t1")
    click = {
        "type": "block_actions",
        "trigger_id": "t2",
        "actions": [{"action_id": "approve", "action_ts": "1.5"}],
    }
    assert delivery_key(click) == ("action", "action:approve:1.5:t2")
    submit = {"type": "view_submission", "trigger_id": "t3", "view": {"id": "V1"}}
    assert delivery_key(submit) == ("view_submission", "view_submission:V1:t3")
    assert delivery_key({"type": "block_suggestion", "value": "ac"}) is None  # read-only
    assert delivery_key({"type": "url_verification", "challenge": "x"}) is None


def test_a_failing_click_in_the_app_home_apologises_in_the_dm(harness, fake_slack):
    @harness.app.action("home_boom")
    def home_boom(ack):
        ack()
        raise RuntimeError("the home button failed")

    payload = harness.slack.block_action_payload("home_boom", view={"type": "home"})
    harness.slack.block_action("home_boom", payload=payload)

    note = fake_slack.wait_for("chat.postMessage")
    assert note.params["channel"] in (harness.slack.user_id, harness.slack.dm_channel)
    _apology(note.params["text"])
