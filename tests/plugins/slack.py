"""Pytest fixtures for the Slack app: the fake Slack Web API and correctly signed requests.

- `fake_slack` — a `FakeSlack` (bot/devtools/fake_slack.py) for the whole session, reset per test.
- `slack_app_factory(...)` — builds the real app with `bot.app.build_app`, pointed at the fake
  Slack, on a fresh, upgraded SQLite file (or the `database_url` you pass, e.g. the `postgres_url`
  / `db_url` fixtures, or another app's URL to run a second "process" on the same database), with
  `AFFINITY_BASE_URL` at the Affinity sandbox, and serves it over loopback HTTP through
  `bot/wsgi.py` (HTTP mode). Returns a `SlackAppHarness`.
- `slack_app` — one harness with the real features; `slack` — its `SlackRequests`.

`SlackRequests` sends signed requests (X-Slack-Signature v0, X-Slack-Request-Timestamp, optional
X-Slack-Retry-Num) and builds realistic payloads for slash commands, events, block actions and
view submissions. `slack.as_user("U2", team_id="T2")` gives the same helper for someone else.
Listeners run after the ack: wait for their effects with `fake_slack.wait_for(...)`.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import logging
import shutil
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import httpx
import pytest
from slack_bolt import App
from slack_sdk.signature import SignatureVerifier
from werkzeug.serving import BaseWSGIServer, make_server

from bot.app import build_app
from bot.config import Settings
from bot.database import upgrade_all
from bot.devtools.fake_slack import FakeSlack
from bot.services import Services
from bot.wsgi import create_wsgi_app

SIGNING_SECRET = "test-signing-secret-4f9c2b7e1d"
BOT_TOKEN = "xoxb-1111-2222-testbottoken"
DEFAULT_TEAM_ID = "T0FAKE001"
DEFAULT_USER_ID = "U0ALICE01"
DEFAULT_CHANNEL_ID = "C0DEALS01"
UNREACHABLE_AFFINITY = "http://127.0.0.1:9"
SLACK_ENV_VARS = (
    "SLACK_BOT_TOKEN",
    "SLACK_SIGNING_SECRET",
    "SLACK_APP_TOKEN",
    "SLACK_CLIENT_ID",
    "SLACK_CLIENT_SECRET",
    "SLACK_API_URL",
)

_ids = itertools.count(1)


def _unique(prefix: str) -> str:
    return f"{prefix}{next(_ids):08X}"


# ---------------------------------------------------------------------------- signed requests


@dataclass
class Sent:
    """The HTTP answer to a request (the ack), with the payload that was sent."""

    http: httpx.Response
    payload: dict[str, Any]
    response_id: str | None = None

    @property
    def status_code(self) -> int:
        return self.http.status_code

    @property
    def text(self) -> str:
        return self.http.text

    def json(self) -> Any:
        return self.http.json()

    @property
    def trigger_id(self) -> str | None:
        return self.payload.get("trigger_id")


@dataclass
class SlackRequests:
    """Sends what Slack sends, signed, as one user of one workspace."""

    base_url: str
    fake: FakeSlack
    signing_secret: str = SIGNING_SECRET
    team_id: str = DEFAULT_TEAM_ID
    user_id: str = DEFAULT_USER_ID
    channel_id: str = DEFAULT_CHANNEL_ID
    enterprise_id: str | None = None
    api_app_id: str = "AFAKEAPP1"
    http: httpx.Client = field(default_factory=lambda: httpx.Client(timeout=15))

    def as_user(
        self, user_id: str, *, team_id: str | None = None, channel_id: str | None = None
    ) -> SlackRequests:
        """The same helper, acting as another user (and/or workspace)."""
        return replace(
            self,
            user_id=user_id,
            team_id=team_id or self.team_id,
            channel_id=channel_id or self.channel_id,
        )

    @property
    def dm_channel(self) -> str:
        return self.fake.dm_channel(self.user_id)

    # -- transport --------------------------------------------------------------------

    def sign(self, body: str, timestamp: str) -> str:
        return SignatureVerifier(self.signing_secret).generate_signature(
            timestamp=timestamp, body=body
        )

    def post(
        self,
        body: str,
        content_type: str,
        *,
        path: str = "/slack/events",
        retry_num: int | None = None,
        retry_reason: str = "http_timeout",
        timestamp: int | None = None,
        signature: str | None = None,
    ) -> httpx.Response:
        """POST `body` signed (or with the `signature` you give) at `timestamp` (default now)."""
        ts = str(int(time.time()) if timestamp is None else timestamp)
        headers = {
            "Content-Type": content_type,
            "X-Slack-Request-Timestamp": ts,
            "X-Slack-Signature": signature if signature is not None else self.sign(body, ts),
        }
        if retry_num is not None:
            headers["X-Slack-Retry-Num"] = str(retry_num)
            headers["X-Slack-Retry-Reason"] = retry_reason
        return self.http.post(self.base_url + path, content=body.encode(), headers=headers)

    def post_form(self, fields: dict[str, Any], **options: Any) -> httpx.Response:
        return self.post(urlencode(fields), "application/x-www-form-urlencoded", **options)

    def post_json(self, payload: dict[str, Any], **options: Any) -> httpx.Response:
        return self.post(json.dumps(payload), "application/json", **options)

    def post_interactive(self, payload: dict[str, Any], **options: Any) -> httpx.Response:
        return self.post_form({"payload": json.dumps(payload)}, **options)

    # -- slash commands ---------------------------------------------------------------

    def command_payload(
        self, text: str = "", *, command: str = "/affinity", response_id: str | None = None,
        channel_id: str | None = None,
    ) -> dict[str, Any]:
        response_id = response_id or _unique("R")
        return {
            "token": "legacy-verification-token",
            "team_id": self.team_id,
            "team_domain": "deal-team",
            "enterprise_id": self.enterprise_id or "",
            "channel_id": channel_id or self.channel_id,
            "channel_name": "deals",
            "user_id": self.user_id,
            "user_name": f"user.{self.user_id.lower()}",
            "command": command,
            "text": text,
            "api_app_id": self.api_app_id,
            "is_enterprise_install": "false",
            "response_url": self.fake.response_url(response_id),
            "trigger_id": f"{next(_ids)}.{self.team_id}.{uuid.uuid4().hex}",
        }

    def command(
        self, text: str = "", *, command: str = "/affinity", response_id: str | None = None,
        channel_id: str | None = None, payload: dict[str, Any] | None = None, **options: Any,
    ) -> Sent:
        """Run `/affinity <text>`; the response_url points at the fake (`sent.response_id`)."""
        payload = payload or self.command_payload(
            text, command=command, response_id=response_id, channel_id=channel_id
        )
        http = self.post_form(payload, **options)
        return Sent(http, payload, payload["response_url"].rsplit("/", 1)[-1])

    # -- events -----------------------------------------------------------------------

    def event_envelope(self, event: dict[str, Any], *, event_id: str | None = None) -> dict:
        return {
            "token": "legacy-verification-token",
            "team_id": self.team_id,
            "enterprise_id": self.enterprise_id,
            "api_app_id": self.api_app_id,
            "event": event,
            "type": "event_callback",
            "event_id": event_id or _unique("Ev"),
            "event_time": int(time.time()),
            "authorizations": [
                {
                    "enterprise_id": self.enterprise_id,
                    "team_id": self.team_id,
                    "user_id": self.fake.bot_user_id,
                    "is_bot": True,
                    "is_enterprise_install": False,
                }
            ],
            "is_ext_shared_channel": False,
            "event_context": "4-" + uuid.uuid4().hex,
        }

    def event(
        self, event: dict[str, Any], *, event_id: str | None = None, **options: Any
    ) -> Sent:
        """Deliver an Events API `event_callback` wrapping `event` (same `event_id` = retry)."""
        envelope = self.event_envelope(event, event_id=event_id)
        return Sent(self.post_json(envelope, **options), envelope)

    def _message(self, text: str, channel: str, ts: str | None, thread_ts: str | None,
                 user: str | None) -> dict[str, Any]:
        user = user or self.user_id
        ts = ts or self.fake.add_message(channel, text, user=user, thread_ts=thread_ts)
        message = {
            "type": "message", "channel": channel, "user": user, "text": text, "ts": ts,
            "event_ts": ts, "team": self.team_id,
            "blocks": [{"type": "rich_text", "block_id": "b1", "elements": [
                {"type": "rich_text_section", "elements": [{"type": "text", "text": text}]}]}],
        }
        if thread_ts:
            message["thread_ts"] = thread_ts
        return message

    def message_im(
        self, text: str, *, thread_ts: str | None = None, ts: str | None = None,
        user: str | None = None, bot_id: str | None = None, **options: Any,
    ) -> Sent:
        """The user writes `text` in their DM with the bot (also stored in the fake)."""
        event = self._message(text, self.dm_channel, ts, thread_ts, user)
        event["channel_type"] = "im"
        if bot_id:
            event["bot_id"] = bot_id
        return self.event(event, **options)

    def app_mention(
        self, text: str, *, channel: str | None = None, thread_ts: str | None = None,
        ts: str | None = None, **options: Any,
    ) -> Sent:
        mention = f"<@{self.fake.bot_user_id}> {text}"
        event = self._message(mention, channel or self.channel_id, ts, thread_ts, None)
        event["type"] = "app_mention"
        return self.event(event, **options)

    def app_home_opened(self, *, tab: str = "home", **options: Any) -> Sent:
        event = {
            "type": "app_home_opened", "user": self.user_id, "channel": self.dm_channel,
            "tab": tab, "event_ts": f"{time.time():.6f}",
        }
        return self.event(event, **options)

    def user_change(self, *, deleted: bool = True, **options: Any) -> Sent:
        user = {
            "id": self.user_id, "team_id": self.team_id, "name": f"user.{self.user_id.lower()}",
            "deleted": deleted, "is_bot": False,
            "profile": {"real_name": f"User {self.user_id}", "team": self.team_id},
        }
        event = {"type": "user_change", "user": user, "event_ts": f"{time.time():.6f}"}
        return self.event(event, **options)

    def app_uninstalled(self, **options: Any) -> Sent:
        return self.event({"type": "app_uninstalled", "event_ts": f"{time.time():.6f}"}, **options)

    def tokens_revoked(
        self, *, bot: Iterable[str] = (), oauth: Iterable[str] = (), **options: Any
    ) -> Sent:
        event = {
            "type": "tokens_revoked",
            "tokens": {"oauth": list(oauth), "bot": list(bot)},
            "event_ts": f"{time.time():.6f}",
        }
        return self.event(event, **options)

    # -- interactivity ----------------------------------------------------------------

    def _actor(self) -> dict[str, Any]:
        return {
            "user": {"id": self.user_id, "username": f"user.{self.user_id.lower()}",
                     "name": f"user.{self.user_id.lower()}", "team_id": self.team_id},
            "team": {"id": self.team_id, "domain": "deal-team"},
            "enterprise": {"id": self.enterprise_id} if self.enterprise_id else None,
            "is_enterprise_install": False,
            "api_app_id": self.api_app_id,
            "token": "legacy-verification-token",
            "trigger_id": f"{next(_ids)}.{self.team_id}.{uuid.uuid4().hex}",
        }

    def block_action_payload(
        self, action_id: str, value: str | None = None, *, block_id: str = "actions",
        message_ts: str | None = None, channel_id: str | None = None,
        view: dict[str, Any] | None = None, response_id: str | None = None,
        action_ts: str | None = None, selected_option: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        """A button click (or select) on a message, or in a view when `view` is given."""
        action: dict[str, Any] = {
            "type": "static_select" if selected_option else "button",
            "action_id": action_id, "block_id": block_id,
            "action_ts": action_ts or f"{time.time():.6f}",
        }
        if value is not None:
            action["value"] = value
        if selected_option is not None:
            action["selected_option"] = selected_option
        payload = {"type": "block_actions", **self._actor(), "actions": [action],
                   "state": {"values": {}}}
        if view is not None:
            payload["container"] = {"type": "view", "view_id": view.get("id", _unique("V"))}
            payload["view"] = {"id": payload["container"]["view_id"], "type": "modal",
                               "team_id": self.team_id, "state": {"values": {}}, **view}
            return payload
        channel = channel_id or self.channel_id
        message_ts = message_ts or f"{time.time():.6f}"
        payload.update({
            "container": {"type": "message", "message_ts": message_ts, "channel_id": channel,
                          "is_ephemeral": False},
            "channel": {"id": channel, "name": "deals"},
            "message": {"type": "message", "ts": message_ts, "user": self.fake.bot_user_id,
                        "bot_id": self.fake.bot_id, "text": "", "blocks": []},
            "response_url": self.fake.response_url(response_id or _unique("R")),
        })
        return payload

    def block_action(
        self, action_id: str, value: str | None = None, *,
        payload: dict[str, Any] | None = None, **options: Any,
    ) -> Sent:
        transport = {k: options.pop(k) for k in ("retry_num", "timestamp", "signature")
                     if k in options}
        payload = payload or self.block_action_payload(action_id, value, **options)
        response_id = (payload.get("response_url") or "").rsplit("/", 1)[-1] or None
        return Sent(self.post_interactive(payload, **transport), payload, response_id)

    @staticmethod
    def input_values(values: dict[str, str], action_id: str = "value") -> dict[str, Any]:
        """`view.state.values` for plain-text inputs: {block_id: text} -> Slack's shape."""
        return {
            block_id: {action_id: {"type": "plain_text_input", "value": text}}
            for block_id, text in values.items()
        }

    def view_submission_payload(
        self, callback_id: str, values: dict[str, Any] | None = None, *,
        private_metadata: str = "", view_id: str | None = None, title: str = "Affinity",
    ) -> dict[str, Any]:
        view_id = view_id or _unique("V")
        return {
            "type": "view_submission", **self._actor(),
            "view": {
                "id": view_id, "team_id": self.team_id, "type": "modal",
                "callback_id": callback_id, "private_metadata": private_metadata,
                "title": {"type": "plain_text", "text": title}, "blocks": [],
                "state": {"values": values or {}},
                "hash": hashlib.sha1(view_id.encode()).hexdigest()[:16],
                "root_view_id": view_id, "app_id": self.api_app_id, "bot_id": self.fake.bot_id,
            },
            "response_urls": [],
        }

    def view_submission(
        self, callback_id: str, values: dict[str, Any] | None = None, *,
        payload: dict[str, Any] | None = None, **options: Any,
    ) -> Sent:
        transport = {k: options.pop(k) for k in ("retry_num", "timestamp", "signature")
                     if k in options}
        payload = payload or self.view_submission_payload(callback_id, values, **options)
        return Sent(self.post_interactive(payload, **transport), payload)


