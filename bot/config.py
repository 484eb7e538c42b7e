"""Settings of the Slack app, read once from the environment and an optional `.env` file.

Names are the ones Slack's and Anthropic's own tools read (`SLACK_BOT_TOKEN`,
`ANTHROPIC_API_KEY`, ...), so an existing `.env` from those tools works as is. Real environment
variables win over the `.env` file. Secrets are `SecretStr`: they never show in `repr()`, and
code that needs one asks for it with `reveal()`.

One object holds every setting: the Slack and serving settings at the top, the agent's limits
(`AGENT_*`) in `settings.agent`, the vault's (`DATABASE_URL`, `AFFINITY_BOT_DATA_DIR`,
`VAULT_MASTER_KEYS`) in `settings.vault`. `Settings.env_defaults()` lists every variable with
its default; a test holds README.md, docs/agent.md and .env.example to it.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, Literal

from dotenv import dotenv_values, load_dotenv
from pydantic import (
    AliasGenerator,
    BaseModel,
    ConfigDict,
    Field,
    NonNegativeInt,
    PositiveFloat,
    PositiveInt,
    SecretStr,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_settings import SettingsConfigDict

from affinity_client.client import V2_API_VERSION, ApiVersion
from vault.config import InitOnlySettings, VaultSettings

Mode = Literal["socket", "http-oauth", "http-single"]

DEFAULT_SLACK_API_URL = "https://slack.com/api/"
DEFAULT_ANTHROPIC_MODEL = "claude-sonnet-4-6"
DEFAULT_AFFINITY_BASE_URL = "https://api.affinity.co"
# Loopback only: a bare host is not exposed by accident. A container (or a proxy on another host)
# needs HOST=0.0.0.0.
DEFAULT_HOST = "127.0.0.1"
DEFAULT_LISTENER_QUEUE_LIMIT = 200
AGENT_PREFIX = "AGENT_"


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


def reveal(secret: SecretStr | None) -> str | None:
    """The text of a secret setting, for the one call that needs it (None when unset)."""
    return secret.get_secret_value() if secret is not None else None


class AgentLimits(BaseModel):
    """The agent's limits, `AGENT_*` in the environment (docs/agent.md explains each)."""

    model_config = ConfigDict(
        frozen=True,
        extra="ignore",
        validate_by_name=True,
        validate_by_alias=True,
        alias_generator=AliasGenerator(validation_alias=lambda name: AGENT_PREFIX + name.upper()),
    )

    max_tool_iterations: PositiveInt = 8  # model calls per turn
    max_output_tokens: PositiveInt = 2048
    request_timeout: PositiveFloat = 60.0  # seconds, one HTTP attempt
    max_retries: NonNegativeInt = 2  # the SDK's own retries (429, 529, 5xx, timeouts)
    turn_time_budget: PositiveFloat = 120.0  # seconds for a whole turn, retries included
    proposal_ttl_seconds: PositiveInt = 15 * 60
    max_proposals_per_turn: PositiveInt = 50
    memory_max_chars: PositiveInt = 60_000  # serialized JSON kept per (thread, user)
    tool_result_max_chars: PositiveInt = 20_000  # ~5k tokens per tool result
    stream_answers: bool = True  # DMs: stream the answer with chat.startStream (see docs)


