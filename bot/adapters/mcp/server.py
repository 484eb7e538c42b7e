"""The catalog as an MCP server, acting for one account (stdio) or many (streamable HTTP).

- `affinity-bot mcp --identifier ID`: stdio, every call acts as ID (Claude Desktop / Code launch
  it as a local command).
- `affinity-bot mcp --http`: streamable HTTP at `/mcp`, stateless (any process behind a load
  balancer answers any request). Each request must carry `Authorization: Bearer <token>`, a
  personal token from `/affinity mcp-token` in Slack or `affinity-bot accounts token ID`; the
  call acts as the token's account. A missing, unknown or revoked token is answered 401 before
  anything else is read. A `GET` (the optional server-to-client event stream) is answered 405:
  a stateless server never has anything to send on it.

Tools come from the catalog (and the assistant's meeting prep, `affinity_prepare_meeting`) with
MCP annotations from its `writes` flag (a read: readOnlyHint, idempotentHint; a write:
destructiveHint). Writes are listed and run only on a server started
with `allow_writes` (`--allow-writes`); otherwise a call to one is refused and changes nothing.
Every call runs `Connector.execute_tool` in a worker thread: vault, 401 -> REVOKED, audit rows.
One account has at most `CALLS_AT_ONCE` calls running in a process; one more is refused at once
(a tool error saying so), so one token cannot take every worker thread.
Tool failures (a revoked account, a bad input, a permission) are tool results with `isError`,
their text saying what to do, so the model and the person see it. An unexpected failure (a bug,
the database down) is one too, with a reference that finds its traceback in the server's log.
"""

from __future__ import annotations

import json
import logging
from collections import Counter
from collections.abc import Callable
from importlib import metadata
from typing import Any

import anyio
import mcp_types as types
from mcp.server.context import ServerRequestContext
from mcp.server.lowlevel import Server
from mcp.server.transport_security import TransportSecuritySettings
from starlette.types import ASGIApp, Receive, Scope, Send

from affinity_client.errors import AffinityError
from bot.adapters.catalog import AccountNotConnected, adapter_catalog, execute, exposed_tools
from bot.adapters.tokens import TokenStore
from bot.agent.catalog import ToolLike
from bot.middleware.errors import new_reference
from bot.services import Services

log = logging.getLogger("bot.adapters.mcp")

SERVER_NAME = "affinity"
DISTRIBUTION = "affinity-for-slack"
IDENTIFIER_SCOPE_KEY = "affinity.identifier"
WRITES_OFF = (
    "{name} changes Affinity, and this MCP server does not run writes: its operator can "
    "start it with --allow-writes. Nothing was changed."
)
UNEXPECTED = (
    "{name} failed on the server that runs the Affinity tools. Try again in a moment; if it "
    "keeps failing, give its operator this reference: {reference}."
)
BAD_TOKEN = (
    "A personal MCP token is required: send 'Authorization: Bearer <token>'. Create one in "
    "Slack with /affinity mcp-token (or ask the operator for `affinity-bot accounts token`)."
)

CALLS_AT_ONCE = 4
"""Calls one account may have running at once in a server process (of anyio's 40 worker
threads): one token's holder, however many requests they send, cannot make everyone else's
calls wait behind theirs."""
BUSY = (
    "{limit} calls for this account are already running on this server. Wait for one to "
    "finish, then try again. Nothing was run."
)

IdentifierOf = Callable[[ServerRequestContext[Any]], str | None]


def hints(tool: ToolLike) -> types.ToolAnnotations:
    """MCP hints from the catalog's `writes` flag."""
    return types.ToolAnnotations(
        read_only_hint=not tool.writes,
        destructive_hint=tool.writes,
        idempotent_hint=not tool.writes,
        open_world_hint=True,
    )


def mcp_tool(tool: ToolLike) -> types.Tool:
    return types.Tool(
        name=tool.name,
        description=tool.description,
        input_schema=tool.input_schema,
        annotations=hints(tool),
    )


def _error(text: str) -> types.CallToolResult:
    return types.CallToolResult(content=[types.TextContent(type="text", text=text)], is_error=True)


