"""Affinity for agents outside Slack: the same per-user connector, vault and audit.

- `accounts`: connected accounts without Slack (`affinity-bot accounts ...`) and the identifier
  format they use;
- `tokens`: personal bearer tokens for the MCP server (shown once, stored as digests);
- `catalog`: which catalog tools an adapter exposes, and the typed errors it raises;
- `langchain`: `get_tools(identifier)` -> LangChain tools (extra `langchain`);
- `mcp`: the MCP server over stdio or streamable HTTP (extra `mcp`).

Every tool call goes through `Connector.execute_tool`: there is no second route to Affinity and
no second copy of the tool list. See docs/adapters.md.
"""
