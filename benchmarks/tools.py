"""Requests per call and median time for each Affinity tool, against the local sandbox, and the
same user tasks done through Affinity's own SDK (affinity-sdk, the `bench` extra).

    python benchmarks/tools.py            # 5 runs per scenario
    python benchmarks/tools.py --runs 9

Each row runs one tool call (paged tools: every page to the end) on a fresh client, so cached
list definitions do not flatter the figures, and the sandbox is reset before each run so writes
start from the same data. The deal tools also run on a client told the user's cached lists (id,
name, type, as the connector tells every client it leases): "the user's cached lists known".
"min" is the fewest requests any client could use for the same answer: each scenario's ``Rule``
says in words where those requests go and counts them from the sandbox's data (an
organization's people, deals and pipelines, a list's size, a person's entries on a list...),
never a typed figure. Every tool of the catalog has a scenario.

Then the user tasks of ``benchmarks/tasks.py`` run both ways: our tools as the assistant would
call them, and affinity-sdk's calls for the same answer. The last line is one JSON object:
``tasks`` (per task: ``ours``, ``peer``, ``ratio`` = ours / peer) and ``tools`` (per tool: the
``requests`` and the ``minimum`` of its scenarios, summed when it has several).

Besides the seed, the benchmark adds an organization with 300 people and 12 deals on three
pipelines (``add_big_deal_org``), so that its profile shows whether requests grow with people
or deals.
"""

from __future__ import annotations

import argparse
import json
import math
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from affinity_client import TOOLS, AffinityClient, know_lists, run_tool
from affinity_client.probe import probe_permissions
from affinity_client.sandbox import seed
from affinity_client.sandbox.server import SandboxServer
from affinity_client.sandbox.store import Indexes, SandboxState
from benchmarks.tasks import task_rows

SERIES_A = seed.LISTS["Series A Pipeline"]
DEAL_FLOW = seed.LISTS["Deal Flow"]
FOUNDERS = seed.LISTS["Founders to Watch"]
ADMIN_NOTE = 3000001  # the seed's first note, written by the admin
ADMIN_REMINDER = 7001  # the seed's first reminder, the admin's
BATCH = 100  # V2 `ids` batches, V2 pages and V1 pages of 100 at most
NAMED = 100  # people and deals named in a profile, one V2 batch each (tools/organizations.py)

BIG_DEALS_PEOPLE = 300
BIG_DEALS_PIPELINES = (SERIES_A, seed.LISTS["Seed Pipeline"], DEAL_FLOW)
BIG_DEALS = 12

PERSON, ORGANIZATION = 0, 1  # V1 entity types, as the sandbox indexes entries


# ---- the rules: the fewest requests for each answer, counted from the sandbox's data -----------


@dataclass(frozen=True)
class Rule:
    """The fewest requests any client needs for a scenario's answer: ``words`` say where they
    go, ``count`` counts them from the sandbox's data as it is before the call."""

    words: str
    count: Callable[[SandboxState], int]


def fixed(words: str, *parts: int) -> Rule:
    """A rule whose requests do not depend on the data: one per part named in ``words``."""
    return Rule(words, lambda _state: sum(parts))


def batches(n: int, size: int = BATCH) -> int:
    """Requests to read ``n`` records by id or by page, ``size`` a request (0 for none)."""
    return math.ceil(n / size)


# A deal's answer names its list (`Deal.list.name`, docs/tool-results.md), and no deal read
# carries that name: V1's opportunity has `list_entries[].list_id`, V2's list entry and its
# `OpportunityWithFields` have `listId` only (reference/affinity-api.md §4.1, §4.6; the
# 2026-07-15 spec's `ListEntryWithEntity`). Only a list read gives it (`GET /lists`,
# `/lists/{id}`, `/v2/lists/{id}`): one request on a client that does not know the list, none
# on one told the user's cached lists (the connector tells every client it leases).
def list_name(known: bool) -> int:
    return 0 if known else 1


