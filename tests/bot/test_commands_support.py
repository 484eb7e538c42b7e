"""Shared helpers of the `/affinity` command tests (no tests here).

The app under test is the real one (HTTP, signed requests, fake Slack, Affinity sandbox) with the
platform, connect and commands features. Users are connected directly through the real vault
with the sandbox's whoami profile, as the connect modal would.
"""

from __future__ import annotations

import importlib
import json
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from affinity_client import AffinityClient, run_tool
from affinity_client.sandbox import seed
from bot.blocks import actions as ids
from bot.connector import CONNECTION, identifier_for
from bot.devtools.fake_slack import RecordedCall
from bot.features.commands.engine import buttons
from vault import AffinityList, AffinityProfile


def on_the_seeds_day(hour: int, minute: int = 0) -> datetime:
    """A UTC time on the sandbox seed's "today" (the Pacific day; its meetings are at 15:00-21:00
    UTC on it), for a clock that must agree with the seeded meetings and reminders at any hour."""
    day = datetime.now(seed.PACIFIC).date()
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=UTC)


ALICE = "U0ALICE01"  # admin key (Maya Patel)
BOB = "U0BOB0002"  # standard key (Daniel Okafor): no private list
CAROL = "U0CAROL03"  # never connected


def features() -> list[Any]:
    names = ["bot.features.platform", "bot.features.connect", "bot.features.commands"]
    return [importlib.import_module(name) for name in names]


def make_app(slack_app_factory: Callable[..., Any], **options: Any) -> Any:
    """The app under test; test modules wrap this in their own `app` fixture."""
    return slack_app_factory(features=features(), **options)


def connect(
    harness: Any, user_id: str, key: str = seed.ADMIN_KEY, *, sandbox: Any, lists: bool = True
) -> str:
    """Store a verified key for a Slack user through the real vault. Returns the identifier."""
    client = AffinityClient(key, base_url=sandbox.base_url)
    try:
        body = client.whoami()
        user = body["user"]
        first, _, last = (user.get("name") or "").partition(" ")
        profile = AffinityProfile.from_whoami(
            {
                "user": {
                    "id": user["id"],
                    "firstName": first,
                    "lastName": last,
                    "emailAddress": user.get("email"),
                },
                "tenant": body["tenant"],
            }
        )
        cached = (
            [
                AffinityList(x["id"], x["name"], x["type"])
                for x in run_tool(client, "affinity_list_lists", {})["lists"]
            ]
            if lists
            else None
        )
    finally:
        client.close()
    identifier = identifier_for(harness.slack.team_id, user_id)
    harness.services.vault.connect(CONNECTION, identifier, key, profile, cached)
    return identifier


def answer(harness: Any, sent: Any, *, index: int = 0, timeout: float = 10.0) -> RecordedCall:
    """The `index`-th message posted to the response_url of `sent` (waiting for it)."""
    fake = harness.fake
    fake.wait_for(
        "response_url",
        lambda c: (
            c.response_id == sent.response_id and len(fake.responses(sent.response_id)) > index
        ),
        timeout=timeout,
    )
    return fake.responses(sent.response_id)[index]


def last_answer(harness: Any, sent: Any, count: int, timeout: float = 10.0) -> RecordedCall:
    return answer(harness, sent, index=count - 1, timeout=timeout)


def run(harness: Any, text: str, user_id: str = ALICE) -> RecordedCall:
    """`/affinity <text>` as `user_id`; the first answer at its response_url."""
    sent = harness.slack.as_user(user_id).command(text)
    assert sent.status_code == 200, sent.text
    return answer(harness, sent)


def all_buttons(call: RecordedCall | dict[str, Any]) -> list[dict[str, Any]]:
    return buttons(call.params if isinstance(call, RecordedCall) else call)


def button(
    call: RecordedCall | dict[str, Any], action_id: str, label: str | None = None
) -> dict[str, Any]:
    for element in all_buttons(call):
        matches = element.get("action_id") == action_id or (
            action_id in (ids.PICK, ids.RUN)
            and str(element.get("action_id", "")).startswith(action_id)
        )
        if matches and (
            label is None
            or label in json.dumps(element.get("text"))
            or label in str(element.get("value"))
        ):
            return element
    raise AssertionError(f"no {action_id} button {label or ''} in {all_buttons(call)}")


def has_button(call: RecordedCall | dict[str, Any], action_id: str) -> bool:
    return any(e.get("action_id") == action_id for e in all_buttons(call))


def click(
    harness: Any,
    action_id: str,
    value: str,
    user_id: str = ALICE,
    *,
    ephemeral: bool = True,
    message_ts: str = "1700000000.000100",
    **options: Any,
) -> Any:
    """Click a button on an ephemeral result (as Slack sends it: no message body)."""
    slack = harness.slack.as_user(user_id)
    payload = slack.block_action_payload(action_id, value, message_ts=message_ts, **options)
    if ephemeral:
        payload["container"]["is_ephemeral"] = True
        payload.pop("message", None)
    return slack.block_action(action_id, payload=payload)


def without_retries(harness: Any) -> None:
    """Make the app's Affinity clients give up on the first 429/5xx (keeps tests fast)."""
    from affinity_client.retry import RetryPolicy
    from bot.connector import ClientPool

    connector = harness.services.connector
    base_url = harness.settings.affinity_base_url

    def factory(key: str) -> AffinityClient:
        return AffinityClient(key, base_url=base_url, retry=RetryPolicy(max_attempts=1))

    connector.client_factory = factory
    connector.pool = ClientPool(factory)
