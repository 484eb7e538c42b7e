"""The tool catalog as the agent sees it, and its Anthropic tool definitions.

A catalog maps a tool name to an object with ``name``, ``description``, ``input_schema`` and
``writes`` (the shape of ``affinity_client.TOOLS``). The definitions given to Claude are the
catalog's own, unchanged; only the last one carries a ``cache_control`` breakpoint so that the
whole tool block is cached.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, Protocol

CACHE_CONTROL = {"type": "ephemeral"}

Executor = Callable[[str, dict[str, Any]], dict[str, Any]]
"""``execute(tool_name, tool_input) -> result``; raises ``AffinityError`` subclasses."""


class ToolLike(Protocol):
    name: str
    description: str
    input_schema: dict[str, Any]
    writes: bool


Catalog = Mapping[str, ToolLike]


def default_catalog() -> Catalog:
    """The real catalog, ``affinity_client.TOOLS``."""
    from affinity_client import TOOLS  # type: ignore[attr-defined]

    return TOOLS


def tool_definitions(catalog: Catalog) -> list[dict[str, Any]]:
    """Anthropic tool params: name, description and input_schema exactly as catalogued."""
    tools = [
        {"name": t.name, "description": t.description, "input_schema": t.input_schema}
        for t in catalog.values()
    ]
    if tools:
        tools[-1] = {**tools[-1], "cache_control": CACHE_CONTROL}
    return tools


def is_write(catalog: Catalog, name: str) -> bool:
    """Unknown tools count as writes: the loop never runs what it cannot classify."""
    tool = catalog.get(name)
    return tool is None or bool(tool.writes)
