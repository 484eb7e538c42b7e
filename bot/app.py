"""The one factory of the Slack app, used by every way of running it and by the tests.

`build_app(settings, services)` returns a sync `slack_bolt.App` wired for the configured mode:

- Socket Mode and single-workspace HTTP: the bot token from `SLACK_BOT_TOKEN`;
- HTTP with OAuth installs: slack-sdk's SQLAlchemy installation and OAuth state stores on the
  bot's own database (tables created by the bot's migration 0001_bot_base, never by the stores'
  `create_tables()`), so every process behind a load balancer sees every installation. Bolt's
  authorization reads them through an in-process cache (`bot.middleware.installations`), so an
  acknowledgement waits neither on the database nor on `auth.test`.

`process_before_response` stays off: the app runs in long-lived processes (gunicorn threads or
the Socket Mode client), so Bolt acks first and listeners do their slow work afterwards on the
listener thread pool — Slack's 3-second limit is always met, whatever Affinity or Claude cost.
Consequence for tests: side effects happen after the HTTP response; wait for them
(`FakeSlack.wait_for`).

All Web API calls go through `WebClient(base_url=settings.slack_api_url)`, so the tests and the
console can point the whole app at a fake Slack.

Bolt's own signature check is replaced by `bot.middleware.trust.RequestTrust` (strict, never
raising, followed by a check of the payload's shape), and the listener pool is bounded
(`LISTENER_QUEUE_LIMIT`, `bot.middleware.capacity`). The pool also makes each delivery's dedup
claim (`bot.middleware.dedup`) on the listener thread, so no acknowledgement waits on the database,
and holds back acknowledged work while other requests wait for their acknowledgement
(`bot.middleware.ack_first`).

With a bot token, building the app asks Slack who the token belongs to (`auth.test`); an
unreachable Slack or a refused token raises `SlackUnreachable`, whose message is one line naming
the URL and the error (`check_slack` asks the same question before a process starts serving).
"""

from __future__ import annotations

import logging
import urllib.error
from collections.abc import Callable, Iterable
from typing import Any, Protocol

from slack_bolt import App
from slack_bolt.error import BoltError
from slack_bolt.oauth.oauth_settings import OAuthSettings
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.oauth.installation_store.sqlalchemy import SQLAlchemyInstallationStore
from slack_sdk.oauth.state_store.sqlalchemy import SQLAlchemyOAuthStateStore

from bot.config import Settings, load_settings, reveal
from bot.database import upgrade_all
from bot.features import (
    activity,
    assistant_pane,
    commands,
    connect,
    conversation,
    home,
    mcp_tokens,
    notifications,
    platform,
    revocation,
    shortcuts,
    unfurls,
    workspace_admin,
)
from bot.middleware import install_middleware
from bot.middleware.ack_first import ACKNOWLEDGEMENTS
from bot.middleware.capacity import BoundedListenerPool
from bot.middleware.dedup import guard_listener
from bot.middleware.installations import CachedInstallationStore, cached_authorize
from bot.middleware.logs import configure_logging
from bot.middleware.trust import RequestTrust
from bot.models import BOTS_TABLE, INSTALLATIONS_TABLE, OAUTH_STATES_TABLE
from bot.services import Services, SlackClients

APP_NAME = "affinity-for-slack"
# Listeners call Affinity and Claude after the ack; Bolt's default of 5 threads is too few.
LISTENER_THREADS = 16
SLACK_CHECK_TIMEOUT_SECONDS = 10
OAUTH_STATE_SECONDS = 600
# The bot scopes requested at install; must equal manifest.yml (tests/bot/test_manifest.py).
BOT_SCOPES = [
    "app_mentions:read",
    "assistant:write",
    "channels:history",
    "chat:write",
    "commands",
    "groups:history",
    "im:history",
    "im:read",
    "im:write",
    "links:read",
    "links:write",
    "users:read",
]

log = logging.getLogger("bot.app")
# slack_sdk logs a failed call at ERROR before raising; at start-up the one line says it all.
_quiet = logging.getLogger("bot.app.slack_check")
_quiet.propagate = False
_quiet.addHandler(logging.NullHandler())


class Feature(Protocol):
    def register(self, app: App, services: Services) -> None: ...


# Registered in this order; append a new feature module here.
FEATURES: tuple[Feature, ...] = (
    platform,
    connect,
    home,
    mcp_tokens,
    revocation,
    conversation,
    commands,
    assistant_pane,
    shortcuts,
    unfurls,
    workspace_admin,
    activity,
    notifications,
)


class SlackUnreachable(RuntimeError):
    """Slack could not be reached, or refused the bot token, at start-up (a one-line message)."""


def describe_slack_failure(error: BaseException) -> str:
    """One line for why a call to Slack failed: Slack's error code, or the network's reason."""
    if isinstance(error, SlackApiError):
        return f"Slack answered {error.response.get('error') or error.response.status_code}"
    if isinstance(error, urllib.error.URLError):
        return str(error.reason)
    return str(error).splitlines()[0] if str(error) else type(error).__name__


def check_slack(settings: Settings) -> None:
    """Ask Slack whom the bot token belongs to (`auth.test`), as Bolt does when building the app.

    Raises `SlackUnreachable` with one line naming the URL and the error. Nothing to ask in OAuth
    mode, where each workspace's token comes from the database.
    """
    if settings.mode == "http-oauth" or not settings.slack_bot_token:
        return
    client = WebClient(
        token=reveal(settings.slack_bot_token),
        base_url=settings.slack_api_url,
        timeout=SLACK_CHECK_TIMEOUT_SECONDS,
        logger=_quiet,
    )
    try:
        client.auth_test()
    except Exception as error:  # whatever it is, start-up stops with one line
        raise SlackUnreachable(_unreachable(settings, error)) from None


