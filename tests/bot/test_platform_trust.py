"""Requests that cannot be verified are refused before anything reads them; malformed signed
payloads are refused without an error."""

from __future__ import annotations

import json
import logging
import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from slack_bolt import BoltRequest

from bot.devtools.fake_slack import RESPONSE_URL
from bot.features import platform
from tests.bot.test_platform import QUIET_PERIOD, Probe

FORGED_USER = "U0FORGED77"
FORGED_TEAM = "T0FORGED77"


@pytest.fixture
def probe() -> Probe:
    return Probe()


@pytest.fixture
def harness(slack_app_factory, probe):
    return slack_app_factory(features=[platform], extra_features=[probe], with_sandbox=False)


def forged_click(harness) -> dict:
    """A click whose response_url points at the fake Slack: any call to it would be recorded."""
    slack = harness.slack.as_user(FORGED_USER, team_id=FORGED_TEAM)
    return slack.block_action_payload("probe_click", "1")


def slack_calls(fake_slack) -> list:
    """What the app asked of Slack, apart from the auth.test it makes when it is built."""
    return [call for call in fake_slack.calls() if call.method != "auth.test"]


def assert_refused_quietly(caplog, fake_slack, probe) -> None:
    time.sleep(QUIET_PERIOD)
    assert probe.seen == []
    assert fake_slack.calls(RESPONSE_URL) == []
    assert slack_calls(fake_slack) == []
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1, [r.getMessage() for r in warnings]
    assert FORGED_USER not in caplog.text and FORGED_TEAM not in caplog.text


UNVERIFIABLE = {
    "a timestamp that is not a number": {"timestamp": "abc"},
    "a timestamp with a sign": {"timestamp": "+1700000000"},
    "an enormous timestamp": {"timestamp": "9" * 40},
    "no timestamp": {"without": ("X-Slack-Request-Timestamp",)},
    "no signature": {"without": ("X-Slack-Signature",)},
    "a signature of the wrong form": {"signature": "v1=abc"},
    "a signature that is not hex": {"signature": "v0=" + "z" * 64},
    "no headers at all": {"without": ("X-Slack-Request-Timestamp", "X-Slack-Signature")},
}


@pytest.mark.parametrize("transport", UNVERIFIABLE.values(), ids=UNVERIFIABLE.keys())
def test_an_unverifiable_click_is_401_and_nothing_is_used(
    harness, fake_slack, probe, caplog, transport
):
    caplog.set_level(logging.DEBUG, logger="bot")
    payload = forged_click(harness)

    sent = harness.slack.block_action("probe_click", payload=payload, **transport)

    assert sent.status_code == 401
    assert_refused_quietly(caplog, fake_slack, probe)
    assert "refused a request that could not be verified" in caplog.text


@pytest.mark.parametrize("body", ["payload=not-json", "payload=%5Bnull%5D", "\xff\xfe", "[]"])
def test_an_unsigned_body_that_cannot_be_parsed_is_401(harness, fake_slack, probe, caplog, body):
    caplog.set_level(logging.DEBUG, logger="bot")

    sent = harness.slack.post(body, "application/x-www-form-urlencoded", signature="v0=" + "0" * 64)

    assert sent.status_code == 401
    assert_refused_quietly(caplog, fake_slack, probe)


def test_dispatching_an_unsigned_http_request_directly_is_refused_too(
    harness, fake_slack, probe, caplog
):
    """The WSGI layer is not the only guard: the app itself refuses what is not signed."""
    caplog.set_level(logging.DEBUG, logger="bot")
    body = "payload=" + json.dumps(forged_click(harness))
    request = BoltRequest(
        body=body,
        headers={
            "content-type": "application/x-www-form-urlencoded",
            "x-slack-request-timestamp": "abc",
            "x-slack-signature": "v0=" + "0" * 64,
        },
    )

    assert harness.app.dispatch(request).status == 401
    assert_refused_quietly(caplog, fake_slack, probe)


def test_the_error_handler_uses_nothing_from_an_unverified_request(harness, fake_slack):
    from slack_bolt import BoltResponse

    from bot.middleware.errors import build_error_handler

    body = "payload=" + json.dumps(forged_click(harness))
    request = BoltRequest(body=body, headers={"content-type": "application/x-www-form-urlencoded"})
    handler = build_error_handler(harness.services)

    answer = handler(RuntimeError("before verification"), request, BoltResponse(status=500))

    assert answer.status == 401
    time.sleep(QUIET_PERIOD)
    assert slack_calls(fake_slack) == []


