"""Whatever the shape of a signed payload, the real app answers 2xx or 4xx and logs no error.

A property test over payload shapes: realistic commands, clicks (on the real buttons), view
submissions, options requests, shortcuts and events, with fields replaced by values of any type
or removed, and bodies that are not objects at all, signed and sent to the real app (every
feature registered) through its WSGI application, in-process.
"""

from __future__ import annotations

import json
import logging
import time
from typing import Any
from urllib.parse import urlencode

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from werkzeug.test import Client

from bot.blocks import actions as ids
from bot.blocks.confirmation import ACTION_IDS as CARD_ACTIONS
from bot.wsgi import create_wsgi_app

EXAMPLES = 2000

SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-3, 3),
    st.floats(allow_nan=False),
    st.sampled_from(["", "x", "U0ALICE01", "1.5", "{}", "[]", "null"]),
)
JUNK = st.recursive(
    SCALARS,
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.dictionaries(
            st.sampled_from(["id", "type", "value", "action_id", "text", "user", "x"]),
            inner,
            max_size=3,
        )
    ),
    max_leaves=5,
)
NOT_AN_OBJECT = st.sampled_from(['"x"', "[]", "[null]", "7", "null", "{", "", "[{}]"])


class ErrorRecords(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


def paths(value: Any, prefix: tuple = ()) -> list[tuple]:
    """Every path to a field or item inside `value`."""
    found: list[tuple] = []
    children = (
        value.items()
        if isinstance(value, dict)
        else (enumerate(value) if isinstance(value, list) else ())
    )
    for key, child in children:
        found.append((*prefix, key))
        found.extend(paths(child, (*prefix, key)))
    return found


def mutate(payload: Any, path: tuple, replacement: Any, delete: bool) -> None:
    parent = payload
    for key in path[:-1]:
        parent = parent[key]
    if delete:
        del parent[path[-1]]
    else:
        parent[path[-1]] = replacement


def skeletons(slack) -> list[tuple[str, dict]]:
    """(how it is sent, payload) for each kind of request the app receives."""
    clicks = [
        ids.MORE,
        ids.SHARE,
        f"{ids.PICK}:1",
        f"{ids.RUN}:2",
        ids.OPEN_IN_AFFINITY,
        ids.CONNECT,
        ids.RECONNECT,
        ids.DISCONNECT,
        ids.DISCONNECT_CONFIRM,
        ids.DISCONNECT_CANCEL,
        ids.HELP,
        *CARD_ACTIONS,
        "unknown_action",
    ]
    found: list[tuple[str, dict]] = [
        ("command", slack.command_payload("deals series a")),
        ("command", slack.command_payload("connect")),
        ("command", slack.command_payload("")),
    ]
    for action_id in clicks:
        found.append(("interactive", slack.block_action_payload(action_id, "v1")))
    found.append(
        (
            "interactive",
            slack.block_action_payload(
                ids.DISCONNECT, "v1", view={"type": "home", "id": "V0HOME0001"}
            ),
        )
    )
    key_values = slack.input_values({ids.API_KEY_BLOCK: "not-a-key"}, ids.API_KEY_ACTION)
    found.append(("interactive", slack.view_submission_payload(ids.CONNECT_MODAL, key_values)))
    found.append(
        ("interactive", {**slack.view_submission_payload("unknown_view"), "type": "view_closed"})
    )
    found.append(
        (
            "interactive",
            {
                "type": "block_suggestion",
                "action_id": "x",
                "block_id": "b",
                "value": "ja",
                **slack._actor(),
            },
        )
    )
    found.append(
        ("interactive", {"type": "shortcut", "callback_id": "log_to_affinity", **slack._actor()})
    )
    events = [
        {
            "type": "message",
            "channel_type": "im",
            "channel": "D0ALICE01",
            "user": slack.user_id,
            "text": "deals",
            "ts": "1700000000.000100",
            "event_ts": "1700000000.000100",
        },
        {
            "type": "app_mention",
            "channel": "C0DEALS01",
            "user": slack.user_id,
            "text": "<@U0BOT> hi",
            "ts": "1700000000.000200",
        },
        {"type": "app_home_opened", "user": slack.user_id, "channel": "D0ALICE01", "tab": "home"},
        {
            "type": "user_change",
            "user": {"id": slack.user_id, "deleted": True, "team_id": slack.team_id},
        },
        {"type": "tokens_revoked", "tokens": {"oauth": [], "bot": ["U0BOT"]}},
    ]
    for event in events:
        found.append(("json", slack.event_envelope(event)))
    return found


def encode(how: str, payload: Any) -> tuple[str, str]:
    if how == "command" and isinstance(payload, dict):
        fields = {k: v if isinstance(v, str) else json.dumps(v) for k, v in payload.items()}
        return urlencode(fields), "application/x-www-form-urlencoded"
    if how == "interactive":
        return urlencode({"payload": json.dumps(payload)}), "application/x-www-form-urlencoded"
    return json.dumps(payload), "application/json"


@pytest.mark.slow
def test_every_payload_shape_gets_2xx_or_4xx_and_no_error_is_logged(slack_app_factory):
    """2,000 examples, in-process. Slow for a unit test (about 15 s): it is the proof that
    no payload shape gives a 5xx or an error."""
    harness = slack_app_factory(with_sandbox=False)
    slack = harness.slack
    client = Client(create_wsgi_app(harness.app, harness.services))
    pool = harness.app._listener_runner.listener_executor
    bases = skeletons(slack)
    errors = ErrorRecords()
    logging.getLogger().addHandler(errors)
    statuses: dict[int, int] = {}

    @settings(max_examples=EXAMPLES, suppress_health_check=list(HealthCheck))
    @given(data=st.data())
    def property_holds(data: st.DataObject) -> None:
        how, base = data.draw(st.sampled_from(bases))
        if data.draw(st.integers(0, 9)) == 0:
            body = data.draw(NOT_AN_OBJECT)
            content_type = "application/json" if how == "json" else None
            if content_type is None:
                body = urlencode({"payload": body})
                content_type = "application/x-www-form-urlencoded"
        else:
            payload = json.loads(json.dumps(base))
            for _ in range(data.draw(st.integers(1, 3))):
                where = paths(payload)
                if not where:
                    break
                path = data.draw(st.sampled_from(where))
                delete = data.draw(st.booleans())
                mutate(payload, path, None if delete else data.draw(JUNK), delete)
            body, content_type = encode(how, payload)
        response = client.post(
            "/slack/events", data=body.encode(), headers=slack.signed_headers(body, content_type)
        )
        statuses[response.status_code] = statuses.get(response.status_code, 0) + 1
        assert response.status_code < 500, (response.status_code, body[:300])
        # Listeners run after the answer: an error they log shows up examples later, and
        # the final check below (once the pool is idle) catches those.
        assert not [r for r in errors.records if r.name == "bot.trust"]

    try:
        property_holds()
        deadline = time.monotonic() + 20
        while pool.outstanding and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        logging.getLogger().removeHandler(errors)
    assert not errors.records, [r.getMessage() for r in errors.records[:5]]
    assert statuses.get(400, 0) > 100 and statuses.get(200, 0) > 100, statuses
