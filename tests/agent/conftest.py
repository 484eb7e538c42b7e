"""Fixtures for the agent: the scripted Anthropic API, a SQLite database, a recording executor."""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from sqlalchemy.orm import Session, sessionmaker

import bot.agent.models  # noqa: F401  (registers the agent tables on Base)
from affinity_client import TOOLS
from bot.agent import Agent, AgentSettings, CachedList, ThreadKey, UserContext
from bot.database import make_engine
from bot.devtools.fake_anthropic import ScriptedAnthropic
from bot.models import Base

TODAY = dt.date(2026, 11, 28)
SERIES_A = 201


class RecordingExecutor:
    """A fake ``execute(tool, input)``: answers from ``handlers`` and records every call."""

    def __init__(self, handlers: dict[str, Callable[[dict[str, Any]], Any]] | None = None):
        self.handlers = dict(handlers or {})
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self._lock = threading.Lock()

    def __call__(self, tool: str, tool_input: dict[str, Any]) -> dict[str, Any]:
        with self._lock:
            self.calls.append((tool, dict(tool_input)))
        handler = self.handlers.get(tool)
        if handler is None:
            if TOOLS[tool].writes:
                return {"id": 90000 + len(self.calls), **tool_input}
            raise AssertionError(f"unexpected tool call {tool}")
        result = handler(tool_input)
        if isinstance(result, Exception):
            raise result
        return result

    def names(self) -> list[str]:
        return [name for name, _ in self.calls]

    def writes(self) -> list[tuple[str, dict[str, Any]]]:
        return [c for c in self.calls if TOOLS[c[0]].writes]


@pytest.fixture
def api() -> Iterator[ScriptedAnthropic]:
    with ScriptedAnthropic() as server:
        yield server


@pytest.fixture
def sqlite_url(tmp_path: Any) -> str:
    return f"sqlite:///{tmp_path / 'agent.db'}"


def make_sessions(url: str) -> sessionmaker[Session]:
    """Sessions on the app's own engine factory; tables from the models (fast)."""
    engine = make_engine(url)
    Base.metadata.create_all(engine)
    return sessionmaker(engine, expire_on_commit=False)


@pytest.fixture
def sessions(sqlite_url: str) -> sessionmaker[Session]:
    return make_sessions(sqlite_url)


@pytest.fixture
def settings(api: ScriptedAnthropic) -> AgentSettings:
    return AgentSettings(
        api_key="sk-ant-test-planted-0001",
        base_url=api.base_url,
        request_timeout=5,
        max_retries=2,
        turn_time_budget=20,
    )


@pytest.fixture
def make_agent(settings: AgentSettings, sessions: sessionmaker[Session]) -> Callable[..., Agent]:
    def build(**overrides: Any) -> Agent:
        chosen = AgentSettings(**{**settings.__dict__, **overrides})
        return Agent(chosen, sessions, catalog=TOOLS)

    return build


@pytest.fixture
def agent(make_agent: Callable[..., Agent]) -> Agent:
    return make_agent()


@pytest.fixture
def user() -> UserContext:
    return UserContext(
        identifier="T1:U_MAYA",
        affinity_user_name="Maya Patel",
        workspace="Northwind Ventures",
        affinity_user_email="maya@northwind.vc",
        today=TODAY,
        lists=(
            CachedList(SERIES_A, "Series A Pipeline", "opportunity"),
            CachedList(202, "Seed Pipeline", "opportunity"),
            CachedList(205, "Founders to Watch", "person"),
        ),
    )


@pytest.fixture
def thread() -> ThreadKey:
    return ThreadKey("T1", "D_MAYA", "1732800000.000100")
