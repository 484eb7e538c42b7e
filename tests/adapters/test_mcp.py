"""The MCP server, through the official SDK's client: stdio (one subprocess for the module) and
streamable HTTP (uvicorn in a thread): tools listed with their hints, a read, a revoked account,
a bad token, a write refused unless the server allows writes."""

from __future__ import annotations

import json
import logging
import os
import shutil
import socket
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("mcp")

import anyio
import httpx
import uvicorn
from mcp import Client, MCPError, StdioServerParameters
from mcp.client.streamable_http import streamable_http_client
from mcp.shared._httpx_utils import create_mcp_http_client

from affinity_client.sandbox import seed
from bot.adapters.mcp import build_server, http_app
from bot.adapters.tokens import TokenStore
from bot.agent.catalog import assistant_catalog
from bot.config import Settings
from bot.services import Services, utc_now
from tests.adapters.conftest import ADMIN, STANDARD, a_meeting_of, connect, note_writes
from vault.keyring import generate_key_entry, parse_master_keys

CATALOG = assistant_catalog(utc_now)  # the Affinity catalog and meeting prep
READS = [name for name, tool in CATALOG.items() if not tool.writes]
WRITES = [name for name, tool in CATALOG.items() if tool.writes]
NOTE = {"content": "Met at the offsite", "person_ids": [seed.JANE_ID]}


def text_of(result: Any) -> str:
    return "".join(getattr(block, "text", "") for block in result.content)


# ------------------------------------------------------------------------------ in process


def test_tools_carry_hints_from_the_catalog_and_writes_only_when_allowed(services):
    async def listed(allow_writes: bool) -> dict[str, Any]:
        server = build_server(services, lambda ctx: "x", allow_writes=allow_writes)
        async with Client(server) as client:
            return {tool.name: tool for tool in (await client.list_tools()).tools}

    reads_only = anyio.run(listed, False)
    assert list(reads_only) == READS
    everything = anyio.run(listed, True)
    assert list(everything) == list(CATALOG)
    for name, tool in everything.items():
        writes = CATALOG[name].writes
        assert tool.description == CATALOG[name].description
        assert tool.input_schema == CATALOG[name].input_schema
        assert tool.annotations.read_only_hint is (not writes)
        assert tool.annotations.destructive_hint is writes
        assert tool.annotations.idempotent_hint is (not writes)


def test_the_server_names_itself_with_the_apps_version(services):
    from importlib.metadata import version

    async def info() -> Any:
        async with Client(build_server(services, lambda ctx: "x")) as client:
            return client.server_info, client.instructions

    server_info, instructions = anyio.run(info)
    assert server_info.name == "affinity" and server_info.title == "Affinity CRM"
    assert server_info.version == version("affinity-for-slack")
    assert instructions and "Affinity" in instructions


def test_meeting_prep_is_a_read_tool_acting_as_the_callers_account(services, sandbox):
    connect(services, "desk_ana", ADMIN)
    meeting = a_meeting_of(sandbox, ADMIN)

    async def prepare(arguments: dict[str, Any]) -> Any:
        server = build_server(services, lambda ctx: "desk_ana")
        async with Client(server) as client:
            return await client.call_tool("affinity_prepare_meeting", arguments)

    found = anyio.run(prepare, {"meeting_id": meeting["id"]})
    assert not found.is_error
    assert found.structured_content["meeting"]["title"] == meeting["title"]
    assert meeting["title"] in text_of(found)
    refused = anyio.run(prepare, {"meeting_id": "soon"})
    assert refused.is_error and "meeting_id" in text_of(refused)


def test_an_unexpected_failure_is_a_tool_error_with_a_reference_not_a_protocol_error(
    services, monkeypatch, caplog
):
    connect(services, "desk_ana", ADMIN)

    def outage(*args: Any) -> Any:
        raise RuntimeError("could not connect to postgresql://bot:hunter2@db/bot")

    monkeypatch.setattr("bot.adapters.mcp.server.execute", outage)

    async def call() -> Any:
        async with Client(build_server(services, lambda ctx: "desk_ana")) as client:
            return await client.call_tool("affinity_search_persons", {"term": "jane"})

    result = anyio.run(call)
    assert result.is_error
    text = text_of(result)
    assert "affinity_search_persons failed" in text and "hunter2" not in text
    reference = text.rstrip(".").rsplit(" ", 1)[-1]
    assert reference.startswith("ERR-")
    assert any(reference in r.getMessage() and r.exc_info for r in caplog.records)


