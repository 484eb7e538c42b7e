"""`affinity-bot run`: upgrade the database, then serve Slack in the configured mode.

- Socket Mode (`SLACK_APP_TOKEN` set): one process holds a WebSocket to Slack; no public URL.
- HTTP mode: gunicorn (threads, in-process via `gunicorn.app.base.BaseApplication`) serves
  `bot.wsgi` on `HOST`:`PORT`. `WEB_CONCURRENCY` sets the number of worker processes (default 1);
  each builds its own app and runs its own background jobs, and all share the database.

Before anything starts, every configuration problem is listed at once (exit status 2), and Slack
is asked who the bot token belongs to (`auth.test`): an unreachable Slack or a refused token is
one line naming the URL and the error (exit status 1).
"""

from __future__ import annotations

import logging
import signal
import sys
import threading
from typing import Any

from bot.config import Settings, reveal
from bot.database import upgrade_all
from bot.middleware.logs import configure_logging

log = logging.getLogger("bot.runner")

HTTP_THREADS = 8
HTTP_TIMEOUT_SECONDS = 60  # listeners ack in < 3 s; this bounds a stuck request
GRACEFUL_TIMEOUT_SECONDS = 20


def run() -> int:
    """Entry point of `affinity-bot run`. Returns the process exit status."""
    from bot.app import SlackUnreachable, check_slack
    from bot.startup import check_vault
    from vault import load_keyring

    settings, problems = configuration_problems()
    if problems:
        print(problem_report(problems), file=sys.stderr)
        return 2
    configure_logging(settings.log_level, settings.secret_values())
    upgrade_all(settings.database_url)
    failed = check_vault(settings.database_url, keyring=load_keyring())  # key ids in use
    if failed:
        return failed  # a configuration problem: reported before Slack is even asked
    try:
        check_slack(settings)
    except SlackUnreachable as error:
        print(f"affinity-bot: {error}", file=sys.stderr)
        return 1
    if settings.mode == "socket":
        return run_socket_mode(settings)
    return run_http(settings)


def configuration_problems() -> tuple[Settings, list[str]]:
    """The settings, and every reason they cannot start the app: values that cannot be read,
    an incomplete Slack set-up (the agent's limits are among the values read), the vault's
    master keys."""
    from vault import VaultConfigurationError, load_keyring

    settings, problems = Settings.read_env()
    problems += settings.problems()
    try:
        load_keyring()  # a missing master key stops start-up here, not in a worker
    except VaultConfigurationError as error:
        problems.append(str(error))
    return settings, problems


def problem_report(problems: list[str]) -> str:
    if len(problems) == 1:
        return f"affinity-bot: {problems[0]}"
    listed = "\n".join(f"  - {problem}" for problem in problems)
    return f"affinity-bot: {len(problems)} configuration problems:\n{listed}"


def run_socket_mode(settings: Settings) -> int:
    from slack_bolt.adapter.socket_mode import SocketModeHandler

    from bot.app import SlackUnreachable, bootstrap, describe_slack_failure

    try:
        app, services = bootstrap(settings, upgrade=False)
    except SlackUnreachable as error:
        print(f"affinity-bot: {error}", file=sys.stderr)
        return 1
    handler = SocketModeHandler(app, reveal(settings.slack_app_token))
    stopped = threading.Event()

    def stop(signum: int, _frame: object) -> None:
        log.info("signal %s: closing the Socket Mode connection", signum)
        stopped.set()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    try:
        try:
            handler.connect()
        except Exception as error:  # one line, not a traceback
            url = settings.slack_api_url + "apps.connections.open"
            print(
                f"affinity-bot: cannot open the Socket Mode connection at {url}: "
                f"{describe_slack_failure(error)}",
                file=sys.stderr,
            )
            return 1
        services.background.start()
        log.info("connected to Slack in Socket Mode")
        stopped.wait()
    finally:
        handler.close()
        services.close()
    return 0


def run_http(settings: Settings) -> int:
    log.info("serving HTTP on %s", bind_address(settings))
    if settings.host in ("127.0.0.1", "localhost", "::1"):
        log.info(
            "only this machine can reach it; set HOST=0.0.0.0 in a container or when the "
            "TLS proxy runs on another host"
        )
    BotHttpServer(settings).run()
    return 0


def bind_address(settings: Settings) -> str:
    """gunicorn's `bind`: `host:port`, with an IPv6 host in brackets."""
    host = settings.host
    if ":" in host and not host.startswith("["):
        host = f"[{host}]"
    return f"{host}:{settings.port}"


def _gunicorn_base() -> type:
    from gunicorn.app.base import BaseApplication

    return BaseApplication


class BotHttpServer(_gunicorn_base()):  # type: ignore[misc]
    """gunicorn, configured in code, serving the Slack app built in each worker."""

    def __init__(self, settings: Settings, **options: Any) -> None:
        self.settings = settings
        self.services: Any = None
        self.options = {
            "bind": bind_address(settings),
            "worker_class": "gthread",
            "workers": settings.web_concurrency,
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