LIST_NAME = "the list's name (one list read; none when the user's cached lists are known)"


def cached_lists(state: SandboxState) -> list[dict[str, Any]]:
    """The user's lists as the app caches them at connect (id, name, type)."""
    return [
        {"id": x["id"], "name": x["name"], "type": x["type"]} for x in state.world.lists.values()
    ]


def list_pages(list_id: int, *, known: bool = False) -> Rule:
    return Rule(
        f"{LIST_NAME}, one list-entry page per 100 entries (their fields carry stage, amount "
        "and owners, with names and types: no definition)",
        lambda state: list_name(known) + max(1, batches(len(state.index.entries_by_list[list_id]))),
    )


def deal_read(*, known: bool = False) -> Rule:
    return fixed(
        f"V1 deal (its list entry), V2 entry with its fields, {LIST_NAME}", 1, 1, list_name(known)
    )


def deal_create(owner: bool, *, known: bool = False) -> Rule:
    # POST /opportunities takes no owner (§4.1): the Owners field is written afterwards, by its
    # id and as `person` or `person-multi`, which only the list's definition gives (§4.5,
    # `GET /lists/{id}` fields); it is read, with the owner's record (a colleague? §4.2 `type`),
    # before the deal exists, so that a wrong owner or list changes nothing. The V2 field write
    # answers 204 and V1's create answers ids only (§4.8, §4.1): one V2 read names the people,
    # organizations and owners and gives the stage as saved.
    if not owner:
        return fixed(f"{LIST_NAME} and type, V1 create, V2 read back", list_name(known), 1, 1)
    return fixed(
        "list definition (an opportunity list? its Owners field; its name), the owner's record "
        "(a colleague?), V1 create, V2 owner write, V2 read back",
        1,
        1,
        1,
        1,
        1,
    )


def deal_update(*, known: bool = False) -> Rule:
    # V1 PUT replaces the association arrays (§4.1): the deal is read first to merge. Its answer
    # holds ids only, so one V2 entry read names people, organizations, owners and the stage.
    return fixed(
        f"V1 read (to merge), V1 PUT, V2 read back, {LIST_NAME}", 1, 1, 1, list_name(known)
    )


def person_profile(person_id: int) -> Rule:
    def count(state: SandboxState) -> int:
        person = state.world.persons[person_id]
        orgs = {*person.get("organization_ids", []), *person.get("former_organization_ids", [])}
        entries = state.index.entries_by_entity[(PERSON, person_id)]
        external = person["type"] == 0
        return 1 + 1 + batches(len(orgs)) + (1 if entries else 0) + (1 if external else 0)

    return Rule(
        "V1 person (orgs, lists, dates), V2 phones, one batch of org names per 100, the list "
        "names (if on a list), V2 relationships with names (if external)",
        count,
    )


def organization_profile(org_id: int) -> Rule:
    def count(state: SandboxState) -> int:
        people = len(state.index.persons_by_org[org_id])
        deals = state.index.opps_by_org[org_id]
        pipelines = {state.world.opportunities[i]["list_id"] for i in deals}
        entries = state.index.entries_by_entity[(ORGANIZATION, org_id)]
        return (
            1
            + batches(min(people, NAMED))
            + batches(min(len(deals), NAMED))
            + len(pipelines)
            + (1 if deals or entries else 0)
        )

    return Rule(
        "V1 organization (people, deal ids, lists), one batch of names per 100 people and per "
        "100 deals, one list-entry search per pipeline (stages), the list names: nothing per "
        "person or deal",
        count,
    )


def organization_minimum(state: SandboxState, org_id: int) -> int:
    return organization_profile(org_id).count(state)


def notes_of(org_id: int) -> Rule:
    return fixed(
        "one V2 page of the company's notes (`GET /v2/companies/{id}/notes`: each note names "
        "its creator; a company that does not exist is a 404)",
        1,
    )


