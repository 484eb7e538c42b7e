"""The tool catalog: each a declarative :class:`Tool`, and :func:`run_tool`."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..errors import ToolInputError
from . import (
    directory,
    field_writes,
    fields,
    history,
    list_entries,
    lists,
    meetings,
    notes,
    opportunities,
    organizations,
    persons,
    pipeline,
    relationships,
    reminders,
)
from .base import Tool
from .common import know_lists

if TYPE_CHECKING:
    from ..client import AffinityClient

TOOLS: dict[str, Tool] = {
    tool.name: tool
    for module in (
        persons,
        organizations,
        lists,
        opportunities,
        notes,
        relationships,
        fields,
        pipeline,
        field_writes,
        list_entries,
        reminders,
        meetings,
        directory,
        history,
    )
    for tool in module.TOOLS
}


def run_tool(
    client: AffinityClient, name: str, tool_input: dict[str, Any] | None
) -> dict[str, Any]:
    """Validate ``tool_input`` (nothing is sent if it is bad) and run the tool ``name``."""
    tool = TOOLS.get(name)
    if tool is None:
        raise ToolInputError(f"Unknown tool {name!r}.", field="name", tool=name)
    return tool.run(client, tool.validate(tool_input if tool_input is not None else {}))


def tool_definitions() -> list[dict[str, Any]]:
    """Every tool as an Anthropic tool definition, in catalog order."""
    return [tool.definition() for tool in TOOLS.values()]


__all__ = ["TOOLS", "Tool", "know_lists", "run_tool", "tool_definitions"]
