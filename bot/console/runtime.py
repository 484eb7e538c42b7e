"""The app the console drives: the real Bolt app over loopback HTTP, a fake Slack, the sandbox.

`ConsoleRuntime.start()` brings up, in this process and on ephemeral loopback ports:
the Affinity sandbox (`SandboxServer`), the fake Slack Web API (`FakeSlack`), and the app built by
`bot.app.build_app` with every feature, served through `bot.wsgi` exactly as in HTTP mode, on a
SQLite file in the data directory with the vault's development master key. Requests reach the
app signed (`SlackRequests`), and everything the app sends to Slack is recorded by the fake.

Listeners run after the ack on Bolt's thread pool; `settle()` waits until that pool is idle and
the fake Slack has been quiet for a moment, so that a caller sees every effect of a request.
"""

from __future__ import annotations

import os
import secrets
import threading
import time
from concurrent.futures import Executor, Future
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bot.devtools.fake_slack import FakeSlack, RecordedCall
from bot.devtools.slack_requests import SlackRequests, serve_wsgi

CONSOLE_DATABASE_FILE = "console.db"
QUIET_SECONDS = 0.15
SETTLE_TIMEOUT_SECONDS = 180.0


class TrackingExecutor(Executor):
    """Wraps Bolt's listener pool and counts the work still queued or running."""

    def __init__(self, inner: Executor) -> None:
        self.inner = inner
        self._pending = 0
        self._idle = threading.Condition()

    def submit(self, fn: Any, /, *args: Any, **kwargs: Any) -> Future[Any]:
        with self._idle:
            self._pending += 1
        try:
            future = self.inner.submit(fn, *args, **kwargs)
        except BaseException:
            self._done()
            raise
        future.add_done_callback(lambda _: self._done())
        return future

    def _done(self) -> None:
        with self._idle:
            self._pending -= 1
            self._idle.notify_all()

    def wait_idle(self, timeout: float) -> bool:
        with self._idle:
            return self._idle.wait_for(lambda: self._pending == 0, timeout)

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        self.inner.shutdown(wait=wait, cancel_futures=cancel_futures)


def track_listeners(app: Any) -> TrackingExecutor | None:
    """Put a `TrackingExecutor` in front of the app's listener pool (None if Bolt changed)."""
    runner = getattr(app, "_listener_runner", None)
    inner = getattr(runner, "listener_executor", None)
    if runner is None or inner is None:
        return None
    tracking = TrackingExecutor(inner)
    runner.listener_executor = tracking
    lazy = getattr(runner, "lazy_listener_runner", None)
    if lazy is not None and hasattr(lazy, "executor"):
        lazy.executor = tracking
    return tracking


def console_database_url(environ: dict[str, str] | None = None) -> str:
    """`<data dir>/console.db`: the console's own SQLite file, apart from a deployment's."""
    from vault.config import data_dir

    path = data_dir(os.environ if environ is None else environ) / CONSOLE_DATABASE_FILE
    return f"sqlite:///{path.resolve()}"


@dataclass
class ConsoleRuntime:
    """Sandbox + fake Slack + the real app, started together and stopped together."""

    anthropic_api_key: str | None = None
    anthropic_base_url: str | None = None
    anthropic_model: str | None = None
    database_url: str | None = None
    log_level: str = "WARNING"
    environ: dict[str, str] | None = None  # for the data directory (default: os.environ)
    fake: FakeSlack = field(init=False)
    sandbox: Any = field(init=False, default=None)
    services: Any = field(init=False, default=None)
    app: Any = field(init=False, default=None)
    url: str = field(init=False, default="")
    requests: SlackRequests = field(init=False)
    _server: Any = field(init=False, default=None)
    _tracking: TrackingExecutor | None = field(init=False, default=None)

    def start(self) -> ConsoleRuntime:
        from affinity_client.sandbox import SandboxServer
        from bot.app import build_app
        from bot.config import Settings
        from bot.database import upgrade_all
        from bot.services import Services
        from bot.startup import prepare_vault
        from bot.wsgi import create_wsgi_app

        self.sandbox = SandboxServer().start()
        self.fake = FakeSlack().start()
        from vault import load_keyring

        database_url = self.database_url or console_database_url(self.environ)
        Path(database_url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
        upgrade_all(database_url)
        signing_secret = secrets.token_hex(16)  # this process only: nothing else can sign
        settings_values: dict[str, Any] = {
            "slack_bot_token": "xoxb-console-" + secrets.token_hex(8),
            "slack_signing_secret": signing_secret,
            "slack_api_url": self.fake.api_url,
            "database_url": database_url,
            "affinity_base_url": self.sandbox.base_url,
            "anthropic_api_key": self.anthropic_api_key,
            "anthropic_base_url": self.anthropic_base_url,
            "log_level": self.log_level,
        }
        if self.anthropic_model:
            settings_values["anthropic_model"] = self.anthropic_model
        environ = os.environ if self.environ is None else self.environ
        limits = {name: value for name, value in environ.items() if name.startswith("AGENT_")}
        settings_values["agent"] = Settings.from_mapping(limits).agent  # as `run` reads them
        settings = Settings(**settings_values)
        self.services = Services.build(
            settings, keyring=load_keyring(environ, allow_dev_keyfile=True)
        )
        prepare_vault(self.services.vault)  # refuses when a master key id in use is missing
        self.app = build_app(settings, self.services)
        self._tracking = track_listeners(self.app)
        self._server, self.url = serve_wsgi(create_wsgi_app(self.app, self.services))
        self.requests = SlackRequests(
            base_url=self.url, fake=self.fake, signing_secret=signing_secret
        )
        return self

    @property
    def agent_enabled(self) -> bool:
        return self.services is not None and self.services.agent is not None

    def mark(self) -> int:
        """A position in the fake's call log; `calls_since(mark)` returns what came after."""
        return len(self.fake.calls())

    def calls_since(self, mark: int) -> list[RecordedCall]:
        return self.fake.calls()[mark:]

    def settle(self, timeout: float = SETTLE_TIMEOUT_SECONDS) -> bool:
        """Wait until every listener has finished and Slack saw no call for a moment."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self._tracking is not None:
                self._tracking.wait_idle(max(0.0, deadline - time.monotonic()))
            before = len(self.fake.calls())
            time.sleep(QUIET_SECONDS)
            idle = self._tracking is None or self._tracking.wait_idle(0)
            if idle and len(self.fake.calls()) == before:
                return True
        return False

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        if self.app is not None:
            executor = getattr(self.app._listener_runner, "listener_executor", None)
            if executor is not None:
                executor.shutdown(wait=True, cancel_futures=True)
        if self.services is not None:
            self.services.close()
        if getattr(self, "requests", None) is not None:
            self.requests.http.close()
        if getattr(self, "fake", None) is not None:
            self.fake.stop()
        if self.sandbox is not None:
            self.sandbox.stop()
