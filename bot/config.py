"""Settings of the Slack app, read once from the environment and an optional `.env` file.

Names are the ones Slack's and Anthropic's own tools read (`SLACK_BOT_TOKEN`,
`ANTHROPIC_API_KEY`, ...), so an existing `.env` from those tools works as is. Real environment
variables win over the `.env` file. Secrets never show in `repr()`.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Literal

from dotenv import dotenv_values, load_dotenv

Mode = Literal["socket", "http-oauth", "http-single"]

DEFAULT_SLACK_API_URL = "https://slack.com/api/"
DEFAULT_ANTHROPIC_MODEL = "claude-sonnet-4-6"
DEFAULT_AFFINITY_BASE_URL = "https://api.affinity.co"
# Loopback only: a bare host is not exposed by accident. A container (or a proxy on another host)
# needs HOST=0.0.0.0.
DEFAULT_HOST = "127.0.0.1"
DEFAULT_LISTENER_QUEUE_LIMIT = 200


class ConfigError(ValueError):
    """The configuration is incomplete or inconsistent; the message says what to set.

    `problems` lists every problem found (the message lists them all too).
    """

    def __init__(self, message: str, problems: list[str] | None = None) -> None:
        super().__init__(message)
        self.problems = problems if problems is not None else [message]

    @classmethod
    def listing(cls, problems: list[str]) -> ConfigError:
        if len(problems) == 1:
            return cls(problems[0], problems)
        return cls("Incomplete configuration:\n  - " + "\n  - ".join(problems), problems)


def _secret() -> object:
    return field(default=None, repr=False)


@dataclass(frozen=True)
class Settings:
    """Everything the Slack app needs to start. Build with `Settings.from_env()`."""

    slack_bot_token: str | None = _secret()  # type: ignore[assignment]
    slack_signing_secret: str | None = _secret()  # type: ignore[assignment]
    slack_app_token: str | None = _secret()  # type: ignore[assignment]
    slack_client_id: str | None = None
    slack_client_secret: str | None = _secret()  # type: ignore[assignment]
    slack_api_url: str = DEFAULT_SLACK_API_URL
    anthropic_api_key: str | None = _secret()  # type: ignore[assignment]
    anthropic_base_url: str | None = None
    anthropic_model: str = DEFAULT_ANTHROPIC_MODEL
    # None means "the vault's default": a SQLite file in AFFINITY_BOT_DATA_DIR (./data).
    database_url: str | None = field(default=None, repr=False)  # may embed a password
    host: str = DEFAULT_HOST
    port: int = 3000
    listener_queue_limit: int = DEFAULT_LISTENER_QUEUE_LIMIT
    affinity_base_url: str = DEFAULT_AFFINITY_BASE_URL
    affinity_tenant_id: str | None = None
    revocation_sweep_hours: float = 6.0
    log_level: str = "INFO"

    def __post_init__(self) -> None:
        # WebClient joins method names with urljoin: without the trailing slash
        # ".../api" + "chat.postMessage" would become "/chat.postMessage".
        if not self.slack_api_url.endswith("/"):
            object.__setattr__(self, "slack_api_url", self.slack_api_url + "/")
        object.__setattr__(self, "log_level", self.log_level.upper())

    # ------------------------------------------------------------------ loading

    @classmethod
    def from_env(
        cls,
        environ: Mapping[str, str] | None = None,
        *,
        env_file: str | Path | None = ".env",
    ) -> Settings:
        """Read settings from `environ` (default: the process environment) over `env_file`.

        With the process environment, the `.env` file is also loaded into `os.environ` (without
        overriding real variables) so that the vault and the SDKs see the same values.
        """
        return cls.from_mapping(_merged(environ, env_file))

    @classmethod
    def read_env(
        cls,
        environ: Mapping[str, str] | None = None,
        *,
        env_file: str | Path | None = ".env",
    ) -> tuple[Settings, list[str]]:
        """Like `from_env`, but never raises: the settings (defaults where a value could not be
        read) and every value that could not be read, so that start-up can list them all."""
        return cls.read_mapping(_merged(environ, env_file))

    @classmethod
    def from_mapping(cls, source: Mapping[str, str]) -> Settings:
        """Settings from `source`; `ConfigError` names every value that could not be read."""
        settings, problems = cls.read_mapping(source)
        if problems:
            raise ConfigError.listing(problems)
        return settings

    @classmethod
    def read_mapping(cls, source: Mapping[str, str]) -> tuple[Settings, list[str]]:
        problems: list[str] = []

        def text(name: str) -> str | None:
            value = source.get(name)
            return value.strip() or None if value is not None else None

        def number(name: str, default: float, kind: type = int) -> float:
            raw = text(name)
            if raw is None:
                return default
            try:
                value = kind(raw)
            except ValueError:
                problems.append(f"{name} must be a number, got {raw!r}")
                return default
            if value <= 0:
                problems.append(f"{name} must be greater than zero, got {raw!r}")
                return default
            return value

        settings = cls(
            slack_bot_token=text("SLACK_BOT_TOKEN"),
            slack_signing_secret=text("SLACK_SIGNING_SECRET"),
            slack_app_token=text("SLACK_APP_TOKEN"),
            slack_client_id=text("SLACK_CLIENT_ID"),
            slack_client_secret=text("SLACK_CLIENT_SECRET"),
            slack_api_url=text("SLACK_API_URL") or DEFAULT_SLACK_API_URL,
            anthropic_api_key=text("ANTHROPIC_API_KEY"),
            anthropic_base_url=text("ANTHROPIC_BASE_URL"),
            anthropic_model=text("ANTHROPIC_MODEL") or DEFAULT_ANTHROPIC_MODEL,
            database_url=text("DATABASE_URL"),
            host=text("HOST") or DEFAULT_HOST,
            port=int(number("PORT", 3000)),
            listener_queue_limit=int(
                number("LISTENER_QUEUE_LIMIT", DEFAULT_LISTENER_QUEUE_LIMIT)
            ),
            affinity_base_url=text("AFFINITY_BASE_URL") or DEFAULT_AFFINITY_BASE_URL,
            affinity_tenant_id=text("AFFINITY_TENANT_ID"),
            revocation_sweep_hours=float(number("REVOCATION_SWEEP_HOURS", 6.0, float)),
            log_level=text("LOG_LEVEL") or "INFO",
        )
        return settings, problems

    # ------------------------------------------------------------------ mode

    @property
    def mode(self) -> Mode:
        """How the app talks to Slack, from what is configured.

        "socket": an app-level token (xapp-) is set — one workspace, no public URL.
        "http-oauth": client id and secret are set — any number of workspaces install it.
        "http-single": a bot token and signing secret — one workspace over HTTP.
        """
        if self.slack_app_token:
            return "socket"
        if self.slack_client_id or self.slack_client_secret:
            return "http-oauth"
        if self.slack_bot_token or self.slack_signing_secret:
            return "http-single"
        raise ConfigError(
            "Slack is not configured. Set SLACK_APP_TOKEN and SLACK_BOT_TOKEN for Socket Mode, "
            "or SLACK_SIGNING_SECRET with SLACK_CLIENT_ID and SLACK_CLIENT_SECRET for HTTP mode "
            "with OAuth installs, or SLACK_SIGNING_SECRET with SLACK_BOT_TOKEN for HTTP mode in "
            "one workspace. See .env.example."
        )

    def problems(self) -> list[str]:
        """Every reason the app cannot start with these settings (empty when it can)."""
        try:
            mode = self.mode
        except ConfigError as error:
            return [str(error)]
        found: list[str] = []
        if mode == "socket":
            if not self.slack_app_token.startswith("xapp-"):  # type: ignore[union-attr]
                found.append("SLACK_APP_TOKEN must be an app-level token (it starts with xapp-).")
            if not self.slack_bot_token:
                found.append("Socket Mode needs SLACK_BOT_TOKEN (the xoxb- bot token) too.")
        elif mode == "http-oauth":
            if not (self.slack_client_id and self.slack_client_secret):
                found.append("OAuth installs need both SLACK_CLIENT_ID and SLACK_CLIENT_SECRET.")
            if not self.slack_signing_secret:
                found.append("HTTP mode needs SLACK_SIGNING_SECRET to verify Slack's requests.")
        else:
            if not self.slack_signing_secret:
                found.append("HTTP mode needs SLACK_SIGNING_SECRET to verify Slack's requests.")
            if not self.slack_bot_token:
                found.append("HTTP mode in one workspace needs SLACK_BOT_TOKEN (xoxb-...).")
        if self.slack_bot_token and not self.slack_bot_token.startswith("xox"):
            found.append("SLACK_BOT_TOKEN must be a bot token (it starts with xoxb-).")
        return found

    def check(self) -> Settings:
        """Raise `ConfigError` listing every problem, or return self."""
        found = self.problems()
        if found:
            raise ConfigError.listing(found)
        return self

    @property
    def revocation_sweep_seconds(self) -> float:
        return self.revocation_sweep_hours * 3600

    def secret_values(self) -> list[str]:
        """The configured secrets, for the log redaction filter to scrub verbatim."""
        return [
            value
            for value in (
                self.slack_bot_token,
                self.slack_signing_secret,
                self.slack_app_token,
                self.slack_client_secret,
                self.anthropic_api_key,
            )
            if value
        ]

    def public_summary(self) -> dict[str, object]:
        """The non-secret settings, for a start-up log line."""
        hidden = {f.name for f in fields(self) if not f.repr}
        return {f.name: getattr(self, f.name) for f in fields(self) if f.name not in hidden}


def _merged(environ: Mapping[str, str] | None, env_file: str | Path | None) -> dict[str, str]:
    """`environ` (default: the process environment) over the values of `env_file`.

    With the process environment, the `.env` file is also loaded into `os.environ` (without
    overriding real variables) so that the vault and the SDKs see the same values.
    """
    file_values: dict[str, str] = {}
    if env_file is not None and Path(env_file).is_file():
        file_values = {k: v for k, v in dotenv_values(env_file).items() if v is not None}
        if environ is None:
            load_dotenv(env_file, override=False)
    return {**file_values, **(os.environ if environ is None else environ)}


def load_settings() -> Settings:
    """The process settings, checked: what every entry point calls."""
    return Settings.from_env().check()
