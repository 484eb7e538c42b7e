"""The Claude agent: plain-language requests answered with the Affinity tool catalog.

Public interface (what the Slack layer calls):

- :class:`AgentSettings` / :func:`agent_available` / :data:`UNAVAILABLE_MESSAGE`
- :class:`Agent` with ``respond(thread, user, text, execute)``, ``approve(batch_id, actor,
  execute, index=None)`` and ``cancel(batch_id, actor, index=None)``
- :class:`ThreadKey`, :class:`UserContext`, :class:`CachedList`
- :class:`TurnResult`, :class:`BatchView`, :class:`ActionResult`

Reads run through the executor the caller binds to the asking user; writes are only proposed
and run once, when their owner approves (see docs/agent.md).
"""

from bot.agent.context import CachedList, ThreadKey, UserContext
from bot.agent.proposals import ActionResult, BatchView, ItemView
from bot.agent.service import Agent, TurnResult, build_agent
from bot.agent.settings import UNAVAILABLE_MESSAGE, AgentSettings, agent_available

__all__ = [
    "UNAVAILABLE_MESSAGE",
    "ActionResult",
    "Agent",
    "AgentSettings",
    "BatchView",
    "CachedList",
    "ItemView",
    "ThreadKey",
    "TurnResult",
    "UserContext",
    "agent_available",
    "build_agent",
]