def _unreachable(settings: Settings, error: BaseException) -> str:
    return f"cannot use Slack at {settings.slack_api_url}auth.test: {describe_slack_failure(error)}"


def build_app(
    settings: Settings,
    services: Services,
    *,
    web_client: WebClient | None = None,
    features: Iterable[Feature] | None = None,
) -> App:
    """The Slack app for `settings`, with the platform middleware and every feature registered.

    `features` defaults to `FEATURES`.
    """
    settings.check()
    client = web_client or WebClient(base_url=settings.slack_api_url)
    common: dict[str, Any] = {
        "name": APP_NAME,
        "logger": bolt_logger(settings),
        "signing_secret": reveal(settings.slack_signing_secret),
        # Replaced by RequestTrust, in the same place in Bolt's chain (before authorization).
        "request_verification_enabled": False,
        "before_authorize": RequestTrust(reveal(settings.slack_signing_secret)),
        "process_before_response": False,
        "ignoring_self_events_enabled": True,
        "listener_executor": BoundedListenerPool(
            LISTENER_THREADS,
            settings.listener_queue_limit,
            thread_name_prefix="slack-listener",
            prepare=prepare_listener,
        ),
    }
    if settings.mode == "http-oauth":
        oauth = oauth_settings(settings, services)
        authorize = cached_authorize(
            oauth.installation_store,  # type: ignore[arg-type]
            client_id=oauth.client_id,
            client_secret=oauth.client_secret,
            logger=common["logger"],
        )
        # Bolt takes an `Authorize` instance as is (its stub types only plain callables).
        app = App(
            client=client,
            oauth_settings=oauth,
            authorize=authorize,  # type: ignore[arg-type]
            **common,
        )
    else:
        if client.token is None:
            client.token = reveal(settings.slack_bot_token)
        try:
            app = App(client=client, **common)  # calls auth.test with the token
        except (BoltError, SlackApiError, OSError) as error:
            cause = error.__context__ if isinstance(error, BoltError) else None
            raise SlackUnreachable(_unreachable(settings, cause or error)) from None
    services.slack_clients = slack_clients(app, settings)
    install_middleware(app, services)
    for feature in FEATURES if features is None else features:
        feature.register(app, services)
    return app


def prepare_listener(work: Callable[[], Any]) -> Callable[[], Any]:
    """A listener's run as the pool gets it: held back while acknowledgements are pending
    (`bot.middleware.ack_first`), then claimed once (`bot.middleware.dedup`) and run."""
    return ACKNOWLEDGEMENTS.defer(guard_listener(work))


def slack_clients(app: App, settings: Settings) -> SlackClients:
    """How to reach a workspace outside a request (DMs, Home refresh): the app's own client with
    a bot token, else the installation's bot token (None when the workspace is not installed)."""
    store = app.installation_store

    def find(team_id: str, enterprise_id: str | None) -> WebClient | None:
        if store is None:
            return app.client
        bot = store.find_bot(enterprise_id=enterprise_id, team_id=team_id)
        if bot is None or not bot.bot_token:
            log.warning("no installation for team %s: cannot reach its users", team_id)
            return None
        return WebClient(token=bot.bot_token, base_url=settings.slack_api_url)

    return find


def bolt_logger(settings: Settings) -> logging.Logger:
    """The base logger Bolt copies into every logger it makes (at construction time).

    At INFO, Bolt logs the whole body of a request whose signature fails — a submitted key dialog
    included — so Bolt stays at WARNING unless LOG_LEVEL is DEBUG. Listeners log through their
    own module loggers (`logging.getLogger(__name__)`), not Bolt's injected `logger`.
    """
    logger = logging.getLogger("slack_bolt")
    logger.setLevel(logging.DEBUG if settings.log_level == "DEBUG" else logging.WARNING)
    return logger


def oauth_settings(settings: Settings, services: Services) -> OAuthSettings:
    """OAuth installs into the shared database; the bot needs bot tokens only."""
    return OAuthSettings(
        client_id=settings.slack_client_id,
        client_secret=reveal(settings.slack_client_secret),
        scopes=BOT_SCOPES,
        user_scopes=[],
        installation_store=CachedInstallationStore(
            SQLAlchemyInstallationStore(
                client_id=settings.slack_client_id,  # type: ignore[arg-type]
                engine=services.engine,
                bots_table_name=BOTS_TABLE,
                installations_table_name=INSTALLATIONS_TABLE,
            )
        ),
        installation_store_bot_only=True,
        state_store=SQLAlchemyOAuthStateStore(
            expiration_seconds=OAUTH_STATE_SECONDS,
            engine=services.engine,
            table_name=OAUTH_STATES_TABLE,
        ),
    )


def bootstrap(
    settings: Settings | None = None, *, upgrade: bool = True, **service_options: Any
) -> tuple[App, Services]:
    """Settings, logging, schema, services and app: what a bot process does at start-up.

    Background jobs are registered but not started; the caller starts them once it serves.
    """
    settings = settings or load_settings()
    configure_logging(settings.log_level, settings.secret_values())
    log.info("starting in %s mode with %s", settings.mode, settings.public_summary())
    if upgrade:
        upgrade_all(settings.database_url)
    services = Services.build(settings, **service_options)
    return build_app(settings, services), services