def test_one_account_cannot_take_every_worker_and_others_still_get_answers(services, monkeypatch):
    """More calls at once from one account than CALLS_AT_ONCE: those run, the rest are refused
    at once with a clear error and run nothing; another account's call is still answered."""
    from bot.adapters.mcp.server import CALLS_AT_ONCE

    release = threading.Event()
    ran: list[str] = []

    def slow(services: Any, identifier: str, name: str, arguments: dict) -> dict:
        ran.append(identifier)
        if identifier == "desk_ana":
            release.wait(10)
        return {"persons": []}

    monkeypatch.setattr("bot.adapters.mcp.server.execute", slow)
    server = build_server(services, lambda ctx: (ctx.meta or {}).get("who"))

    async def burst() -> tuple[list[Any], Any]:
        answers: list[Any] = []
        async with Client(server) as client:

            async def call(who: str) -> Any:
                return await client.call_tool(
                    "affinity_search_persons", {"term": "jane"}, meta={"who": who}
                )

            async def ana() -> None:
                answers.append(await call("desk_ana"))

            async with anyio.create_task_group() as group:
                for _ in range(CALLS_AT_ONCE + 2):
                    group.start_soon(ana)
                with anyio.fail_after(10):
                    while len(ran) < CALLS_AT_ONCE or len(answers) < 2:
                        await anyio.sleep(0.01)
                other = await call("desk_ben")  # answered while Ana's calls still run
                release.set()
        return answers, other

    answers, other = anyio.run(burst)
    refused = [a for a in answers if a.is_error]
    assert len(refused) == 2 and all("already running" in text_of(a) for a in refused)
    assert len(answers) == CALLS_AT_ONCE + 2 and ran.count("desk_ana") == CALLS_AT_ONCE
    assert not other.is_error and "desk_ben" in ran


# ------------------------------------------------------------------------------ stdio


@pytest.mark.slow  # starts `affinity-bot mcp` as a real process (about 3 s of imports)
def test_stdio_serves_one_account_and_reports_its_revocation(
    tmp_path_factory, upgraded_sqlite_template, sandbox
):
    copy = tmp_path_factory.mktemp("mcp-stdio") / "affinity-bot.db"
    shutil.copyfile(upgraded_sqlite_template, copy)
    entry = generate_key_entry("stdio")
    settings = Settings(database_url=f"sqlite:///{copy}", affinity_base_url=sandbox.base_url)
    services = Services.build(settings, keyring=parse_master_keys(entry))
    connect(services, "desk_ana", ADMIN)
    env = {
        "PYTHONPATH": str(Path(__file__).resolve().parents[2]),
        "DATABASE_URL": settings.database_url or "",
        "AFFINITY_BASE_URL": sandbox.base_url,
        "VAULT_MASTER_KEYS": entry,
        "AFFINITY_REFERENCE_DIR": os.environ.get("AFFINITY_REFERENCE_DIR", ""),
    }
    params = StdioServerParameters(
        command=sys.executable,
        args=["-m", "bot.cli", "mcp", "--identifier", "desk_ana"],
        env=env,
        cwd=str(copy.parent),
    )

    async def session() -> None:
        async with Client(params) as client:
            names = [tool.name for tool in (await client.list_tools()).tools]
            assert names == READS
            found = await client.call_tool("affinity_search_persons", {"term": "jane"})
            assert not found.is_error and seed.JANE_EMAIL in text_of(found)
            write = await client.call_tool("affinity_create_note", NOTE)
            assert write.is_error and "--allow-writes" in text_of(write)
            sandbox.state.revoke_key(ADMIN["api_key"])
            revoked = await client.call_tool("affinity_search_persons", {"term": "jane"})
            assert revoked.is_error
            assert "affinity-bot accounts add desk_ana" in text_of(revoked)

    try:
        anyio.run(session)
        assert note_writes(sandbox) == 0  # the refused write sent nothing
        assert str(services.vault.get_account("affinity", "desk_ana").status) == "REVOKED"
    finally:
        services.close()


# ------------------------------------------------------------------------------ HTTP


@pytest.fixture(scope="module")
def http_server(
    tmp_path_factory, upgraded_sqlite_template, sandbox_server, vault_keyring
) -> Iterator[tuple[str, Services]]:
    copy = tmp_path_factory.mktemp("mcp-http") / "affinity-bot.db"
    shutil.copyfile(upgraded_sqlite_template, copy)
    settings = Settings(database_url=f"sqlite:///{copy}", affinity_base_url=sandbox_server.base_url)
    services = Services.build(settings, keyring=vault_keyring)
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    config = uvicorn.Config(http_app(services), log_level="warning", lifespan="on")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.02)
    yield f"http://127.0.0.1:{port}/mcp", services
    server.should_exit = True
    thread.join(timeout=5)
    services.close()


def token_for(services: Services, identifier: str) -> str:
    return TokenStore(services.engine, services.clock).create(identifier, "t", via="test")[0]


def client_for(url: str, token: str) -> Client:
    http = create_mcp_http_client(headers={"Authorization": f"Bearer {token}"})
    return Client(streamable_http_client(url, http_client=http))


