"""Slack retries never repeat work: each delivery is claimed once, in the database.

Slack redelivers an event it thinks was missed (with `X-Slack-Retry-Num`), and Socket Mode may
redeliver an envelope after a reconnect. Every delivery gets a stable key; the first process to
insert that key into `slack_event_receipts` handles it, every other copy is acked and dropped.
An insert-or-ignore on the primary key makes the claim atomic across processes sharing the
database. A retry whose original never arrived finds no receipt and is handled normally — we
never drop a request just because it carries a retry header.

The claim is made on the listener thread, just before the listener runs, never on the request
thread: the acknowledgement of a command, a click or an event waits on no database. The
middleware only notes the delivery's key (`DeliveryClaim`, in a thread-local of the request
thread); the bounded listener pool (`bot.middleware.capacity`) picks it up as Bolt submits the
listener, and runs the listener only if the claim is the first. A repeat is acknowledged and
dropped; a claim that fails (the database is down) is apologised for like any listener error.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Mapping
from typing import Any

from slack_bolt import App, BoltRequest, BoltResponse

from bot.receipts import DeliveryReceipts
from bot.services import Services

PRUNE_INTERVAL_SECONDS = 3600.0

logger = logging.getLogger("bot.dedup")


def delivery_key(body: Mapping[str, Any]) -> tuple[str, str] | None:
    """`(kind, key)` identifying one Slack delivery, or None for requests that need no dedup.

    Events: the `event_id`. Commands, shortcuts and submissions: the `trigger_id`, unique per user
    gesture. Button clicks: the action id and its `action_ts` (plus the trigger id), so a
    redelivered click is caught while a second, deliberate click on a "more" button is not.
    Options requests (type-ahead) read only, so they are never deduplicated. Any payload shape
    gives an answer (a field of an unexpected type reads as absent).
    """
    if not isinstance(body, Mapping):
        return None
    kind = body.get("type")
    if kind == "event_callback" and body.get("event_id"):
        return "event", f"event:{body['event_id']}"
    if body.get("command") and body.get("trigger_id"):
        return "command", f"command:{body['trigger_id']}"
    if kind == "block_actions":
        actions = body.get("actions")
        first = actions[0] if isinstance(actions, list) and actions else None
        first = first if isinstance(first, Mapping) else {}
        parts = [first.get("action_id"), first.get("action_ts"), body.get("trigger_id")]
        if any(parts):
            return "action", "action:" + ":".join(str(p or "") for p in parts)
    if kind in ("view_submission", "shortcut", "message_action") and body.get("trigger_id"):
        view = body.get("view")
        view_id = view.get("id", "") if isinstance(view, Mapping) else ""
        return kind, f"{kind}:{view_id}:{body['trigger_id']}"
    return None


def retry_num(request: BoltRequest) -> str | None:
    return request.headers.get("x-slack-retry-num", [None])[0]


ErrorHandler = Callable[[Exception, BoltRequest, BoltResponse | None], BoltResponse | None]


class DeliveryClaim:
    """One delivery's claim, made on the listener thread just before its listener runs."""

    def __init__(
        self,
        receipts: DeliveryReceipts,
        found: tuple[str, str],
        request: BoltRequest,
        on_error: ErrorHandler,
    ) -> None:
        self.receipts = receipts
        self.kind, self.key = found
        self.request = request
        self.on_error = on_error

    def guard(self, work: Callable[[], Any]) -> Callable[[], None]:
        """`work` (Bolt's listener run) wrapped so that it runs only for the first claim."""

        def run_if_first() -> None:
            try:
                first = self.receipts.claim(self.kind, self.key)
            except Exception as error:  # the apology path of any listener error
                self._answer(self.on_error(error, self.request, BoltResponse(status=500)))
                return
            if not first:
                logger.info(
                    "dropped a repeated Slack delivery %s (retry %s)",
                    self.key,
                    retry_num(self.request) or "-",
                )
                self._answer(None)
                return
            work()

        return run_if_first

    def _answer(self, response: BoltResponse | None) -> None:
        """Acknowledge a delivery its listener will not run for (Bolt waits for that ack)."""
        ack = self.request.context.ack
        if ack is not None and ack.response is None:
            ack.response = response or BoltResponse(status=200, body="")


_dispatching = threading.local()


def note_claim(claim: DeliveryClaim | None) -> None:
    """The claim of the delivery this (request) thread is dispatching; None for no dedup."""
    _dispatching.claim = claim


def guard_listener(work: Callable[[], Any]) -> Callable[[], Any]:
    """The listener pool's hook: bind `work`, submitted while dispatching, to its delivery's claim.

    The claim is taken once: a second submission from the same dispatch is not guarded again.
    """
    claim: DeliveryClaim | None = getattr(_dispatching, "claim", None)
    _dispatching.claim = None
    return work if claim is None else claim.guard(work)


def build_dedup_middleware(
    receipts: DeliveryReceipts, on_error: ErrorHandler
) -> Callable[..., BoltResponse]:
    def deduplicate_deliveries(
        body: dict[str, Any], request: BoltRequest, next: Callable[[], BoltResponse]
    ) -> BoltResponse:
        found = delivery_key(body)
        note_claim(None if found is None else DeliveryClaim(receipts, found, request, on_error))
        return next()

    return deduplicate_deliveries


def install_dedup(app: App, services: Services, on_error: ErrorHandler) -> DeliveryReceipts:
    receipts = services.receipts
    app.middleware(build_dedup_middleware(receipts, on_error))
    services.background.register("prune-slack-receipts", PRUNE_INTERVAL_SECONDS, receipts.prune)
    return receipts
