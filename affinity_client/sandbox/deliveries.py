"""Webhook deliveries: every write the API announces is POSTed to each active webhook subscribed
to its type, as Affinity documents the payload (V1 "Supported Webhook Events", whose types the
V2 spec shares: `{"type": "list_entry.created", "body": {...}, "sent_at": 1631120151}`, `sent_at`
in Unix seconds).

Writes only queue: one daemon thread POSTs, so a receiver that is slow or down never blocks or
breaks the write that caused the event (Affinity retries for hours; the sandbox tries once and
records the outcome). Tests wait with `flush()` and send a recorded delivery again, byte for byte,
with `redeliver()` (Affinity redelivers when an answer is lost).
"""

from __future__ import annotations

import json
import queue
import threading
import time
from dataclasses import dataclass, field
from typing import Any

import httpx

DELIVERY_TIMEOUT_SECONDS = 5.0
FLUSH_LIMIT_SECONDS = 10.0
KEEP = 500
"""Recorded deliveries kept (the oldest are forgotten)."""


def payload(event_type: str, body: dict[str, Any], now: float | None = None) -> bytes:
    sent_at = int(time.time() if now is None else now)
    message = {"type": event_type, "body": body, "sent_at": sent_at}
    return json.dumps(message, default=str).encode()


@dataclass
class Delivery:
    id: int
    webhook_id: int
    url: str
    type: str
    data: bytes
    attempts: list[int | str] = field(default_factory=list)
    """Each attempt's HTTP status, or the transport error's name."""

    def summary(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "webhookId": self.webhook_id,
            "url": self.url,
            "type": self.type,
            "payload": json.loads(self.data),
            "attempts": list(self.attempts),
        }


class Deliveries:
    """The queue of deliveries, its one sender thread, and the record of what was sent."""

    def __init__(self) -> None:
        self._queue: queue.Queue[tuple[int, Delivery]] = queue.Queue()
        self._lock = threading.Lock()
        self._records: dict[int, Delivery] = {}
        self._next_id = 1
        self._generation = 0
        self._idle = threading.Condition(self._lock)
        self._pending = 0
        self._thread: threading.Thread | None = None

    def enqueue(self, webhook_id: int, url: str, event_type: str, data: bytes) -> Delivery:
        with self._lock:
            delivery = Delivery(self._next_id, webhook_id, url, event_type, data)
            self._next_id += 1
            self._records[delivery.id] = delivery
            while len(self._records) > KEEP:
                del self._records[next(iter(self._records))]
            self._submit(delivery)
        return delivery

    def redeliver(self, delivery_id: int | None = None) -> Delivery | None:
        """Send a recorded delivery (the last one when None) again, unchanged."""
        with self._lock:
            if not self._records:
                return None
            found = self._records.get(
                delivery_id if delivery_id is not None else max(self._records)
            )
            if found is not None:
                self._submit(found)
            return found

    def flush(self, timeout: float = FLUSH_LIMIT_SECONDS) -> bool:
        """Wait until everything queued has been attempted; False if `timeout` passed first."""
        deadline = time.monotonic() + timeout
        with self._idle:
            while self._pending:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._idle.wait(left)
        return True

    def recorded(self) -> list[dict[str, Any]]:
        with self._lock:
            return [d.summary() for d in self._records.values()]

    def reset(self) -> None:
        """Forget the record; deliveries still queued are dropped unsent."""
        with self._lock:
            self._records.clear()
            self._generation += 1

    # -- the sender --------------------------------------------------------------------------

    def _submit(self, delivery: Delivery) -> None:
        """Queue `delivery` (the caller holds `_lock`)."""
        self._pending += 1
        self._queue.put((self._generation, delivery))
        if self._thread is None or not self._thread.is_alive():
            self._thread = threading.Thread(
                target=self._send_forever, name="sandbox-webhooks", daemon=True
            )
            self._thread.start()

    def _send_forever(self) -> None:
        with httpx.Client(timeout=DELIVERY_TIMEOUT_SECONDS) as client:
            while True:
                generation, delivery = self._queue.get()
                try:
                    if generation == self._generation:
                        delivery.attempts.append(_post(client, delivery))
                finally:
                    with self._idle:
                        self._pending -= 1
                        self._idle.notify_all()


def _post(client: httpx.Client, delivery: Delivery) -> int | str:
    try:
        answer = client.post(
            delivery.url, content=delivery.data, headers={"Content-Type": "application/json"}
        )
    except httpx.HTTPError as error:
        return type(error).__name__
    return answer.status_code
