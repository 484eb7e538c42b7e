"""Acknowledgements first: while Slack waits for one, no new listener work starts.

A process has one interpreter lock. When a burst arrives (200 people pressing Enter at once),
the work of the first commands (database, Affinity, rendering) would compete for it with the
acknowledgements of the later ones, and those could approach Slack's 3 seconds. So the HTTP layer
(`bot.wsgi`) counts the requests it is answering (`ACKNOWLEDGEMENTS.answering`), and the listener
pool (`bot.app.prepare_listener`) holds back work whose delivery is already acknowledged until no
request has been answered for `QUIET_SECONDS` (the requests of a burst arrive a little apart),
or `ACK_FIRST_SECONDS` after it was queued, whichever comes first. On a quiet server work waits
`QUIET_SECONDS` at most; in a burst, answers start at most `ACK_FIRST_SECONDS` later.

Work whose delivery is not yet acknowledged (a view submission whose listener answers in its
acknowledgement, an options request) is never held: the acknowledgement is that work. Socket
Mode has no HTTP layer to count, so nothing is held there.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from slack_bolt import App, BoltRequest, BoltResponse

ACK_FIRST_SECONDS = 1.0
QUIET_SECONDS = 0.05


class AckFirst:
    """Counts requests being answered; delays acknowledged work until there are none."""

    def __init__(
        self,
        hold: float = ACK_FIRST_SECONDS,
        quiet: float = QUIET_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.hold = hold
        self.quiet = quiet
        self.clock = clock
        self._answering = 0
        self._last_answered = float("-inf")
        self._lock = threading.Lock()
        self._current = threading.local()

    @contextmanager
    def answering(self) -> Iterator[None]:
        """Around one HTTP request, from its arrival until its answer is ready."""
        with self._lock:
            self._answering += 1
        try:
            yield
        finally:
            with self._lock:
                self._answering -= 1
                self._last_answered = self.clock()

    def dispatch(self, app: App, request: BoltRequest) -> BoltResponse:
        """`app.dispatch(request)`, with the work it submits known to come from `request`."""
        self._current.request = request
        try:
            return app.dispatch(request)
        finally:
            self._current.request = None

    def wait_for_quiet(self, until: float) -> None:
        """Return once no request has been answered for `quiet` seconds, or at `until` (a
        `clock` time). Polls at `quiet` intervals: cheap, and only while a burst lasts."""
        while True:
            now = self.clock()
            with self._lock:
                if self._answering == 0 and now - self._last_answered >= self.quiet:
                    return
            if now >= until:
                return
            time.sleep(min(self.quiet, until - now))

    def defer(self, work: Callable[[], Any]) -> Callable[[], Any]:
        """`work` as submitted by the request being dispatched on this thread: held back (see the
        module doc) if that request is acknowledged already, else unchanged."""
        request: BoltRequest | None = getattr(self._current, "request", None)
        ack = request.context.ack if request is not None else None
        if ack is None or ack.response is None:
            return work
        until = self.clock() + self.hold

        def after_acknowledgements() -> Any:
            self.wait_for_quiet(until)
            return work()

        return after_acknowledgements


# One per process: the interpreter lock that acknowledgements compete for is the process's.
ACKNOWLEDGEMENTS = AckFirst()
