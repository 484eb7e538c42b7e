"""The HTTP face of the Slack app: a WSGI application for gunicorn (or any WSGI server).

Routes:
- `POST /slack/events` — everything Slack sends (events, commands, interactivity); the aliases
  `/slack/commands` and `/slack/interactions` lead to the same place, for manifests that
  prefer one URL per feature;
- `GET /slack/install`, `GET /slack/oauth_redirect` — the OAuth install flow (OAuth mode);
- `GET /healthz` — 200 `{"ok": true}` when the database answers, 503 otherwise, for load balancers.

`create_wsgi_app(app, services)` wraps an app built by `bot.app.build_app`. The module-level
`application` builds everything from the environment on first request, for
`gunicorn bot.wsgi:application`; `affinity-bot run` serves it the same way.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterable
from typing import Any

from slack_bolt import App
from slack_bolt.adapter.wsgi import SlackRequestHandler

from bot.database import ping
from bot.services import Services

EVENTS_PATH = "/slack/events"
EVENT_PATH_ALIASES = ("/slack/commands", "/slack/interactions")
HEALTH_PATH = "/healthz"

StartResponse = Callable[..., Any]


class SlackWsgiApp:
    """Routes Slack's requests to Bolt and answers the health check itself."""

    def __init__(self, app: App, services: Services) -> None:
        self.app = app
        self.services = services
        self._bolt = SlackRequestHandler(app, path=EVENTS_PATH)

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        if path == HEALTH_PATH:
            return self._health(start_response)
        if path in EVENT_PATH_ALIASES:
            environ = {**environ, "PATH_INFO": EVENTS_PATH}
        return self._bolt(environ, start_response)

    def _health(self, start_response: StartResponse) -> Iterable[bytes]:
        healthy = ping(self.services.engine)
        body = json.dumps({"ok": healthy}).encode()
        status = "200 OK" if healthy else "503 Service Unavailable"
        start_response(
            status,
            [
                ("Content-Type", "application/json"),
                ("Content-Length", str(len(body))),
                ("Cache-Control", "no-store"),
            ],
        )
        return [body]


def create_wsgi_app(app: App, services: Services) -> SlackWsgiApp:
    return SlackWsgiApp(app, services)


class _FromEnvironment:
    """Builds the app from the environment on first use (once per worker process)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._wsgi: SlackWsgiApp | None = None

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        if self._wsgi is None:
            with self._lock:
                if self._wsgi is None:
                    from bot.app import bootstrap

                    app, services = bootstrap()
                    services.background.start()
                    self._wsgi = create_wsgi_app(app, services)
        return self._wsgi(environ, start_response)


application = _FromEnvironment()