def strength_of(person_id: int) -> Rule:
    def count(state: SandboxState) -> int:
        return 1 if state.world.strengths.get(person_id) else 2

    return Rule(
        "V2 relationships, which name both sides and show the contact as the external one; "
        "the person too when there are none (is she external? her name)",
        count,
    )


def lists_with_owners() -> Rule:
    def count(state: SandboxState) -> int:
        owners = {x["owner_id"] for x in state.world.lists.values() if x.get("owner_id")}
        return 1 + batches(len(owners))

    return Rule("V1 lists (sizes), one batch of owners' names per 100", count)


def reminders_of(user_id: int) -> Rule:
    def count(state: SandboxState) -> int:
        mine = [r for r in state.world.reminders.values() if r["owner_id"] == user_id]
        kinds = {r["entity_type"] for r in mine}
        return 1 + max(1, batches(len(mine))) + len(kinds)

    return Rule(
        "whoami, one reminders page per 100, one batch of names per kind of record "
        "(people, companies, deals)",
        count,
    )


def removal(list_id: int, person_id: int) -> Rule:
    def count(state: SandboxState) -> int:
        entries = [
            e
            for e in state.index.entries_by_entity[(PERSON, person_id)]
            if state.world.list_entries[e]["list_id"] == list_id
        ]
        return 1 + 1 + len(entries)

    return Rule("list definition, the person's entries, one DELETE per entry", count)


def deal_history(opp_id: int) -> Rule:
    def count(state: SandboxState) -> int:
        entries = {e["id"] for e in state.world.list_entries.values() if e["entity_id"] == opp_id}
        changes = [
            c for c in state.world.field_value_changes.values() if c["list_entry_id"] in entries
        ]
        return 1 + max(1, batches(len(changes)))

    return Rule("V1 deal (its list entry), one page of the entry's changes per 100", count)


# ---- the data: the seed and an organization with many people and deals -------------------------


def add_big_deal_org(
    server: SandboxServer,
    people: int = BIG_DEALS_PEOPLE,
    deals: int = BIG_DEALS,
    name: str = "Initech Holdings",
) -> int:
    """An organization with ``people`` people (written into the sandbox's world) and ``deals``
    deals spread over three pipelines, each with a stage (created through the sandbox's V1 API,
    as a user would). Returns its id."""
    state = server.state
    with state.lock:
        w = state.world
        org_id = w.new_id("organization")
        w.organizations[org_id] = {
            "id": org_id,
            "name": name,
            "domain": f"{org_id}.example",
            "domains": [f"{org_id}.example"],
            "global": False,
            "crunchbase_uuid": None,
            "created_at": seed.SEED_NOW,
            "interactions": None,
        }
        for n in range(people):
            person_id = w.new_id("person")
            w.persons[person_id] = {
                "id": person_id,
                "type": 0,
                "first_name": seed.FIRST_NAMES[n % len(seed.FIRST_NAMES)],
                "last_name": seed.LAST_NAMES[n % len(seed.LAST_NAMES)],
                "emails": [f"person{n}@{org_id}.example"],
                "organization_ids": [org_id],
                "phone_numbers": [],
                "interactions": None,
                "created_at": seed.SEED_NOW,
            }
        state.index = Indexes(w)
        status_of = {
            lid: next(
                w.fields[f]
                for f in state.index.fields_by_list[lid]
                if w.fields[f]["value_type"] == 7
            )
            for lid in BIG_DEALS_PIPELINES
        }
    auth = ("", seed.ADMIN_KEY)
    with httpx.Client(base_url=server.base_url, auth=auth, timeout=10) as http:
        for n in range(deals):
            list_id = BIG_DEALS_PIPELINES[n % len(BIG_DEALS_PIPELINES)]
            opp = (
                http.post(
                    "/opportunities",
                    json={
                        "name": f"{name} {seed.DASH} deal {n + 1}",
                        "list_id": list_id,
                        "organization_ids": [org_id],
                    },
                )
                .raise_for_status()
                .json()
            )
            status = status_of[list_id]
            option = status["dropdown_options"][n % len(status["dropdown_options"])]
            http.post(
                "/field-values",
                json={
                    "field_id": status["id"],
                    "entity_id": opp["id"],
                    "list_entry_id": opp["list_entries"][0]["id"],
                    "value": option["id"],
                },
            ).raise_for_status()
    state.clear_requests()
    return org_id