# ---------------------------------------------------------------------------- the app


@dataclass
class SlackAppHarness:
    """A real app built by `build_app`, served over loopback HTTP, talking to the fake Slack."""

    app: App
    services: Services
    settings: Settings
    fake: FakeSlack
    url: str
    slack: SlackRequests
    _server: BaseWSGIServer

    @property
    def database_url(self) -> str:
        return self.settings.database_url  # type: ignore[return-value]

    def get(self, path: str) -> httpx.Response:
        return self.slack.http.get(self.url + path)

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        executor = getattr(getattr(self.app, "_listener_runner", None), "listener_executor", None)
        if executor is not None:
            executor.shutdown(wait=True, cancel_futures=True)
        self.services.close()
        self.slack.http.close()


def serve_wsgi(wsgi_app: Any) -> tuple[BaseWSGIServer, str]:
    """Serve `wsgi_app` on an ephemeral loopback port, threaded. Returns (server, base url)."""
    server = make_server("127.0.0.1", 0, wsgi_app, threaded=True)
    threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.02}, name="slack-app-http",
        daemon=True,
    ).start()
    return server, f"http://127.0.0.1:{server.server_port}"


@pytest.fixture(scope="session")
def fake_slack_server() -> Iterator[FakeSlack]:
    fake = FakeSlack().start()
    yield fake
    fake.stop()