def test_http_acts_as_the_tokens_account(http_server, sandbox):
    url, services = http_server
    connect(services, "http_ana", ADMIN)
    connect(services, "http_ben", STANDARD)
    ana, ben = token_for(services, "http_ana"), token_for(services, "http_ben")

    async def whoami_via(token: str) -> str:
        async with client_for(url, token) as client:
            assert [t.name for t in (await client.list_tools()).tools] == READS
            found = await client.call_tool("affinity_search_persons", {"term": "jane"})
            assert not found.is_error and seed.JANE_EMAIL in text_of(found)
            write = await client.call_tool("affinity_create_note", NOTE)
            assert write.is_error and "--allow-writes" in text_of(write)
            return token

    anyio.run(whoami_via, ana)
    anyio.run(whoami_via, ben)
    from sqlalchemy import select
    from sqlalchemy.orm import Session

    from bot.models import AuditLogEntry

    with Session(services.engine) as session:
        rows = session.scalars(select(AuditLogEntry.identifier).order_by(AuditLogEntry.id))
        assert list(rows) == ["http_ana", "http_ben"]  # each call ran as its token's account


def test_http_refuses_a_missing_unknown_or_revoked_token_before_anything_runs(http_server):
    url, services = http_server
    connect(services, "http_cat", ADMIN)
    store = TokenStore(services.engine, services.clock)
    token, info = store.create("http_cat", "old laptop", via="test")
    store.revoke("http_cat", info.id)
    body = {"jsonrpc": "2.0", "id": 1, "method": "tools/list", "params": {}}
    accept = {"Accept": "application/json, text/event-stream"}
    for bearer in (None, "afmcp_not-a-token", token):
        headers = {**accept, **({"Authorization": f"Bearer {bearer}"} if bearer else {})}
        answer = httpx.post(url, json=body, headers=headers)
        assert answer.status_code == 401
        assert "/affinity mcp-token" in json.loads(answer.text)["error_description"]

    async def with_sdk() -> None:
        async with client_for(url, "afmcp_wrong") as client:
            await client.list_tools()

    with pytest.raises(BaseExceptionGroup) as refused:  # the SDK's client sees the 401 too
        anyio.run(with_sdk)
    assert refused.group_contains(MCPError)


def test_http_reports_a_revoked_account_with_the_step_that_reconnects_it(http_server, sandbox):
    url, services = http_server
    connect(services, "http_dan", ADMIN)
    token = token_for(services, "http_dan")
    sandbox.state.revoke_key(ADMIN["api_key"])

    async def call() -> str:
        async with client_for(url, token) as client:
            result = await client.call_tool("affinity_search_persons", {"term": "jane"})
            assert result.is_error
            return text_of(result)

    assert "affinity-bot accounts add http_dan" in anyio.run(call)
    assert str(services.vault.get_account("affinity", "http_dan").status) == "REVOKED"


def test_http_offers_no_event_stream_and_says_so_at_once(http_server):
    url, services = http_server
    connect(services, "http_gus", ADMIN)
    headers = {"Accept": "text/event-stream", "MCP-Protocol-Version": "2025-06-18"}
    assert httpx.get(url, headers=headers, timeout=5).status_code == 401  # no token: 401 first
    headers["Authorization"] = f"Bearer {token_for(services, 'http_gus')}"
    answer = httpx.get(url, headers=headers, timeout=5)  # the SDK alone would hold it open
    assert answer.status_code == 405 and answer.headers["allow"] == "POST"


def test_http_answers_behind_a_reverse_proxy_that_passes_its_public_host(http_server):
    url, services = http_server
    connect(services, "http_eve", ADMIN)
    token = token_for(services, "http_eve")
    body = {"jsonrpc": "2.0", "id": 1, "method": "ping", "params": {}}
    headers = {
        "Accept": "application/json, text/event-stream",
        "Authorization": f"Bearer {token}",
        "Host": "mcp.example.com",
        "MCP-Protocol-Version": "2025-06-18",
    }
    assert httpx.post(url, json=body, headers=headers).status_code == 200


def test_a_token_sent_in_the_url_is_refused_and_not_written_to_the_servers_log(
    services, monkeypatch, caplog
):
    """`serve_http` as `affinity-bot mcp --http` runs it (uvicorn's own options), on a free port."""
    connect(services, "http_fay", ADMIN)
    token = token_for(services, "http_fay")
    ran: dict[str, Any] = {}
    monkeypatch.setattr(uvicorn, "run", lambda app, **options: ran.update(app=app, **options))
    from bot.adapters.mcp import serve_http

    serve_http(services, host="127.0.0.1", port=0)
    options = {k: v for k, v in ran.items() if k not in ("app", "host", "port")}
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    config = uvicorn.Config(ran["app"], lifespan="on", log_config=None, **options)
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    caplog.set_level(logging.INFO)
    thread.start()
    try:
        deadline = time.monotonic() + 10
        while not server.started and time.monotonic() < deadline:
            time.sleep(0.02)
        port = sock.getsockname()[1]
        body = {"jsonrpc": "2.0", "id": 1, "method": "tools/list", "params": {}}
        answer = httpx.post(f"http://127.0.0.1:{port}/mcp?token={token}", json=body)
        assert answer.status_code == 401 and token not in answer.text
        assert "server" not in answer.headers
    finally:
        server.should_exit = True
        thread.join(timeout=5)
    server_lines = [r.getMessage() for r in caplog.records if not r.name.startswith("http")]
    assert server_lines and not any(token in line for line in server_lines)