# ---- the scenarios: one or more per tool -------------------------------------------------------


Call = Callable[[AffinityClient, str, dict[str, Any]], Any]


@dataclass(frozen=True)
class Scenario:
    """One tool call (``to_end``: every page, following ``next_page_token``)."""

    tool: str
    label: str
    inputs: dict[str, Any]
    rule: Rule
    to_end: bool = False
    known_lists: bool = False  # the client is told the user's cached lists, as the connector does

    def run(self, client: AffinityClient, call: Call = run_tool) -> Any:
        token = None
        while True:
            page_input = {**self.inputs, **({"page_token": token} if token else {})}
            result = call(client, self.tool, page_input)
            token = result.get("next_page_token") if self.to_end else None
            if token is None:
                return result


def scenarios(big_org_id: int) -> list[Scenario]:
    search = "one search request answers a page (V2 search; V1 for a key without the directory)"
    return [
        Scenario(
            "affinity_search_persons",
            "term 'jane'",
            {"term": "jane"},
            fixed(search, 1),
        ),
        Scenario(
            "affinity_get_person",
            "Jane Smith",
            {"person_id": seed.JANE_ID},
            person_profile(seed.JANE_ID),
        ),
        Scenario(
            "affinity_search_organizations",
            "term 'acme'",
            {"term": "acme"},
            fixed(search, 1),
        ),
        Scenario(
            "affinity_get_organization",
            "Acme",
            {"organization_id": seed.ACME_ORG_ID},
            organization_profile(seed.ACME_ORG_ID),
        ),
        Scenario(
            "affinity_get_organization",
            "BIG_ORG_ID (>=50 people)",
            {"organization_id": seed.BIG_ORG_ID},
            organization_profile(seed.BIG_ORG_ID),
        ),
        Scenario(
            "affinity_get_organization",
            f"{BIG_DEALS_PEOPLE} people, {BIG_DEALS} deals, {len(BIG_DEALS_PIPELINES)} pipelines",
            {"organization_id": big_org_id},
            organization_profile(big_org_id),
        ),
        Scenario(
            "affinity_list_lists",
            "all lists",
            {},
            lists_with_owners(),
        ),
        Scenario(
            "affinity_list_opportunities",
            "Deal Flow, every deal, to the end",
            {"list_id": DEAL_FLOW, "page_size": 100},
            list_pages(DEAL_FLOW),
            to_end=True,
        ),
        Scenario(
            "affinity_list_opportunities",
            "the same, the user's cached lists known",
            {"list_id": DEAL_FLOW, "page_size": 100},
            list_pages(DEAL_FLOW, known=True),
            to_end=True,
            known_lists=True,
        ),
        Scenario(
            "affinity_get_opportunity",
            "Acme - Series A",
            {"opportunity_id": seed.ACME_DEAL_ID},
            deal_read(),
        ),
        Scenario(
            "affinity_get_opportunity",
            "the same, the user's cached lists known",
            {"opportunity_id": seed.ACME_DEAL_ID},
            deal_read(known=True),
            known_lists=True,
        ),
        Scenario(
            "affinity_create_opportunity",
            "with people, org, owner",
            {
                "list_id": SERIES_A,
                "name": "Bench deal",
                "person_ids": [seed.JANE_ID],
                "organization_ids": [seed.ACME_ORG_ID],
                "owner_id": seed.STANDARD_ID,
            },
            deal_create(owner=True),
        ),
        Scenario(
            "affinity_create_opportunity",
            "no owner, the user's cached lists known",
            {"list_id": SERIES_A, "name": "Bench deal", "person_ids": [seed.JANE_ID]},
            deal_create(owner=False, known=True),
            known_lists=True,
        ),
        Scenario(
            "affinity_update_opportunity",
            "rename + add person",
            {
                "opportunity_id": seed.ACME_DEAL_ID,
                "name": "Acme - A",
                "add_person_ids": [seed.ADMIN_ID],
            },
            deal_update(),
        ),
        Scenario(
            "affinity_update_opportunity",
            "the same, the user's cached lists known",
            {
                "opportunity_id": seed.ACME_DEAL_ID,
                "name": "Acme - A",
                "add_person_ids": [seed.ADMIN_ID],
            },
            deal_update(known=True),
            known_lists=True,
        ),
        Scenario(
            "affinity_create_note",
            "plain text on Jane",
            {"content": "Bench note", "person_ids": [seed.JANE_ID]},
            fixed("V2 create (its answer names the creator)", 1),
        ),
        Scenario(
            "affinity_list_notes",
            "Acme notes",
            {"organization_id": seed.ACME_ORG_ID},
            notes_of(seed.ACME_ORG_ID),
        ),
        Scenario(
            "affinity_update_note",
            "new text on Maya's note",
            {"note_id": ADMIN_NOTE, "content": "Edited"},
            fixed("V2 read (the old text), V2 update", 1, 1),
        ),
        Scenario(
            "affinity_delete_note",
            "Maya's note",
            {"note_id": ADMIN_NOTE},
            fixed("V2 read (what goes), V2 delete", 1, 1),
        ),
        Scenario(
            "affinity_add_to_list",
            "Maya onto Founders to Watch",
            {"list_id": FOUNDERS, "person_id": seed.ADMIN_ID},
            fixed("list definition (its type), membership check, V1 add", 1, 1, 1),
        ),
        Scenario(
            "affinity_remove_from_list",
            "Jane off Founders to Watch",
            {"list_id": FOUNDERS, "person_id": seed.JANE_ID},
            removal(FOUNDERS, seed.JANE_ID),
        ),
        Scenario(
            "affinity_get_relationship_strength",
            "Jane",
            {"external_id": seed.JANE_ID},
            strength_of(seed.JANE_ID),
        ),
        Scenario(
            "affinity_create_person",
            "Ada Lovelace, new email",
            {"first_name": "Ada", "last_name": "Lovelace", "email": "ada@analytical.io"},
            fixed("lookup by email (no duplicate), V2 create", 1, 1),
        ),
        Scenario(
            "affinity_create_organization",
            "Initech, new domain",
            {"name": "Initech", "domain": "initech.com"},
            fixed("lookup by domain (no duplicate), V1 create", 1, 1),
        ),
        Scenario(
            "affinity_list_reminders",
            "Maya's reminders",
            {},
            reminders_of(seed.ADMIN_ID),
        ),
        Scenario(
            "affinity_create_reminder",
            "on Acme, due 2030-01-01",
            {"organization_id": seed.ACME_ORG_ID, "content": "Bench", "due_date": "2030-01-01"},
            fixed("whoami (the owner), create, the company's name", 1, 1, 1),
        ),
        Scenario(
            "affinity_complete_reminder",
            "one of Maya's",
            {"reminder_id": ADMIN_REMINDER},
            fixed("V1 PUT (its answer carries every name)", 1),
        ),
        Scenario(
            "affinity_list_meetings",
            "Maya's week",
            {},
            fixed("whoami, one page of meetings in the range", 1, 1),
        ),
        Scenario(
            "affinity_list_fields",
            "Series A Pipeline",
            {"list_id": SERIES_A},
            fixed("the list definition with its fields and options", 1),
        ),
        Scenario(
            "affinity_search_list_entries",
            "Deal Flow, stage IC, totals over every match",
            {"list_id": DEAL_FLOW, "stage": "IC"},
            fixed("list definition (the stage's option), one list-entry search", 1, 1),
        ),
        Scenario(
            "affinity_list_saved_views",
            "Series A Pipeline",
            {"list_id": SERIES_A},
            fixed("list definition (its name and type), one page of saved views", 1, 1),
        ),
        Scenario(
            "affinity_search_opportunities",
            "term 'acme'",
            {"term": "acme"},
            fixed("one V1 opportunity search page", 1),
        ),
        Scenario(
            "affinity_update_field_values",
            "Acme deal: stage IC",
            {
                "opportunity_id": seed.ACME_DEAL_ID,
                "values": [{"field": "stage", "value": "IC"}],
            },
            fixed("V1 deal (its list), list definition, old values, one PATCH", 1, 1, 1, 1),
        ),
        Scenario(
            "affinity_get_field_history",
            "Acme deal, every field",
            {"opportunity_id": seed.ACME_DEAL_ID},
            deal_history(seed.ACME_DEAL_ID),
        ),
    ]


