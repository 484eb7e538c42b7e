"""Configuration of the Claude agent, read from the environment.

Without ``ANTHROPIC_API_KEY`` the agent is simply unavailable: :func:`agent_available` says so and
:data:`UNAVAILABLE_MESSAGE` tells an operator what to configure (the Slack layer then treats DM
text as commands).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

DEFAULT_MODEL = "claude-sonnet-4-6"

UNAVAILABLE_MESSAGE = (
    "The assistant is not configured: set ANTHROPIC_API_KEY (and optionally ANTHROPIC_MODEL, "
    "ANTHROPIC_BASE_URL) for the bot to answer in plain language. Commands still work: "
    "try `/affinity help`."
)


@dataclass(frozen=True)
class AgentSettings:
    api_key: str | None = field(default=None, repr=False)
    base_url: str | None = None
    model: str = DEFAULT_MODEL
    max_tool_iterations: int = 8  # model calls per turn
    max_output_tokens: int = 2048
    request_timeout: float = 60.0  # seconds, one HTTP attempt
    max_retries: int = 2  # the SDK's own retries (429, 529, 5xx, timeouts)
    turn_time_budget: float = 120.0  # seconds for a whole turn, retries included
    proposal_ttl_seconds: int = 15 * 60
    max_proposals_per_turn: int = 50
    memory_max_chars: int = 60_000  # serialized JSON kept per (thread, user)
    tool_result_max_chars: int = 20_000  # ~5k tokens per tool result
    text_field_max_chars: int = 600
    stream_answers: bool = True  # DMs: stream the answer with chat.startStream (see docs)

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> AgentSettings:
        env = os.environ if env is None else env

        def num(name: str, default: float, kind: type = int) -> float:
            raw = env.get(name)
            if raw in (None, ""):
                return default
            try:
                return kind(raw)
            except ValueError as exc:
                raise ValueError(f"{name} must be a number, got {raw!r}") from exc

        return cls(
            api_key=env.get("ANTHROPIC_API_KEY") or None,
            base_url=env.get("ANTHROPIC_BASE_URL") or None,
            model=env.get("ANTHROPIC_MODEL") or DEFAULT_MODEL,
            max_tool_iterations=int(num("AGENT_MAX_TOOL_ITERATIONS", 8)),
            max_output_tokens=int(num("AGENT_MAX_OUTPUT_TOKENS", 2048)),
            request_timeout=float(num("AGENT_REQUEST_TIMEOUT", 60.0, float)),
            max_retries=int(num("AGENT_MAX_RETRIES", 2)),
            turn_time_budget=float(num("AGENT_TURN_TIME_BUDGET", 120.0, float)),
            proposal_ttl_seconds=int(num("AGENT_PROPOSAL_TTL_SECONDS", 900)),
            max_proposals_per_turn=int(num("AGENT_MAX_PROPOSALS_PER_TURN", 50)),
            memory_max_chars=int(num("AGENT_MEMORY_MAX_CHARS", 60_000)),
            tool_result_max_chars=int(num("AGENT_TOOL_RESULT_MAX_CHARS", 20_000)),
            stream_answers=_flag(env, "AGENT_STREAM_ANSWERS", default=True),
        )


    @classmethod
    def from_app_settings(cls, app_settings: Any,
                          env: Mapping[str, str] | None = None) -> AgentSettings:
        """From the app's ``bot.config.Settings`` (key, base URL, model) plus the AGENT_* limits
        from the environment."""
        limits = cls.from_env(env)
        return replace(limits, api_key=app_settings.anthropic_api_key,
                       base_url=app_settings.anthropic_base_url,
                       model=app_settings.anthropic_model or DEFAULT_MODEL)


def _flag(env: Mapping[str, str], name: str, default: bool = False) -> bool:
    raw = (env.get(name) or "").strip().lower()
    if not raw:
        return default
    if raw in ("1", "true", "yes", "on"):
        return True
    if raw in ("0", "false", "no", "off"):
        return False
    raise ValueError(f"{name} must be true or false, got {raw!r}")


def agent_available(settings: Any) -> bool:
    """True when the agent can talk to Claude: an API key is configured. Accepts
    :class:`AgentSettings` or the app's ``bot.config.Settings``."""
    key = getattr(settings, "api_key", None) or getattr(settings, "anthropic_api_key", None)
    return bool(key)
