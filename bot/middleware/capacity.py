"""Bounded work: past a limit, a delivery is turned away at once instead of queued.

Listeners run after the acknowledgement on a pool of threads (`bot.app.LISTENER_THREADS`). Without
a bound, a burst of 10,000 commands queues them all, and the last answer comes minutes later.
`BoundedListenerPool` lets at most `LISTENER_QUEUE_LIMIT` deliveries wait for a thread; one more
makes its `submit` raise `ListenerQueueFull` (counting and refusing under one lock, so the bound
holds whatever the number of request threads). Bolt's listener runner submits from inside
`App.dispatch`, so the error handler receives that exception and answers with `turn_away`:

- a slash command: acknowledged at once with an ephemeral "busy — try again in a moment";
- a click: acknowledged, and the same note sent privately (response URL or DM) from a small
  pool of its own, so that the acknowledgement never waits on Slack;
- a view submission: the note shown on the dialog's first input, so nothing typed is lost;
- an options request: no options; events and everything else: acknowledged and dropped.

Each one turned away is one WARNING line.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from functools import partial
from typing import Any

from slack_bolt import BoltRequest, BoltResponse

from bot.middleware.requester import describe_request, tell_user

logger = logging.getLogger("bot.capacity")

BUSY = "I'm busy right now — try again in a moment."
NOTICE_THREADS = 2
NOTICE_QUEUE_LIMIT = 50


class ListenerQueueFull(RuntimeError):
    """The listener pool has `limit` deliveries waiting already."""


class BoundedListenerPool(ThreadPoolExecutor):
    """A thread pool that refuses work once `queue_limit` tasks wait for a thread."""

    def __init__(
        self,
        threads: int,
        queue_limit: int,
        thread_name_prefix: str = "",
        prepare: Callable[[Callable[[], Any]], Callable[[], Any]] | None = None,
    ) -> None:
        """`prepare(work)` wraps each submitted task, on the submitting thread (dedup claims)."""
        super().__init__(threads, thread_name_prefix=thread_name_prefix)
        self.prepare = prepare
        self.threads = threads
        self.queue_limit = queue_limit
        self._outstanding = 0  # running + waiting
        self._count_lock = threading.Lock()

    @property
    def waiting(self) -> int:
        """Tasks submitted and not yet started."""
        with self._count_lock:
            return max(0, self._outstanding - self.threads)

    @property
    def outstanding(self) -> int:
        """Tasks submitted and not yet finished."""
        with self._count_lock:
            return self._outstanding

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future[Any]:
        with self._count_lock:
            if self._outstanding >= self.threads + self.queue_limit:
                raise ListenerQueueFull(f"{self.queue_limit} deliveries are waiting already")
            self._outstanding += 1
        try:
            if self.prepare is not None:
                fn = self.prepare(partial(fn, *args, **kwargs))
                args, kwargs = (), {}
            future = super().submit(fn, *args, **kwargs)
        except BaseException:
            self._finished()
            raise
        future.add_done_callback(lambda _: self._finished())
        return future

    def _finished(self) -> None:
        with self._count_lock:
            self._outstanding -= 1


def _json(payload: dict[str, Any]) -> BoltResponse:
    return BoltResponse(
        status=200,
        body=json.dumps(payload),
        headers={"content-type": "application/json;charset=utf-8"},
    )


def first_input_block(view: dict[str, Any]) -> str | None:
    for block in view.get("blocks") or []:
        if block.get("type") == "input" and block.get("block_id"):
            return str(block["block_id"])
    return None


def busy_view_answer(view: dict[str, Any]) -> BoltResponse:
    """The dialog stays open, with the note on its first input; else a "busy" dialog."""
    block_id = first_input_block(view)
    if block_id is not None:
        return _json({"response_action": "errors", "errors": {block_id: BUSY}})
    busy = {
        "type": "modal",
        "title": {"type": "plain_text", "text": "Busy"},
        "close": {"type": "plain_text", "text": "Close"},
        "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": BUSY}}],
    }
    return _json({"response_action": "update", "view": busy})


def turn_away(request: BoltRequest, notify: Callable[[Callable[[], Any]], None]) -> BoltResponse:
    """The answer to a verified delivery the listener pool has no room for.

    `notify(send)` runs `send` (a private note to the user) away from the request thread.
    """
    body = request.body
    logger.warning("listener queue full: turned away %s", describe_request(body))
    kind = body.get("type")
    if "command" in body:
        return _json({"response_type": "ephemeral", "text": BUSY})
    if kind == "view_submission":
        return busy_view_answer(body.get("view") or {})
    if kind == "block_suggestion":
        return _json({"options": []})
    if kind == "block_actions":
        notify(lambda: tell_busy(request))
    return BoltResponse(status=200, body="")


def tell_busy(request: BoltRequest) -> None:
    context = request.context
    client = context.client if context.bot_token else None
    tell_user(request.body, client, context.respond, BUSY)


class Notices:
    """Private notes sent off the request thread, on a small bounded pool; dropped when full."""

    def __init__(self) -> None:
        self.pool = BoundedListenerPool(NOTICE_THREADS, NOTICE_QUEUE_LIMIT, "slack-notice")

    def __call__(self, send: Callable[[], Any]) -> None:
        try:
            self.pool.submit(self._send, send)
        except ListenerQueueFull:
            logger.warning("too many busy notes waiting: one was not sent")

    @staticmethod
    def _send(send: Callable[[], Any]) -> None:
        try:
            send()
        except Exception as error:  # a note that fails changes nothing else
            logger.warning("could not send a busy note: %s", type(error).__name__)
