"""One Affinity webhook delivery: checked, claimed once, and turned into "read these lists now".

`receive(services, secret, body)` answers (status, JSON body) fast, for the WSGI route:
- a secret no registration has -> 404, and nothing in the body is read (the secret never logged);
- a body that is not Affinity's `{"type": str, "body": object, "sent_at": int}` (not JSON, or
  JSON nested deeper than Python parses) -> 400;
- `sent_at` more than `STALE` in the past (Affinity retries failed deliveries for up to 10 hours)
  or more than `SKEW` in the future -> 400;
- the same delivery again (same bytes: a redelivery) -> 200, nothing done twice;
- Affinity's test event (`sample.webhook`) -> 200;
- otherwise 200, and the shared polls of the tenant's running subscriptions are made due now
  (never sooner than `MIN_GAP` after their last read): those of the list the delivery is about
  when the app can tell (`list_id` of a list entry event; the field's list, as polls saw it, of
  a field value event), none for a global field's value (no subscription is told of those),
  every followed list otherwise. The changes themselves are then read by
  the usual poll, with each subscriber's own key, so nobody is told of what their key cannot see,
  and each change is posted once per destination (the outbox's claim) however often it is
  announced. Nothing in the delivery's body reaches Slack.
"""

from __future__ import annotations

import hashlib
import json
import logging
import threading
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from bot.features.notifications import field_lists
from bot.features.notifications.models import PollState
from bot.features.notifications.store import Subscriptions, poll_key
from bot.features.notifications.webhooks import EVENT_TYPES, WebhookRegistrations
from bot.services import Services

log = logging.getLogger(__name__)

STALE = timedelta(hours=12)
SKEW = timedelta(minutes=5)
MIN_GAP = timedelta(seconds=5)
"""A burst of deliveries reads each list at most once per this gap."""
CLAIM_TTL = timedelta(days=1)
SAMPLE = "sample.webhook"
NO_LIST = 0  # no list's subscribers are told of the event
LARGEST_ID = 2**63 - 1

Answer = tuple[int, dict[str, Any]]


def receive(services: Services, secret: str, body: bytes) -> Answer:
    registrations = WebhookRegistrations(services.engine, services.clock)
    found = registrations.by_secret(secret) if secret else None
    if found is None:
        log.warning("refused an Affinity webhook delivery: unknown delivery URL")
        return 404, {"ok": False, "error": "not_found"}
    event = _parse(body)
    if isinstance(event, str):
        log.warning("refused an Affinity webhook delivery for tenant %s: %s", found.tenant, event)
        return 400, {"ok": False, "error": event}
    event_type, event_body, sent_at = event
    if event_type == SAMPLE:
        return 200, {"ok": True}
    now = services.clock()
    if sent_at < now - STALE or sent_at > now + SKEW:
        log.warning("refused a stale Affinity webhook delivery for tenant %s", found.tenant)
        return 400, {"ok": False, "error": "stale"}
    digest = hashlib.sha256(body).hexdigest()
    if not services.claims.claim_once(f"affinity-delivery:{found.tenant}:{digest}", CLAIM_TTL):
        return 200, {"ok": True, "duplicate": True}
    registrations.delivered(found.tenant)
    if event_type not in EVENT_TYPES:
        return 200, {"ok": True, "ignored": event_type}
    list_id = _list_of(services, found.tenant, event_type, event_body)
    hurried = hurry(services, found.tenant, list_id)
    if hurried:
        wake(services)
    return 200, {"ok": True, "polls": hurried}


def _parse(body: bytes) -> tuple[str, dict[str, Any], datetime] | str:
    """(type, body, sent_at) of an Affinity delivery, or what is wrong with it."""
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError, RecursionError):  # RecursionError: nested too deep
        return "not JSON"
    if not isinstance(data, dict):
        return "not a JSON object"
    event_type, event_body, sent_at = data.get("type"), data.get("body"), data.get("sent_at")
    if not isinstance(event_type, str) or not event_type:
        return "no event type"
    if not isinstance(event_body, dict):
        return "no event body"
    if isinstance(sent_at, bool) or not isinstance(sent_at, int):
        return "no sent_at time"
    try:
        when = datetime.fromtimestamp(sent_at, UTC)
    except (OverflowError, OSError, ValueError):
        return "sent_at out of range"
    return event_type, event_body, when


def _list_of(services: Services, tenant: str, event_type: str, body: dict[str, Any]) -> int | None:
    """The list an event is about; NO_LIST for a change no subscription is told of (a global
    field's value: Affinity sends its `list_entry_id` as null); None when the app cannot tell
    (any followed list may have changed)."""
    if event_type.startswith("list_entry."):
        return _number(body.get("list_id"))
    if event_type.startswith("field_value."):
        if "list_entry_id" in body and body["list_entry_id"] is None:
            return NO_LIST
        field_id = _number(body.get("field_id"))
        return field_lists.list_of(services.engine, tenant, field_id) if field_id else None
    return None


def _number(value: Any) -> int | None:
    """A positive id that fits the database's integers (a larger one is no id of Affinity's)."""
    if isinstance(value, bool) or not isinstance(value, int):
        return None
    return value if 0 < value <= LARGEST_ID else None


def hurry(services: Services, tenant: str, list_id: int | None) -> int:
    """Make the tenant's shared polls (of `list_id`, or all when None) due now; how many were.

    Only polls on their usual schedule: one backing off after a 429, or waiting for the monthly
    quota, keeps its time (a webhook never spends requests Affinity said to save)."""
    subs = Subscriptions(services.engine, services.clock).all_active(tenant, list_id)
    keys = {poll_key(s) for s in subs}
    if not keys:
        return 0
    now = services.clock()
    interval = timedelta(seconds=services.settings.notify_poll_seconds)
    hurried = 0
    with Session(services.engine) as session:
        polls = list(session.scalars(select(PollState).where(PollState.key.in_(keys))))
    for poll in polls:
        due = max(now, poll.last_polled_at + MIN_GAP)
        if poll.backoff_seconds or poll.next_poll_at <= due or poll.next_poll_at > now + interval:
            continue
        with services.engine.begin() as connection:
            result = connection.execute(
                update(PollState)
                .where(PollState.key == poll.key, PollState.next_poll_at > due)
                .values(next_poll_at=due)
            )
            hurried += int(result.rowcount == 1)
    return hurried


def wake(services: Services) -> None:
    """Run the poll job now, off the request thread, when this process runs its jobs (tests and
    the console run them by hand)."""
    from bot.features.notifications import JOB

    background = services.background
    if background.running:
        threading.Thread(
            target=background.run_once, args=(JOB,), name="webhook-poll", daemon=True
        ).start()
