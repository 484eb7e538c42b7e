"""Slash commands and button clicks are acknowledged before their listener is even scheduled.

With `process_before_response=False`, Bolt runs a listener — its `ack()` and the slow Affinity
or Claude work after it — on the listener pool, and holds the HTTP response until `ack()` is
called. Under a burst (200 people pressing Enter at once) every pool thread is busy with earlier
requests' work, so later requests cannot even acknowledge and Slack shows "operation_timeout".
These deliveries need nothing in their acknowledgement, so this middleware acknowledges them on
the request thread; the listener's own `ack()` then changes nothing, and the work queues behind
the pool without holding up Slack.

Not acknowledged early: view submissions (the key dialog answers validation errors *in* its
acknowledgement), options requests (the answer is the acknowledgement), shortcuts (they open
views with a trigger) and events (Bolt already acknowledges those at once).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from slack_bolt import Ack, App, BoltContext, BoltResponse

EARLY_ACK_TYPES = frozenset({"block_actions"})


class StickyAck(Ack):
    """An acknowledgement that, once given, stays given.

    When a listener raises after the acknowledgement, Bolt's thread runner resets
    `ack.response` to None; if that happens before the runner has read it, the request would go
    unanswered (404 after 3 s). The early acknowledgement is already the right answer, so it holds.
    """

    @property
    def response(self) -> BoltResponse | None:
        return self.__dict__.get("_response")

    @response.setter
    def response(self, value: BoltResponse | None) -> None:
        if value is not None or self.response is None:
            self.__dict__["_response"] = value


def needs_nothing_in_its_ack(body: dict[str, Any]) -> bool:
    """True for deliveries whose acknowledgement carries nothing: commands and button clicks."""
    return "command" in body or body.get("type") in EARLY_ACK_TYPES


def acknowledge_early(
    body: dict[str, Any], ack: Ack, context: BoltContext, next: Callable[[], BoltResponse]
) -> BoltResponse:
    if ack.response is None and needs_nothing_in_its_ack(body):
        early = StickyAck()
        early()
        context["ack"] = early
    return next()


def install_early_ack(app: App) -> None:
    app.middleware(acknowledge_early)