def measure(server: SandboxServer, scenario: Scenario, runs: int) -> tuple[int, float]:
    counts, times = [], []
    for _ in range(runs):
        server.reset()
        add_big_deal_org(server)
        with AffinityClient(seed.ADMIN_KEY, server.base_url) as client:
            if scenario.known_lists:
                know_lists(client, cached_lists(server.state))
            started = time.perf_counter()
            scenario.run(client)
            times.append(time.perf_counter() - started)
        counts.append(server.state.request_count())
    if len(set(counts)) != 1:
        raise SystemExit(f"request count varied between runs: {counts}")
    return counts[0], statistics.median(times) * 1000


def tool_rows(server: SandboxServer, runs: int) -> dict[str, dict[str, int]]:
    """The table of scenarios; per tool, its requests and minimum summed over its scenarios."""
    header = f"{'tool':36} {'scenario':40} {'requests':>8} {'min':>4} {'median ms':>10}  rule"
    print(header)
    print("-" * len(header))
    server.reset()
    big_org_id = add_big_deal_org(server)
    every = scenarios(big_org_id)
    missing = set(TOOLS) - {s.tool for s in every}
    if missing:
        raise SystemExit(f"tools without a scenario: {sorted(missing)}")
    per_tool: dict[str, dict[str, int]] = {}
    for s in every:
        server.reset()
        add_big_deal_org(server)
        least = s.rule.count(server.state)  # counted on the data the call will see
        requests, median_ms = measure(server, s, runs)
        flag = " " if requests <= least else "*"
        print(
            f"{s.tool:36} {s.label:40} {requests:>8}{flag}{least:>4} {median_ms:>10.1f}  "
            f"{s.rule.words}"
        )
        row = per_tool.setdefault(s.tool, {"requests": 0, "minimum": 0})
        row["requests"] += requests
        row["minimum"] += least
    print("(* above the minimum)")
    return per_tool


def restricted_rows(server: SandboxServer) -> None:
    print("\nAs the restricted user (no export permissions: deals and names through V1):")
    for name, inputs in (
        ("affinity_list_opportunities", {"list_id": SERIES_A}),
        ("affinity_get_opportunity", {"opportunity_id": seed.ACME_DEAL_ID}),
        ("affinity_get_organization", {"organization_id": None}),
    ):
        server.reset()
        big_org_id = add_big_deal_org(server)
        if "organization_id" in inputs:
            inputs = {"organization_id": big_org_id}
        with AffinityClient(seed.RESTRICTED_KEY, server.base_url) as client:
            probe_permissions(client)  # as at connect: the fallbacks are chosen up front
            server.state.clear_requests()
            run_tool(client, name, inputs)
        print(f"  {name:36} {server.state.request_count():>4} requests  {inputs}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    server = SandboxServer().start()
    try:
        tools = tool_rows(server, args.runs)
        restricted_rows(server)
        tasks = task_rows(server, lambda: add_big_deal_org(server))
    finally:
        server.stop()
    print(json.dumps({"tasks": tasks, "tools": tools}))


if __name__ == "__main__":
    main()
