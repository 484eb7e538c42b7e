"""LangChain: `get_tools(identifier)` is the catalog, runs through the connector, and an agent
loop driven by LangChain's fake chat model reads Affinity from the sandbox."""

from __future__ import annotations

import json

import pytest

pytest.importorskip("langchain_core")

from langchain_core.language_models.fake_chat_models import GenericFakeChatModel
from langchain_core.messages import AIMessage, HumanMessage, ToolMessage
from langchain_core.utils.function_calling import convert_to_openai_tool
from sqlalchemy import select
from sqlalchemy.orm import Session

from affinity_client.sandbox import seed
from bot.adapters.catalog import AccountNotConnected
from bot.adapters.langchain import get_tools
from bot.agent.catalog import assistant_catalog
from bot.models import AuditLogEntry
from bot.services import utc_now
from tests.adapters.conftest import ADMIN, AGENT_ID, a_meeting_of, connect, note_writes

CATALOG = assistant_catalog(utc_now)  # the Affinity catalog and meeting prep
PREP = "affinity_prepare_meeting"


def audit(services) -> list[tuple[str, str, str]]:
    with Session(services.engine) as session:
        rows = session.scalars(select(AuditLogEntry).order_by(AuditLogEntry.id))
        return [(r.identifier, r.tool, r.outcome) for r in rows]


def test_tools_are_the_catalog_reads_with_names_descriptions_and_schemas_unchanged(services):
    connect(services, AGENT_ID, ADMIN)
    tools = get_tools(AGENT_ID, services=services)
    reads = [tool for tool in CATALOG.values() if not tool.writes]
    assert [t.name for t in tools] == [t.name for t in reads]
    for lc_tool, tool in zip(tools, reads, strict=True):
        assert lc_tool.description == tool.description
        assert convert_to_openai_tool(lc_tool)["function"]["parameters"] == tool.input_schema


def test_an_agent_loop_with_a_fake_model_reads_affinity_through_the_connector(services, sandbox):
    connect(services, AGENT_ID, ADMIN)
    tools = {tool.name: tool for tool in get_tools(AGENT_ID, services=services)}
    call = {"name": "affinity_search_persons", "args": {"term": "jane"}, "id": "call_1"}
    model = GenericFakeChatModel(
        messages=iter([AIMessage(content="", tool_calls=[call]), AIMessage(content="Done.")])
    )
    messages: list = [HumanMessage("Who is Jane at Acme?")]
    while True:  # the loop every LangChain agent runs
        reply = model.invoke(messages)
        messages.append(reply)
        if not reply.tool_calls:
            break
        messages += [tools[c["name"]].invoke(c) for c in reply.tool_calls]
    answer = next(m for m in messages if isinstance(m, ToolMessage))
    found = json.loads(answer.content)
    assert seed.JANE_EMAIL in json.dumps(found)
    assert messages[-1].content == "Done."
    assert audit(services) == [(AGENT_ID, "affinity_search_persons", "ok")]


def test_a_missing_account_is_a_typed_error_naming_the_command_that_connects_it(services):
    with pytest.raises(AccountNotConnected) as missing:
        get_tools("nobody_here", services=services)
    assert missing.value.status == "NONE"
    assert "affinity-bot accounts add nobody_here" in str(missing.value)


def test_a_key_revoked_during_the_run_stops_the_agent_and_marks_the_account(services, sandbox):
    connect(services, AGENT_ID, ADMIN)
    tool = get_tools(AGENT_ID, services=services)[0]
    sandbox.state.revoke_key(ADMIN["api_key"])
    with pytest.raises(AccountNotConnected) as revoked:
        tool.invoke({"term": "jane"})
    assert revoked.value.status == "REVOKED"
    assert "affinity-bot accounts add user_aff_123" in str(revoked.value)
    assert str(services.vault.get_account("affinity", AGENT_ID).status) == "REVOKED"
    assert audit(services)[-1][2] == "revoked"
    with pytest.raises(AccountNotConnected):  # and the next agent is told before it starts
        get_tools(AGENT_ID, services=services)


def test_a_bad_input_goes_back_to_the_model_as_the_tools_answer(services):
    connect(services, AGENT_ID, ADMIN)
    tool = get_tools(AGENT_ID, services=services)[0]
    message = tool.invoke({"name": tool.name, "args": {"term": ""}, "id": "c", "type": "tool_call"})
    assert message.status == "error"
    assert "term" in message.content


def test_meeting_prep_runs_each_of_its_reads_with_the_accounts_own_key(services, sandbox):
    connect(services, AGENT_ID, ADMIN)
    meeting = a_meeting_of(sandbox, ADMIN)
    [prep] = [t for t in get_tools(AGENT_ID, services=services) if t.name == PREP]

    found = json.loads(prep.invoke({"meeting_id": meeting["id"]}))

    assert found["meeting"]["title"] == meeting["title"]
    assert found["attendees"] and all(a["name"] for a in found["attendees"])
    ran = audit(services)
    assert ran and {(who, outcome) for who, _, outcome in ran} == {(AGENT_ID, "ok")}
    assert "affinity_get_person" in {tool for _, tool, _ in ran}
    said = prep.invoke({"name": PREP, "args": {"meeting_id": 0}, "id": "c", "type": "tool_call"})
    assert said.status == "error" and "meeting_id" in said.content


def test_writes_need_include_writes_and_an_approval_for_each_call(services, sandbox):
    connect(services, AGENT_ID, ADMIN)
    assert not any(CATALOG[t.name].writes for t in get_tools(AGENT_ID, services=services))
    with pytest.raises(ValueError, match="approve"):
        get_tools(AGENT_ID, include_writes=True, services=services)
    asked: list[tuple[str, dict]] = []
    answers = iter([False, True])

    def approve(name: str, tool_input: dict) -> bool:
        asked.append((name, tool_input))
        return next(answers)

    writable = get_tools(AGENT_ID, include_writes=True, approve=approve, services=services)
    tools = {t.name: t for t in writable}
    note = {"content": "Met at the offsite", "person_ids": [seed.JANE_ID]}
    call = {"name": "affinity_create_note", "args": note, "id": "w1", "type": "tool_call"}
    sandbox.state.clear_requests()
    refused = tools["affinity_create_note"].invoke(call)
    assert refused.status == "error" and "not approved" in refused.content
    assert note_writes(sandbox) == 0
    done = tools["affinity_create_note"].invoke({**call, "id": "w2"})
    assert done.status == "success" and json.loads(done.content)
    assert note_writes(sandbox) == 1
    assert asked == [("affinity_create_note", note), ("affinity_create_note", note)]
    assert [row[1:] for row in audit(services)] == [("affinity_create_note", "ok")]


def test_only_the_affinity_connection_exists(services):
    with pytest.raises(ValueError, match="unknown connection"):
        get_tools(AGENT_ID, connection_name="salesforce", services=services)
