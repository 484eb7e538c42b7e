"""Pytest fixtures for the Slack app: the fake Slack Web API and correctly signed requests.

- `fake_slack` — a `FakeSlack` (bot/devtools/fake_slack.py) for the whole session, reset per test.
- `slack_app_factory(...)` — builds the real app with `bot.app.build_app`, pointed at the fake
  Slack, on a fresh, upgraded SQLite file (or the `database_url` you pass, e.g. the `postgres_url`
  / `db_url` fixtures, or another app's URL to run a second "process" on the same database), with
  `AFFINITY_BASE_URL` at the Affinity sandbox, and serves it over loopback HTTP through
  `bot/wsgi.py` (HTTP mode). Returns a `SlackAppHarness`.
- `slack_app` — one harness with the real features; `slack` — its `SlackRequests`.

`SlackRequests` (bot/devtools/slack_requests.py, shared with the console and the benchmark)
sends signed requests (X-Slack-Signature v0, X-Slack-Request-Timestamp, optional
X-Slack-Retry-Num) and builds realistic payloads for slash commands, events, block actions and
view submissions. `slack.as_user("U2", team_id="T2")` gives the same helper for someone else.
Listeners run after the ack: wait for their effects with `fake_slack.wait_for(...)`.
"""

from __future__ import annotations

import logging
import shutil
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from slack_bolt import App
from werkzeug.serving import BaseWSGIServer

from bot.app import FEATURES, build_app
from bot.config import Settings
from bot.database import upgrade_all
from bot.devtools.fake_slack import FakeSlack
from bot.devtools.slack_requests import (  # noqa: F401 - re-exported for tests and benchmarks
    BOT_TOKEN,
    DEFAULT_CHANNEL_ID,
    DEFAULT_TEAM_ID,
    DEFAULT_USER_ID,
    SIGNING_SECRET,
    Sent,
    SlackRequests,
    serve_wsgi,
)
from bot.services import Services
from bot.wsgi import create_wsgi_app

UNREACHABLE_AFFINITY = "http://127.0.0.1:9"
SLACK_ENV_VARS = (
    "SLACK_BOT_TOKEN",
    "SLACK_SIGNING_SECRET",
    "SLACK_APP_TOKEN",
    "SLACK_CLIENT_ID",
    "SLACK_CLIENT_SECRET",
    "SLACK_API_URL",
)


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
        clock: Callable[[], datetime] | None = None,
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
        services = Services.build(settings, keyring=vault_keyring, clock=clock)
        if features is None:
            features = FEATURES
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