MALFORMED_CLICKS = {
    "actions: [null]": {"actions": [None]},
    "actions: text": {"actions": "x"},
    "actions: []": {"actions": []},
    "an action without its id": {"actions": [{"type": "button", "value": "1"}]},
    "user: a list": {"user": [FORGED_USER]},
    "view: text": {"view": "x"},
    "response_url: a number": {"response_url": 7},
}


@pytest.mark.parametrize("change", MALFORMED_CLICKS.values(), ids=MALFORMED_CLICKS.keys())
def test_a_signed_malformed_click_is_400_with_one_warning(
    harness, fake_slack, probe, caplog, change
):
    caplog.set_level(logging.DEBUG, logger="bot")
    payload = {**forged_click(harness), **change}

    sent = harness.slack.block_action("probe_click", payload=payload)

    assert sent.status_code == 400
    assert_refused_quietly(caplog, fake_slack, probe)
    assert "refused a signed request (HTTP 400)" in caplog.text


@pytest.mark.parametrize("body", ['"x"', "[]", "[null]", "7", "{", "null"])
def test_a_signed_body_that_is_not_an_object_is_400(harness, fake_slack, probe, caplog, body):
    caplog.set_level(logging.DEBUG, logger="bot")

    json_sent = harness.slack.post(body, "application/json")
    form_sent = harness.slack.post_form({"payload": body})

    assert (json_sent.status_code, form_sent.status_code) == (400, 400)
    time.sleep(QUIET_PERIOD)
    assert probe.seen == [] and slack_calls(fake_slack) == []
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


def test_a_malformed_socket_mode_envelope_is_refused_and_a_good_one_runs(
    slack_app_factory, fake_slack, probe
):
    harness = slack_app_factory(
        features=[platform],
        extra_features=[probe],
        with_sandbox=False,
        slack_app_token="xapp-1-A1-socket",
        slack_signing_secret=None,
    )
    good = harness.slack.event_envelope(
        {
            "type": "message",
            "channel_type": "im",
            "channel": "D0ALICE01",
            "user": "U0ALICE01",
            "text": "over the socket",
            "ts": "1700000000.000100",
        }
    )
    bad = {**good, "event_id": "Ev0BADSOCK1", "event": ["not", "an", "event"]}

    def deliver(envelope: dict) -> int:
        return harness.app.dispatch(BoltRequest(body=envelope, mode="socket_mode")).status

    assert deliver(bad) == 400
    assert deliver(good) == 200
    fake_slack.wait_for("chat.postMessage")
    assert probe.count("message") == 1


def test_a_signed_request_still_works_after_all_this(harness, fake_slack):
    sent = harness.slack.command("hello")

    assert sent.status_code == 200
    fake_slack.wait_for(RESPONSE_URL, lambda c: c.params.get("text") == "echo hello")


ANY_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=4),
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.dictionaries(
            st.sampled_from(
                [
                    "type",
                    "actions",
                    "event",
                    "view",
                    "user",
                    "team",
                    "channel",
                    "command",
                    "trigger_id",
                    "event_id",
                    "id",
                    "action_id",
                    "team_id",
                ]
            ),
            inner,
            max_size=4,
        )
    ),
    max_leaves=8,
)


@settings(max_examples=300)
@given(body=ANY_JSON)
def test_delivery_keys_and_request_lines_read_any_shape(body):
    """The platform's readers of a payload never raise, whatever they are given."""
    from bot.middleware.dedup import delivery_key
    from bot.middleware.requester import describe_request
    from bot.middleware.shapes import shape_problem

    delivery_key(body)
    assert describe_request(body).count("team=") == 1
    shape_problem(body)


def test_a_click_on_an_ephemeral_message_is_let_in(harness, fake_slack, probe):
    """Slack sends no `message` with a click on an ephemeral message (a command's answer)."""
    payload = harness.slack.block_action_payload("probe_click", "eph")
    payload["container"]["is_ephemeral"] = True
    del payload["message"]

    sent = harness.slack.block_action("probe_click", payload=payload)

    assert sent.status_code == 200
    fake_slack.wait_for(RESPONSE_URL, lambda c: c.response_id == sent.response_id)
    assert probe.count("click") == 1


def test_a_body_larger_than_slack_sends_is_413_unread(harness, probe, caplog):
    from bot.wsgi import MAX_BODY_BYTES

    sent = harness.slack.post("x" * (MAX_BODY_BYTES + 1), "application/x-www-form-urlencoded")

    assert sent.status_code == 413
    assert "refused a request (HTTP 413)" in caplog.text
    assert probe.seen == []