def build_server(
    services: Services, identifier_of: IdentifierOf, *, allow_writes: bool = False
) -> Server[Any]:
    """A low-level MCP server over the catalog; `identifier_of(ctx)` names the caller's account
    (None: no account, refused). Each account has at most `CALLS_AT_ONCE` calls running."""
    running: Counter[str] = Counter()  # calls in flight per account (on this event loop)

    async def list_tools(
        ctx: ServerRequestContext[Any], params: types.PaginatedRequestParams | None
    ) -> types.ListToolsResult:
        tools = exposed_tools(services, allow_writes)
        return types.ListToolsResult(tools=[mcp_tool(t) for t in tools])

    async def call_tool(
        ctx: ServerRequestContext[Any], params: types.CallToolRequestParams
    ) -> types.CallToolResult:
        tool = adapter_catalog(services).get(params.name)
        if tool is None:
            return _error(f"Unknown tool {params.name!r}.")
        if tool.writes and not allow_writes:
            return _error(WRITES_OFF.format(name=tool.name))
        identifier = identifier_of(ctx)
        if identifier is None:
            return _error(BAD_TOKEN)
        if running[identifier] >= CALLS_AT_ONCE:
            log.info("MCP call %s refused for %s: %d running", tool.name, identifier, CALLS_AT_ONCE)
            return _error(BUSY.format(limit=CALLS_AT_ONCE))
        running[identifier] += 1
        try:
            result = await anyio.to_thread.run_sync(
                execute, services, identifier, tool.name, dict(params.arguments or {})
            )
        except (AccountNotConnected, AffinityError) as error:
            return _error(str(error))
        except Exception:  # a bug or an outage: the operator's log has it, the caller a reference
            reference = new_reference()
            log.exception("MCP tool %s failed for %s (%s)", tool.name, identifier, reference)
            return _error(UNEXPECTED.format(name=tool.name, reference=reference))
        finally:
            running[identifier] -= 1
            if not running[identifier]:
                del running[identifier]
        text = json.dumps(result, ensure_ascii=False, default=str)
        return types.CallToolResult(
            content=[types.TextContent(type="text", text=text)], structured_content=result
        )

    return Server(
        SERVER_NAME,
        version=_version(),
        title="Affinity CRM",
        instructions="Affinity CRM tools acting as one person's own Affinity account.",
        on_list_tools=list_tools,
        on_call_tool=call_tool,
    )


def _version() -> str:
    """The installed app's version, which a client shows next to the server's name."""
    try:
        return metadata.version(DISTRIBUTION)
    except metadata.PackageNotFoundError:  # run from a source tree that was never installed
        return "unknown"


# ------------------------------------------------------------------------------ stdio


async def serve_stdio(services: Services, identifier: str, *, allow_writes: bool = False) -> None:
    """Serve one account over the process's stdin and stdout until the client goes away."""
    from mcp.server.stdio import stdio_server

    server = build_server(services, lambda ctx: identifier, allow_writes=allow_writes)
    async with stdio_server() as (read, write):
        await server.run(read, write, server.create_initialization_options())


# ------------------------------------------------------------------------------ HTTP


class BearerGate:
    """ASGI middleware: a request without a live personal token gets 401 and goes no further;
    one with a token carries its account's identifier in the scope."""

    def __init__(self, app: ASGIApp, tokens: TokenStore) -> None:
        self.app = app
        self.tokens = tokens

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or [])
        scheme, _, token = headers.get(b"authorization", b"").decode("latin-1").partition(" ")
        identifier = None
        if scheme.lower() == "bearer" and token.strip():
            identifier = await anyio.to_thread.run_sync(self.tokens.identifier_for, token.strip())
        if identifier is None:
            await _unauthorized(send)
            return
        await self.app({**scope, IDENTIFIER_SCOPE_KEY: identifier}, receive, send)


class NoEventStream:
    """ASGI middleware: `GET /mcp` is answered 405, as the MCP spec lets a server that offers no
    server-to-client stream do. A stateless server has nothing to send on one, and the SDK
    would otherwise hold each such request open, idle, until the client gives up."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope.get("method") == "GET":
            await send(
                {
                    "type": "http.response.start",
                    "status": 405,
                    "headers": [(b"allow", b"POST"), (b"content-length", b"0")],
                }
            )
            await send({"type": "http.response.body", "body": b""})
            return
        await self.app(scope, receive, send)


async def _unauthorized(send: Send) -> None:
    body = json.dumps({"error": "invalid_token", "error_description": BAD_TOKEN}).encode()
    await send(
        {
            "type": "http.response.start",
            "status": 401,
            "headers": [
                (b"content-type", b"application/json"),
                (b"www-authenticate", b'Bearer error="invalid_token"'),
                (b"content-length", str(len(body)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


def _identifier_from_request(ctx: ServerRequestContext[Any]) -> str | None:
    request = ctx.request
    scope = getattr(request, "scope", None)
    return scope.get(IDENTIFIER_SCOPE_KEY) if isinstance(scope, dict) else None


def http_app(services: Services, *, allow_writes: bool = False, host: str = "127.0.0.1") -> Any:
    """The ASGI app: `/mcp`, stateless streamable HTTP, behind the bearer-token gate."""
    server = build_server(services, _identifier_from_request, allow_writes=allow_writes)
    # The SDK checks Host/Origin against DNS rebinding when bound to loopback, which also
    # refuses a reverse proxy's public Host. A rebinding page cannot know a caller's personal
    # bearer token, and every request needs one, so that check adds nothing here.
    open_hosts = TransportSecuritySettings(enable_dns_rebinding_protection=False)
    app = server.streamable_http_app(
        stateless_http=True, json_response=True, host=host, transport_security=open_hosts
    )
    app.add_middleware(NoEventStream)
    app.add_middleware(BearerGate, tokens=TokenStore(services.engine, services.clock))  # outermost
    return app


def serve_http(services: Services, *, host: str, port: int, allow_writes: bool = False) -> None:
    """Serve until stopped. No access log: a client that puts its token in the URL
    (`/mcp?token=…`, refused) must not leave it in the server's log."""
    import uvicorn

    app = http_app(services, allow_writes=allow_writes, host=host)
    uvicorn.run(app, host=host, port=port, access_log=False, server_header=False)


__all__ = [
    "BearerGate",
    "NoEventStream",
    "build_server",
    "hints",
    "http_app",
    "serve_http",
    "serve_stdio",
]