class Settings(InitOnlySettings):
    """Everything the Slack app needs to start. Build with `Settings.from_env()`.

    Built in code (`Settings(slack_bot_token=...)`, as tests and the console do) it holds exactly
    what it is given, with defaults for the rest: the environment is read by `from_env` and
    `read_env` only, once, at start-up.
    """

    model_config = SettingsConfigDict(
        frozen=True,
        extra="ignore",
        validate_by_name=True,
        validate_by_alias=True,
        alias_generator=AliasGenerator(validation_alias=str.upper),
    )

    slack_bot_token: SecretStr | None = None
    slack_signing_secret: SecretStr | None = None
    slack_app_token: SecretStr | None = None
    slack_client_id: str | None = None
    slack_client_secret: SecretStr | None = None
    slack_api_url: str = DEFAULT_SLACK_API_URL
    anthropic_api_key: SecretStr | None = None
    anthropic_base_url: str | None = None
    anthropic_model: str = DEFAULT_ANTHROPIC_MODEL
    host: str = DEFAULT_HOST
    port: PositiveInt = 3000
    listener_queue_limit: PositiveInt = DEFAULT_LISTENER_QUEUE_LIMIT
    web_concurrency: PositiveInt = 1  # gunicorn worker processes in HTTP mode
    affinity_base_url: str = DEFAULT_AFFINITY_BASE_URL
    affinity_api_version: ApiVersion = V2_API_VERSION
    affinity_tenant_id: str | None = None
    revocation_sweep_hours: PositiveFloat = 6.0
    notify_poll_seconds: PositiveInt = 300  # how often followed lists are read for changes
    # Affinity requests list polling may spend a day (UTC), all polls together; then it waits
    # for the next day. 0 turns the cap off.
    notify_daily_request_cap: NonNegativeInt = 1000
    public_url: str | None = None  # the app's base URL as Affinity reaches it (webhooks)
    log_level: str = "INFO"
    agent: AgentLimits = Field(default_factory=AgentLimits)
    vault: VaultSettings = Field(default_factory=VaultSettings)

    @model_validator(mode="before")
    @classmethod
    def _nest(cls, data: Any) -> Any:
        """Blank values are unset; `AGENT_*` go to `agent`, the vault's names to `vault`."""
        if not isinstance(data, Mapping):
            return data
        flat: dict[str, Any] = {}
        for key, value in data.items():
            if isinstance(value, str):
                value = value.strip()
                if not value:
                    continue
            flat[key] = value
        agent = _sub(flat, "agent", lambda key: key.upper().startswith(AGENT_PREFIX))
        vault = _sub(flat, "vault", lambda key: key in _VAULT_KEYS)
        if agent is not None:
            flat["agent"] = agent
        if vault is not None:
            flat["vault"] = vault
        return flat

    @field_validator("slack_api_url")
    @classmethod
    def _trailing_slash(cls, url: str) -> str:
        # WebClient joins method names with urljoin: without the trailing slash
        # ".../api" + "chat.postMessage" would become "/chat.postMessage".
        return url if url.endswith("/") else url + "/"

    @field_validator("log_level")
    @classmethod
    def _upper(cls, level: str) -> str:
        return level.upper()

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
        """Settings from the variables in `source` (other names are ignored), and every value
        that could not be read; each of those falls back to its default."""
        values = {key: value for key, value in source.items() if key in _ENV_NAMES}
        problems: list[str] = []
        while True:
            try:
                return cls.model_validate(values), problems
            except ValidationError as error:
                details = error.errors()
                unread = [_env_name(detail["loc"]) for detail in details]
                problems += [_explain(name, d) for name, d in zip(unread, details, strict=True)]
                if not any([values.pop(name, None) is not None for name in unread]):
                    return cls(), problems  # nothing left to drop: every default

    @classmethod
    def env_defaults(cls) -> dict[str, object]:
        """Every environment variable the app reads, with its default (None: unset)."""
        names: dict[str, object] = {}
        for model, prefix in ((cls, ""), (AgentLimits, AGENT_PREFIX)):
            for name, info in model.model_fields.items():
                if name not in ("agent", "vault"):
                    names[prefix + name.upper()] = info.get_default(call_default_factory=True)
        for info in VaultSettings.model_fields.values():
            names[str(info.validation_alias)] = info.get_default(call_default_factory=True)
        return names

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
        app_token = reveal(self.slack_app_token) or ""
        bot_token = reveal(self.slack_bot_token)
        if mode == "socket":
            if not app_token.startswith("xapp-"):
                found.append("SLACK_APP_TOKEN must be an app-level token (it starts with xapp-).")
            if not bot_token:
                found.append("Socket Mode needs SLACK_BOT_TOKEN (the xoxb- bot token) too.")
        elif mode == "http-oauth":
            if not (self.slack_client_id and self.slack_client_secret):
                found.append("OAuth installs need both SLACK_CLIENT_ID and SLACK_CLIENT_SECRET.")
            if not self.slack_signing_secret:
                found.append("HTTP mode needs SLACK_SIGNING_SECRET to verify Slack's requests.")
        else:
            if not self.slack_signing_secret:
                found.append("HTTP mode needs SLACK_SIGNING_SECRET to verify Slack's requests.")
            if not bot_token:
                found.append("HTTP mode in one workspace needs SLACK_BOT_TOKEN (xoxb-...).")
        if bot_token and not bot_token.startswith("xox"):
            found.append("SLACK_BOT_TOKEN must be a bot token (it starts with xoxb-).")
        return found

    def check(self) -> Settings:
        """Raise `ConfigError` listing every problem, or return self."""
        found = self.problems()
        if found:
            raise ConfigError.listing(found)
        return self

    @property
    def database_url(self) -> str | None:
        """`DATABASE_URL`; None means the vault's default, a SQLite file in the data dir."""
        return self.vault.database_url

    @property
    def revocation_sweep_seconds(self) -> float:
        return self.revocation_sweep_hours * 3600

    def secret_values(self) -> list[str]:
        """The configured secrets, for the log redaction filter to scrub verbatim."""
        secrets = (
            self.slack_bot_token,
            self.slack_signing_secret,
            self.slack_app_token,
            self.slack_client_secret,
            self.anthropic_api_key,
            self.vault.master_keys,
        )
        return [secret.get_secret_value() for secret in secrets if secret]

    def public_summary(self) -> dict[str, object]:
        """The non-secret settings, for a start-up log line."""
        summary: dict[str, object] = {
            name: getattr(self, name)
            for name, info in type(self).model_fields.items()
            if info.annotation != SecretStr | None and name not in ("agent", "vault")
        }
        summary["agent"] = self.agent.model_dump()
        summary["data_dir"] = str(self.vault.data_dir)
        return summary


