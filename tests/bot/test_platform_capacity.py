"""Bounded work: past LISTENER_QUEUE_LIMIT waiting deliveries, each kind is turned away at once."""

from __future__ import annotations

import logging
import time

import pytest

from bot.devtools.fake_slack import RESPONSE_URL
from bot.features import platform
from bot.middleware.capacity import BUSY
from tests.bot.test_conversation_support import wait_until
from tests.bot.test_platform import QUIET_PERIOD, Probe

QUEUE_LIMIT = 2


@pytest.fixture
def probe() -> Probe:
    return Probe()


@pytest.fixture
def full(slack_app_factory, probe, monkeypatch):
    """An app with one listener thread and room for two waiting: three "wait" commands fill it."""
    monkeypatch.setattr("bot.app.LISTENER_THREADS", 1)
    harness = slack_app_factory(
        features=[platform],
        extra_features=[probe],
        with_sandbox=False,
        listener_queue_limit=QUEUE_LIMIT,
    )
    try:
        for _ in range(1 + QUEUE_LIMIT):
            assert harness.slack.command("wait").status_code == 200
        assert wait_until(lambda: probe.count("command") == 1)
        yield harness
    finally:
        probe.release.set()


def test_a_command_past_the_limit_is_told_busy_at_once(full, fake_slack, probe, caplog):
    started = time.monotonic()
    sent = full.slack.command("one too many")

    assert time.monotonic() - started < 1.0
    assert sent.status_code == 200
    assert sent.json() == {"response_type": "ephemeral", "text": BUSY}
    assert "listener queue full: turned away command /affinity" in caplog.text
    probe.release.set()
    assert wait_until(lambda: probe.count("command") == 1 + QUEUE_LIMIT)
    time.sleep(QUIET_PERIOD)
    assert "one too many" not in [detail for _, detail in probe.seen]


def test_an_event_past_the_limit_is_acknowledged_and_dropped(full, probe, caplog):
    sent = full.slack.message_im("hello")

    assert sent.status_code == 200
    assert "listener queue full: turned away event message" in caplog.text
    probe.release.set()
    time.sleep(QUIET_PERIOD)
    assert probe.count("message") == 0
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


def test_a_click_past_the_limit_gets_a_private_busy_note(full, fake_slack, probe):
    sent = full.slack.block_action("probe_click", "1")

    assert sent.status_code == 200
    note = fake_slack.wait_for(RESPONSE_URL, lambda c: c.response_id == sent.response_id)
    assert note.params["text"] == BUSY
    assert note.params["response_type"] == "ephemeral"
    assert probe.count("click") == 0


def test_a_dialog_past_the_limit_stays_open_with_the_note_on_its_input(full, probe):
    payload = full.slack.view_submission_payload("probe_modal", {})
    payload["view"]["blocks"] = [{"type": "input", "block_id": "api_key"}]

    answer = full.slack.view_submission("probe_modal", payload=payload)

    assert answer.json() == {"response_action": "errors", "errors": {"api_key": BUSY}}
    assert probe.count("view") == 0


def test_once_the_queue_drains_commands_run_again(full, fake_slack, probe):
    probe.release.set()
    assert wait_until(lambda: full.app._listener_runner.listener_executor.outstanding == 0)

    sent = full.slack.command("after the burst")

    fake_slack.wait_for(RESPONSE_URL, lambda c: c.response_id == sent.response_id)
    assert probe.count("command") == 2 + QUEUE_LIMIT
