"""The HTTP face of the Slack app: a WSGI application for gunicorn (or any WSGI server).

Routes:
- `POST /slack/events` — everything Slack sends (events, commands, interactivity); the aliases
  `/slack/commands` and `/slack/interactions` lead to the same place, for manifests that
  prefer one URL per feature;
- `GET /slack/install`, `GET /slack/oauth_redirect` — the OAuth install flow (OAuth mode);
- `GET /healthz` (or HEAD; any other method is 405) — 200 `{"ok": true}` when the database
  answers, 503 otherwise, for load balancers (nothing more, to anyone who asks; the log says when
  the database stops answering, with the kind of error, and when it answers again);
- `POST /affinity/webhooks/<secret>` — Affinity's webhook deliveries
  (`bot.features.notifications.webhooks_receiver`): an unknown secret is a 404; a failure while
  handling one is a 500 answered here, so that no log line carries the URL and its secret.

A POST to the events path is verified on its raw bytes (`bot.middleware.trust`) before Bolt
parses anything: unverifiable -> 401; signed but unparsable -> 400; in both cases one WARNING and
nothing from the body is used.

`create_wsgi_app(app, services)` wraps an app built by `bot.app.build_app`. The module-level
`application` builds everything from the environment on first request, for
`gunicorn bot.wsgi:application`; `affinity-bot run` serves it the same way.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable, Iterable, Sequence
from http import HTTPStatus
from typing import Any

from slack_bolt import App, BoltRequest, BoltResponse
from slack_bolt.adapter.wsgi import SlackRequestHandler
from slack_bolt.adapter.wsgi.http_request import WsgiHttpRequest
from slack_bolt.adapter.wsgi.http_response import WsgiHttpResponse

from bot.config import reveal
from bot.database import ping
from bot.features.notifications.webhooks import DELIVERY_PATH
from bot.features.notifications.webhooks_receiver import receive
from bot.middleware.ack_first import ACKNOWLEDGEMENTS
from bot.middleware.trust import header, refusal, verification_failure
from bot.services import Services

log = logging.getLogger("bot.wsgi")

EVENTS_PATH = "/slack/events"
EVENT_PATH_ALIASES = ("/slack/commands", "/slack/interactions")
HEALTH_PATH = "/healthz"
# Slack's largest payloads (a view submission with many inputs) are far below this.
MAX_BODY_BYTES = 1024 * 1024

StartResponse = Callable[..., Any]


class SlackWsgiApp:
    """Routes Slack's requests to Bolt and answers the health check itself."""

    def __init__(self, app: App, services: Services) -> None:
        self.app = app
        self.services = services
        self._bolt = SlackRequestHandler(app, path=EVENTS_PATH)
        self._healthy: bool | None = None  # the last health check's answer

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        if path == HEALTH_PATH:
            if environ.get("REQUEST_METHOD") not in ("GET", "HEAD"):
                return _json(405, {"ok": False}, start_response, [("Allow", "GET, HEAD")])
            return self._health(start_response)
        if path.startswith(DELIVERY_PATH):
            return self._affinity_delivery(environ, path[len(DELIVERY_PATH) :], start_response)
        if path in EVENT_PATH_ALIASES:
            environ = {**environ, "PATH_INFO": EVENTS_PATH}
            path = EVENTS_PATH
        if path == EVENTS_PATH and environ.get("REQUEST_METHOD") == "POST":
            with ACKNOWLEDGEMENTS.answering():  # acknowledgements first (bot.middleware.ack_first)
                return _write(self._slack_request(environ), start_response)
        return self._bolt(environ, start_response)

    def _slack_request(self, environ: dict[str, Any]) -> BoltResponse:
        """Verify the raw request, then parse it and let Bolt dispatch it."""
        body = _read_body(environ)
        if body is None:
            return refusal(413, "a body larger than Slack sends")
        request = WsgiHttpRequest(environ)
        headers = request.get_headers()
        reason = verification_failure(
            reveal(self.services.settings.slack_signing_secret),
            body,
            header(headers, "x-slack-request-timestamp"),
            header(headers, "x-slack-signature"),
        )
        if reason:
            return refusal(401, reason)
        try:
            bolt_request = BoltRequest(
                body=body.decode("utf-8"), query=request.query_string, headers=headers
            )
        except Exception as error:  # signed, but not something Slack sends
            return refusal(400, f"a body that cannot be parsed ({type(error).__name__})")
        return ACKNOWLEDGEMENTS.dispatch(self.app, bolt_request)

    def _affinity_delivery(
        self, environ: dict[str, Any], secret: str, start_response: StartResponse
    ) -> Iterable[bytes]:
        """An Affinity webhook delivery (the secret is never logged)."""
        if environ.get("REQUEST_METHOD") != "POST":
            return _json(405, {"ok": False, "error": "method_not_allowed"}, start_response)
        body = _read_body(environ)
        if body is None:
            return _json(413, {"ok": False, "error": "too_large"}, start_response)
        try:
            status, answer = receive(self.services, secret, body)
        except Exception:  # answered here: the WSGI server's own error line would name the URL
            log.exception("an Affinity webhook delivery failed (Affinity will retry it)")
            status, answer = 500, {"ok": False, "error": "internal"}
        return _json(status, answer, start_response)

    def _health(self, start_response: StartResponse) -> Iterable[bytes]:
        """`{"ok": bool}` and nothing else; the log says when the answer changes (the first
        failure, then the recovery), not at every probe."""
        problem = ping(self.services.engine)
        healthy = problem is None
        if healthy != self._healthy:
            if not healthy:
                log.warning(
                    "health check: the database does not answer (%s; HTTP 503 until it does)",
                    problem,
                )
            elif self._healthy is False:
                log.info("health check: the database answers again")
            self._healthy = healthy
        return _json(200 if healthy else 503, {"ok": healthy}, start_response)


def _read_body(environ: dict[str, Any]) -> bytes | None:
    """The request body (None when larger than `MAX_BODY_BYTES`)."""
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    if length > MAX_BODY_BYTES:
        return None
    stream = environ.get("wsgi.input")
    if stream is None or length <= 0:
        return b""
    return stream.read(length)


def _json(
    status: int,
    data: dict[str, Any],
    start_response: StartResponse,
    headers: Sequence[tuple[str, str]] = (),
) -> Iterable[bytes]:
    body = json.dumps(data).encode()
    start_response(
        f"{status} {HTTPStatus(status).phrase}",
        [
            ("Content-Type", "application/json"),
            ("Content-Length", str(len(body))),
            ("Cache-Control", "no-store"),
            *headers,
        ],
    )
    return [body]


def _write(response: BoltResponse, start_response: StartResponse) -> Iterable[bytes]:
    answer = WsgiHttpResponse(status=response.status, headers=response.headers, body=response.body)
    start_response(answer.status, answer.get_headers())
    return answer.get_body()


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
                    _prepare_vault(services)
                    services.background.start()
                    self._wsgi = create_wsgi_app(app, services)
        return self._wsgi(environ, start_response)


def _prepare_vault(services: Services) -> None:
    """What `affinity-bot run` checks before serving, for gunicorn started directly: repair
    what can be repaired; a master key id in use but not configured is logged (users are then
    told "configuration problem" per request and the admins get their DM, as at run time)."""
    from bot.startup import prepare_vault
    from vault import VaultConfigurationError

    try:
        prepare_vault(services.vault)
    except VaultConfigurationError as error:
        log.error("%s", error)


application = _FromEnvironment()