_VAULT_KEYS = frozenset(
    key
    for name, info in VaultSettings.model_fields.items()
    for key in (name, str(info.validation_alias))
)
_ENV_NAMES = frozenset(Settings.env_defaults())


def _sub(flat: dict[str, Any], field: str, belongs: Callable[[str], bool]) -> Any:
    """Move the keys of `flat` that `belongs` to a nested model's dict (merged with a value given
    for the field itself)."""
    given = flat.pop(field, None)
    moved = {key: flat.pop(key) for key in [k for k in flat if belongs(k)]}
    if not moved:
        return given
    if isinstance(given, BaseModel):
        given = given.model_dump()
    return {**(given or {}), **moved}


def _env_name(loc: tuple[int | str, ...]) -> str:
    """The environment variable a validation error is about."""
    name = str(loc[-1]) if loc else "?"
    if len(loc) > 1 and loc[0] == "agent" and not name.startswith(AGENT_PREFIX):
        name = AGENT_PREFIX + name.upper()
    return name.upper()


def _explain(name: str, detail: Any) -> str:
    kind, raw = detail["type"], detail.get("input")
    if kind in ("int_parsing", "float_parsing", "int_from_float"):
        return f"{name} must be a number, got {raw!r}"
    if kind == "greater_than":
        return f"{name} must be greater than zero, got {raw!r}"
    if kind == "greater_than_equal":
        return f"{name} must be zero or more, got {raw!r}"
    if kind == "bool_parsing":
        return f"{name} must be true or false, got {raw!r}"
    return f"{name}: {detail['msg']}, got {raw!r}"


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
