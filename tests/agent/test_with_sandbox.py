"""The agent with the real catalog and client against the Affinity sandbox."""

from __future__ import annotations

import json

import pytest

from affinity_client import AffinityClient, run_tool
from bot.agent.tables import read_result
from bot.devtools.fake_anthropic import reply


def _executor(sandbox, key):
    client = AffinityClient(key, base_url=sandbox.base_url)
    return lambda name, tool_input: run_tool(client, name, tool_input)


@pytest.fixture
def execute(sandbox, admin_key):
    return _executor(sandbox, admin_key)


def test_lookup_then_approved_note_lands_in_affinity_once(api, agent, user, thread, execute):
    def propose_note(request):
        org = read_result(request.tool_result_texts()[0])["organizations"][0]
        return reply(
            None,
            (
                "affinity_create_note",
                {"content": "Intro call went well.", "organization_ids": [org["id"]]},
            ),
        )

    api.add(
        reply(None, ("affinity_search_organizations", {"term": "Acme"})),
        propose_note,
        reply("I've prepared a note on Acme for your approval."),
    )
    result = agent.respond(thread, user, "Log that the Acme intro call went well", execute)

    item = result.batch.items[0]
    assert item.description == "Add a note on company Acme"
    org_id = item.input["organization_ids"][0]
    before = run_tool_notes(execute, org_id)

    agent.approve(result.batch.id, user.identifier, execute)
    agent.approve(result.batch.id, user.identifier, execute)

    after = run_tool_notes(execute, org_id)
    assert len(after) == len(before) + 1
    assert agent.proposals.get(result.batch.id).items[0].status == "done"


def run_tool_notes(execute, org_id):
    return [
        n
        for n in execute("affinity_list_notes", {"organization_id": org_id})["notes"]
        if n["content"] == "Intro call went well."
    ]


def test_revoked_key_in_the_sandbox_asks_to_reconnect(
    api, agent, user, thread, sandbox, revoked_key
):
    api.add(reply(None, ("affinity_list_lists", {})))
    result = agent.respond(thread, user, "my lists?", _executor(sandbox, revoked_key))
    assert result.needs_reconnect
    assert revoked_key not in json.dumps([r.body for r in api.requests])