@pytest.fixture
def fake_slack(fake_slack_server: FakeSlack) -> FakeSlack:
    fake_slack_server.reset()
    return fake_slack_server


@pytest.fixture(scope="session")
def vault_keyring() -> Any:
    from vault.keyring import generate_key_entry, parse_master_keys

    return parse_master_keys(generate_key_entry("test"))


def _affinity_base_url(request: pytest.FixtureRequest) -> str:
    try:
        return request.getfixturevalue("sandbox").base_url
    except Exception as error:  # the sandbox failing must not hide Slack-side results
        logging.getLogger(__name__).warning("no Affinity sandbox for this test: %s", error)
        return UNREACHABLE_AFFINITY


@pytest.fixture(scope="session")
def upgraded_sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite file at the latest schema, copied for each app (upgrading each time is slow)."""
    path = tmp_path_factory.mktemp("slack-template") / "affinity-bot.db"
    upgrade_all(f"sqlite:///{path}")
    return path


@pytest.fixture
def slack_app_factory(
    fake_slack: FakeSlack,
    upgraded_sqlite_template: Path,
    tmp_path_factory: pytest.TempPathFactory,
    request: pytest.FixtureRequest,
    monkeypatch: pytest.MonkeyPatch,
    vault_keyring: Any,
) -> Iterator[Callable[..., SlackAppHarness]]:
    """Build and serve apps: `slack_app_factory(database_url=None, features=None, extra_features=(),
    with_sandbox=True, **settings_overrides)`. Same `database_url` = processes sharing a database.
    """
    for name in SLACK_ENV_VARS:  # Bolt falls back to these; the settings must be the only source
        monkeypatch.delenv(name, raising=False)
    harnesses: list[SlackAppHarness] = []

    def make(
        *,
        database_url: str | None = None,
        features: Iterable[Any] | None = None,
        extra_features: Iterable[Any] = (),
        with_sandbox: bool = True,
        upgrade: bool = True,
        **overrides: Any,
    ) -> SlackAppHarness:
        if database_url is None:
            copy = tmp_path_factory.mktemp("slack-app-db") / "affinity-bot.db"
            shutil.copyfile(upgraded_sqlite_template, copy)
            database_url = f"sqlite:///{copy}"
        elif upgrade:
            upgrade_all(database_url)
        values: dict[str, Any] = {
            "slack_bot_token": BOT_TOKEN,
            "slack_signing_secret": SIGNING_SECRET,
            "slack_api_url": fake_slack.api_url,
            "database_url": database_url,
        }
        if "affinity_base_url" not in overrides:
            values["affinity_base_url"] = (
                _affinity_base_url(request) if with_sandbox else UNREACHABLE_AFFINITY
            )
        settings = Settings(**{**values, **overrides})
        services = Services.build(settings, keyring=vault_keyring)
        if features is None:
            from bot import features as registry

            features = registry.load()
        app = build_app(settings, services, features=[*features, *extra_features])
        server, url = serve_wsgi(create_wsgi_app(app, services))
        slack = SlackRequests(base_url=url, fake=fake_slack, signing_secret=SIGNING_SECRET)
        harness = SlackAppHarness(app, services, settings, fake_slack, url, slack, server)
        harnesses.append(harness)
        return harness

    yield make
    for harness in reversed(harnesses):
        harness.stop()


@pytest.fixture
def slack_app(slack_app_factory: Callable[..., SlackAppHarness]) -> SlackAppHarness:
    """The real app (all features) served over HTTP against the fake Slack and the sandbox."""
    return slack_app_factory()


@pytest.fixture
def slack(slack_app: SlackAppHarness) -> SlackRequests:
    """Signed requests to `slack_app`, as the default user of the default workspace."""
    return slack_app.slack
