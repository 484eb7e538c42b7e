"""The agent as the Slack layer calls it: a turn in a thread, then approve or cancel.

``Agent.respond`` loads the (thread, user) memory, runs the loop with the user's executor, stores
proposed writes as one batch and saves the memory. ``Agent.approve`` / ``Agent.cancel`` act on a
batch (owner only, exactly once) and write the outcome into the owner's thread memory, so a
follow-up question knows what happened.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

import anthropic
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from bot.agent.catalog import Catalog, Executor, assistant_catalog, default_catalog
from bot.agent.context import CachedList, ThreadKey, UserContext
from bot.agent.loop import AgentLoop, ToolCallRecord
from bot.agent.memory import ConversationStore
from bot.agent.models import utcnow
from bot.agent.proposals import (
    CANCELLED,
    DONE,
    FAILED,
    UNKNOWN,
    ActionResult,
    BatchView,
    ProposalStore,
)
from bot.agent.settings import AgentSettings, agent_available
from bot.config import Settings

log = logging.getLogger(__name__)


@dataclass
class TurnResult:
    text: str  # Slack mrkdwn answer (or the one-line error)
    batch: BatchView | None = None  # proposed writes awaiting approval -> confirmation card
    needs_reconnect: bool = False  # the user's Affinity key was rejected: show Reconnect
    error: str | None = None  # set when Claude could not be reached / answered an error
    usage: list[dict[str, int]] = field(default_factory=list)
    tool_calls: list[ToolCallRecord] = field(default_factory=list)


class Agent:
    def __init__(
        self,
        settings: AgentSettings,
        sessions: sessionmaker[Session],
        *,
        catalog: Catalog | None = None,
        client: anthropic.Anthropic | None = None,
        clock: Callable[[], dt.datetime] = utcnow,
    ) -> None:
        self.settings = settings
        self.loop = AgentLoop(
            settings, catalog if catalog is not None else default_catalog(), client
        )
        self.memory = ConversationStore(sessions, settings.memory_max_chars)
        self.proposals = ProposalStore(
            sessions, ttl_seconds=settings.proposal_ttl_seconds, clock=clock
        )

    def respond(
        self,
        thread: ThreadKey,
        user: UserContext,
        text: str,
        execute: Executor,
        on_text: Callable[[str], None] | None = None,
        on_tool: Callable[[str], None] | None = None,
    ) -> TurnResult:
        """One user message in a thread. ``execute`` runs reads with this user's credential;
        ``on_text``, if given, receives answer text as Claude streams it (e.g. to feed Slack's
        ``chat_stream``); the full text is in the result either way. ``on_tool``, if given, is
        told each tool's name as its step starts."""
        history = self.memory.load(thread, user.identifier)
        if not user.lists or not user.lists_fresh:
            user = with_fetched_lists(user, execute)
        outcome = self.loop.run(user, history, text, execute, on_text, on_tool)
        batch = None
        if outcome.proposals:
            batch = self.proposals.create_batch(user.identifier, thread, outcome.proposals)
        self.memory.save(thread, user.identifier, outcome.messages)
        return TurnResult(
            outcome.text,
            batch,
            outcome.needs_reconnect,
            outcome.error,
            outcome.usage,
            outcome.tool_calls,
        )

    def approve(
        self,
        batch_id: str,
        actor: str,
        execute: Executor,
        index: int | None = None,
        on_running: Callable[[], object] | None = None,
    ) -> ActionResult:
        """Run pending item ``index`` (or all) once. ``execute`` is bound to the owner's key;
        ``on_running`` is called when the first item is claimed, before it runs."""
        result = self.proposals.approve(batch_id, actor, execute, index, on_running)
        self._remember(result, "approved actions")
        return result

    def cancel(self, batch_id: str, actor: str, index: int | None = None) -> ActionResult:
        result = self.proposals.cancel(batch_id, actor, index)
        self._remember(result, "cancelled actions")
        return result

    def _remember(self, result: ActionResult, label: str) -> None:
        if not result.acted or result.batch is None:
            return
        lines = [_outcome_line(result.batch, i) for i in result.acted]
        self.memory.append_note(
            result.batch.thread, result.batch.owner, f"[{label}: " + "; ".join(lines) + "]"
        )


def with_fetched_lists(user: UserContext, execute: Executor) -> UserContext:
    """The user's lists read now when none are cached (a message in the instant between
    connecting and the lists being cached), or when the cache is no longer fresh (a list
    renamed or added in Affinity since): the prompt never says "no lists" to someone who has
    them, nor an old name. A failure leaves what was cached, or the prompt's own fallback (look
    them up with a tool)."""
    try:
        result = execute("affinity_list_lists", {})
    except Exception as exc:  # the turn goes on; a revoked key shows at the first tool call
        log.info("reading the lists for the prompt failed: %s", type(exc).__name__)
        return user
    lists = tuple(
        CachedList.from_dict(item)
        for item in result.get("lists") or []
        if isinstance(item, dict) and item.get("id") is not None
    )
    return replace(user, lists=lists, lists_fresh=True) if lists else user


def _outcome_line(batch: BatchView, index: int) -> str:
    item = batch.items[index]
    state: dict[str, Any] = {
        DONE: f"done — {item.result_summary}",
        FAILED: f"failed — {item.error}",
        UNKNOWN: f"outcome unknown, not retried — {item.error}",
        CANCELLED: "cancelled by the user, not done",
    }
    return f"{index + 1}. {item.description}: {state.get(item.status, item.status)}"


def build_agent(
    settings: Settings, engine: Engine, clock: Callable[[], dt.datetime]
) -> Agent | None:
    """The agent for this process, or None without ANTHROPIC_API_KEY (DM text is then taken as
    commands). `AGENT_*` limits were checked when the settings were read."""
    if not agent_available(settings):
        return None
    return Agent(
        AgentSettings.from_app_settings(settings),
        sessionmaker(engine, expire_on_commit=False),
        catalog=assistant_catalog(clock),
        clock=clock,
    )
