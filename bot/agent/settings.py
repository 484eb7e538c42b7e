"""Configuration of the Claude agent: the app's `ANTHROPIC_*` settings and its `AGENT_*` limits.

Both are read once, by `bot.config.Settings`; :class:`AgentSettings` is the view the agent takes.
Without ``ANTHROPIC_API_KEY`` the agent is simply unavailable: :func:`agent_available` says so and
:data:`UNAVAILABLE_MESSAGE` tells an operator what to configure (the Slack layer then treats DM
text as commands).
"""

from __future__ import annotations

from collections.abc import Mapping

from pydantic import SecretStr

from bot.config import DEFAULT_ANTHROPIC_MODEL, AgentLimits, Settings, reveal

UNAVAILABLE_MESSAGE = (
    "The assistant is not configured: set ANTHROPIC_API_KEY (and optionally ANTHROPIC_MODEL, "
    "ANTHROPIC_BASE_URL) for the bot to answer in plain language. Commands still work: "
    "try `/affinity help`."
)


class AgentSettings(AgentLimits):
    """What the agent needs: how to reach Claude, and the `AGENT_*` limits."""

    api_key: SecretStr | None = None
    base_url: str | None = None
    model: str = DEFAULT_ANTHROPIC_MODEL
    text_field_max_chars: int = 600  # not a setting: the longest free text a tool result keeps

    @classmethod
    def from_app_settings(cls, app_settings: Settings) -> AgentSettings:
        """The agent's part of the app's settings (key, base URL, model, limits)."""
        return cls(
            api_key=app_settings.anthropic_api_key,
            base_url=app_settings.anthropic_base_url,
            model=app_settings.anthropic_model,
            **app_settings.agent.model_dump(),
        )

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> AgentSettings:
        """From environment variables (a `ConfigError`, a ValueError, names a bad value)."""
        return cls.from_app_settings(Settings.from_mapping(env))

    @property
    def api_key_text(self) -> str | None:
        return reveal(self.api_key)


def agent_available(settings: Settings | AgentSettings) -> bool:
    """True when the agent can talk to Claude: an API key is configured. Accepts
    :class:`AgentSettings` or the app's ``bot.config.Settings``."""
    if isinstance(settings, AgentSettings):
        return bool(settings.api_key)
    return bool(settings.anthropic_api_key)
