"""LangChain tools for one connected account: `get_tools(identifier)`.

    from bot.adapters.langchain import get_tools
    tools = get_tools("user_aff_123")                      # reads only
    tools = get_tools("user_aff_123", include_writes=True, approve=ask_a_person)

Each tool is built from the catalog (`affinity_client.TOOLS`, and the assistant's meeting prep,
`affinity_prepare_meeting`): same name, description and JSON schema. A call runs through
`Connector.execute_tool` with the identifier's key from the vault (each read of meeting prep too),
so it is audited, rate limited and a 401 turns the account REVOKED, exactly as in Slack.

Errors: a revoked or missing account raises `AccountNotConnected` (from `get_tools`, and from a
call if the key is revoked meanwhile), whose text names the step that reconnects it — the model
cannot fix that, so it stops the agent. Anything the model can act on (a bad input, a record
not found, a permission Affinity refused, an unapproved write) is a `ToolException` whose text
goes back to the model as the tool's answer.

Writes are left out unless `include_writes=True`, and then `approve(tool_name, tool_input)` is
required: each write runs only if it returns True. Needs the `langchain` extra (langchain-core).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from langchain_core.tools import StructuredTool, ToolException

from affinity_client.errors import AffinityError
from bot.adapters.catalog import (
    AccountNotConnected,
    check_connection_name,
    execute,
    exposed_tools,
    require_active,
    shared_services,
)
from bot.agent.catalog import ToolLike
from bot.services import Services

Approval = Callable[[str, dict[str, Any]], bool]
NOT_APPROVED = "{name} was not approved by the person using this agent; nothing was changed."


def get_tools(
    identifier: str,
    connection_name: str = "affinity",
    include_writes: bool = False,
    *,
    approve: Approval | None = None,
    services: Services | None = None,
) -> list[StructuredTool]:
    """The catalog's tools as LangChain `StructuredTool`s acting as `identifier`.

    `services` defaults to one built from the environment (`Services.build`); raises
    `AccountNotConnected` when the account has no usable key, and `ValueError` for an unknown
    connection or writes asked for without an `approve` callback.
    """
    check_connection_name(connection_name)
    if include_writes and approve is None:
        raise ValueError(
            "include_writes=True needs approve=callback(tool_name, tool_input) -> bool: "
            "every write must be approved by a person before it runs"
        )
    services = services or shared_services()
    require_active(services, identifier)
    return [
        _structured(services, identifier, tool, approve if tool.writes else None)
        for tool in exposed_tools(services, include_writes)
    ]


def _structured(
    services: Services, identifier: str, tool: ToolLike, approve: Approval | None
) -> StructuredTool:
    def run(**tool_input: Any) -> str:
        if tool.writes and not (approve is not None and approve(tool.name, dict(tool_input))):
            raise ToolException(NOT_APPROVED.format(name=tool.name))
        try:
            result = execute(services, identifier, tool.name, tool_input)
        except AccountNotConnected:
            raise
        except AffinityError as error:
            raise ToolException(str(error)) from None
        return json.dumps(result, ensure_ascii=False, default=str)

    return StructuredTool.from_function(
        func=run,
        name=tool.name,
        description=tool.description,
        args_schema=tool.input_schema,
        handle_tool_error=True,
    )


__all__ = ["AccountNotConnected", "Approval", "get_tools"]
