"""The assistant moving deals: "move every Series A deal reviewed today that is in Diligence to
IC" is one search, one card with an item per deal (old -> new) and Approve all, and after the
approval exactly those stage changes in the sandbox, made once; for the admin, the standard and
the restricted user (whose search and writes go through V1)."""

from __future__ import annotations

import json

import pytest

from affinity_client import AffinityClient, run_tool
from affinity_client.sandbox import seed
from bot.agent.tables import read_result
from bot.blocks import kit
from bot.blocks.confirmation import APPROVE, APPROVE_ALL, confirmation_card
from bot.devtools.fake_anthropic import reply

SERIES_A = seed.LISTS["Series A Pipeline"]
ASK = "Move every Series A deal reviewed today that is in Diligence to IC"
SEARCH = {
    "list_id": SERIES_A,
    "stage": "Diligence",
    "where": [{"field": "Last Reviewed", "op": "=", "value": "today"}],
    "time_zone": "America/Los_Angeles",  # the user's, as the tool asks; the seed reviews its
    "page_size": 100,  # deals on the Pacific today, so the search finds them at any hour
}


def stages(execute) -> dict[int, str]:
    rows = execute("affinity_search_list_entries", {"list_id": SERIES_A, "page_size": 100})
    return {e["id"]: (e["stage"] or {}).get("text") for e in rows["entries"]}


def buttons(card: kit.Message) -> list[dict]:
    return [e for b in card["blocks"] if b["type"] == "actions" for e in b["elements"]]


def propose_moves(target: str):
    def step(request):
        found = read_result(request.tool_result_texts()[-1])
        return reply(
            None,
            *(
                (
                    "affinity_update_field_values",
                    {"opportunity_id": e["id"], "values": [{"field": "stage", "value": target}]},
                )
                for e in found["entries"]
            ),
        )

    return step


def writes(sandbox) -> int:
    """Field writes sent: one V2 PATCH a deal, or V1 field values for a key without the list
    export (a stage change is one PUT or POST)."""
    count = sandbox.state.request_count
    return count("PATCH") + count("PUT", "/field-values") + count("POST", "/field-values")


@pytest.mark.parametrize(
    "key",
    [seed.ADMIN_KEY, seed.STANDARD_KEY, seed.RESTRICTED_KEY],
    ids=["admin", "standard", "restricted"],
)
def test_moving_the_deals_reviewed_today_is_one_card_then_exactly_those_moves(
    api, agent, user, thread, sandbox, key
):
    client = AffinityClient(key, base_url=sandbox.base_url)

    def execute(name, tool_input):
        return run_tool(client, name, tool_input)

    before = stages(execute)
    api.add(
        reply(None, ("affinity_search_list_entries", SEARCH)),
        propose_moves("IC"),
        reply("Two deals are ready to move to IC; approve them on the card."),
    )
    result = agent.respond(thread, user, ASK, execute)

    moving = [item.input["opportunity_id"] for item in result.batch.items]
    expected = [e["id"] for e in execute("affinity_search_list_entries", SEARCH)["entries"]]
    assert moving == expected and len(moving) >= 2
    assert writes(sandbox) == 0  # nothing written before the approval
    card = confirmation_card(result.batch)
    text = json.dumps(card, ensure_ascii=False)
    assert f"{len(moving)} proposed changes" in text
    assert "Update deal Acme" in text and "stage: Diligence → IC" in text
    labels = [b["text"]["text"] for b in buttons(card)]
    assert labels.count("Approve") == len(moving) and f"Approve all {len(moving)}" in labels
    assert {b["action_id"] for b in buttons(card)} >= {APPROVE, APPROVE_ALL}

    agent.approve(result.batch.id, user.identifier, execute)
    agent.approve(result.batch.id, user.identifier, execute)  # a second click changes nothing

    after = stages(execute)
    assert {i for i in after if after[i] != before[i]} == set(moving)
    assert all(after[i] == "IC" for i in moving)
    assert writes(sandbox) == len(moving)
    done = agent.proposals.get(result.batch.id).items
    assert all(i.status == "done" for i in done)
    assert done[0].result_summary.endswith("Status: Diligence → IC.")


def test_one_item_of_the_card_can_be_approved_alone(api, agent, user, thread, sandbox, admin_key):
    client = AffinityClient(admin_key, base_url=sandbox.base_url)

    def execute(name, tool_input):
        return run_tool(client, name, tool_input)

    api.add(
        reply(None, ("affinity_search_list_entries", SEARCH)),
        propose_moves("Term Sheet"),
        reply("Ready."),
    )
    result = agent.respond(thread, user, ASK.replace("IC", "Term Sheet"), execute)
    first, second = result.batch.items[:2]
    agent.approve(result.batch.id, user.identifier, execute, index=first.index)
    after = stages(execute)
    assert after[first.input["opportunity_id"]] == "Term Sheet"
    assert after[second.input["opportunity_id"]] == "Diligence"


def test_a_removal_is_proposed_with_what_it_deletes(api, agent, user, thread, sandbox, admin_key):
    client = AffinityClient(admin_key, base_url=sandbox.base_url)

    def execute(name, tool_input):
        return run_tool(client, name, tool_input)

    api.add(
        reply(
            None,
            (
                "affinity_remove_from_list",
                {"list_id": SERIES_A, "opportunity_id": seed.ACME_DEAL_ID},
            ),
        ),
        reply("Approve to remove it."),
    )
    result = agent.respond(thread, user, "Take Acme off the Series A pipeline", execute)
    [item] = result.batch.items
    assert item.description == "Remove deal #30001 from list Series A Pipeline"
    assert "deletes the deal" in json.dumps(confirmation_card(result.batch))
    assert seed.ACME_DEAL_ID in sandbox.state.opportunities
