"""The tool catalog as the agent sees it, and its Anthropic tool definitions.

A catalog maps a tool name to an object with ``name``, ``description``, ``input_schema`` and
``writes`` (the shape of ``affinity_client.TOOLS``). The definitions given to Claude are the
catalog's own, with write tools introduced as proposals.

The assistant's catalog (`assistant_catalog`) is ``affinity_client.TOOLS`` plus the bot's own
reads built from several of them (meeting prep): such a tool has ``compose(execute, input)``,
which the loop calls with the user's executor instead of executing the tool by name, so each of
its reads runs, is checked and audited like any other call with the user's own key.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any, Protocol

CACHE_CONTROL = {"type": "ephemeral"}

Executor = Callable[[str, dict[str, Any]], dict[str, Any]]
"""``execute(tool_name, tool_input) -> result``; raises ``AffinityError`` subclasses."""


class ToolLike(Protocol):
    """Read-only, as ``affinity_client.Tool`` (a frozen dataclass) is."""

    @property
    def name(self) -> str: ...
    @property
    def description(self) -> str: ...
    @property
    def input_schema(self) -> dict[str, Any]: ...
    @property
    def writes(self) -> bool: ...


Catalog = Mapping[str, ToolLike]


def default_catalog() -> Catalog:
    """The real catalog, ``affinity_client.TOOLS``."""
    from affinity_client import TOOLS

    return TOOLS


def assistant_catalog(clock: Callable[[], datetime]) -> Catalog:
    """The agent's tools: the Affinity catalog and the bot-level reads (meeting prep)."""
    from bot.features.notifications.prep import PrepTool

    prep = PrepTool(clock)
    return {**default_catalog(), prep.name: prep}


PROPOSES = (
    "Proposes a change, it does not make it: calling this changes nothing in Affinity; "
    "the user sees the change on a card and it runs only if they click Approve. "
)


def tool_definitions(catalog: Catalog) -> list[dict[str, Any]]:
    """Anthropic tool params: name and input_schema as catalogued; a write tool's description
    starts by saying that the call only proposes the change (here, unlike for other callers
    of the catalog, writes wait for a person's click)."""
    tools = [
        {
            "name": t.name,
            "description": (PROPOSES if t.writes else "") + t.description,
            "input_schema": t.input_schema,
        }
        for t in catalog.values()
    ]
    return tools  # no breakpoint here: the one on the rules (after the tools) caches them too


def is_write(catalog: Catalog, name: str) -> bool:
    """Unknown tools count as writes: the loop never runs what it cannot classify."""
    tool = catalog.get(name)
    return tool is None or bool(tool.writes)
