"""`affinity-bot run`: upgrade the database, then serve Slack in the configured mode.

- Socket Mode (`SLACK_APP_TOKEN` set): one process holds a WebSocket to Slack; no public URL.
- HTTP mode: gunicorn (threads, in-process via `gunicorn.app.base.BaseApplication`) serves
  `bot.wsgi` on `PORT`. `WEB_CONCURRENCY` sets the number of worker processes (default 1); each
  builds its own app and runs its own background jobs, and all share the database.
"""

from __future__ import annotations

import logging
import signal
import sys
import threading
from typing import Any

from bot.config import ConfigError, Settings, load_settings
from bot.database import upgrade_all
from bot.middleware.logs import configure_logging

log = logging.getLogger("bot.runner")

HTTP_THREADS = 8
HTTP_TIMEOUT_SECONDS = 60  # listeners ack in < 3 s; this bounds a stuck request
GRACEFUL_TIMEOUT_SECONDS = 20


def run() -> int:
    """Entry point of `affinity-bot run`. Returns the process exit status."""
    from bot.startup import check_vault
    from vault import VaultConfigurationError, load_keyring

    try:
        settings = load_settings()
        keyring = load_keyring()  # a missing master key stops start-up here, not in a worker
    except (ConfigError, VaultConfigurationError) as error:
        print(f"affinity-bot: {error}", file=sys.stderr)
        return 2
    configure_logging(settings.log_level, settings.secret_values())
    upgrade_all(settings.database_url)
    failed = check_vault(settings.database_url, keyring=keyring)  # master key ids in use
    if failed:
        return failed
    if settings.mode == "socket":
        return run_socket_mode(settings)
    return run_http(settings)


def run_socket_mode(settings: Settings) -> int:
    from slack_bolt.adapter.socket_mode import SocketModeHandler

    from bot.app import bootstrap

    app, services = bootstrap(settings, upgrade=False)
    handler = SocketModeHandler(app, settings.slack_app_token)
    stopped = threading.Event()

    def stop(signum: int, _frame: object) -> None:
        log.info("signal %s: closing the Socket Mode connection", signum)
        stopped.set()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    services.background.start()
    try:
        handler.connect()
        log.info("connected to Slack in Socket Mode")
        stopped.wait()
    finally:
        handler.close()
        services.close()
    return 0


def run_http(settings: Settings) -> int:
    BotHttpServer(settings).run()
    return 0


def _gunicorn_base() -> type:
    from gunicorn.app.base import BaseApplication

    return BaseApplication


class BotHttpServer(_gunicorn_base()):  # type: ignore[misc]
    """gunicorn, configured in code, serving the Slack app built in each worker."""

    def __init__(self, settings: Settings, **options: Any) -> None:
        self.settings = settings
        self.services: Any = None
        self.options = {
            "bind": f"0.0.0.0:{settings.port}",
            "worker_class": "gthread",
            "threads": HTTP_THREADS,
            "timeout": HTTP_TIMEOUT_SECONDS,
            "graceful_timeout": GRACEFUL_TIMEOUT_SECONDS,
            "accesslog": None,
            "loglevel": settings.log_level.lower(),
            "worker_exit": self._worker_exit,
            # One shared ~/.gunicorn/gunicorn.ctl would clash between several instances on a host.
            "control_socket_disable": True,
            **options,
        }
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            if key in self.cfg.settings and value is not None:
                self.cfg.set(key, value)

    def load(self) -> Any:
        from bot.app import bootstrap
        from bot.wsgi import create_wsgi_app

        app, self.services = bootstrap(self.settings, upgrade=False)
        self.services.background.start()
        return create_wsgi_app(app, self.services)

    def _worker_exit(self, _server: object, _worker: object) -> None:
        if self.services is not None:
            self.services.close()
