"""Requests per call and median time for each Affinity tool, against the local sandbox.

    python benchmarks/tools.py            # 5 runs per scenario
    python benchmarks/tools.py --runs 9

Each row runs one tool call (paged tools: every page to the end) on a fresh client, so cached
list definitions do not flatter the figures, and the sandbox is reset before each run so writes
start from the same data. "min" is the fewest requests any client could use for the same
answer (computed from the sandbox's data where the answer depends on it, e.g. an organization's
people, deals and pipelines); "why" says where the requests go.

Besides the seed, the benchmark adds an organization with 300 people and 12 deals on three
pipelines (``add_big_deal_org``), so that its profile shows whether requests grow with people
or deals.
"""

from __future__ import annotations

import argparse
import math
import statistics
import time
from collections.abc import Callable
from typing import Any

import httpx

from affinity_client import AffinityClient, run_tool
from affinity_client.probe import probe_permissions
from affinity_client.sandbox import seed
from affinity_client.sandbox.server import SandboxServer
from affinity_client.sandbox.store import Indexes, SandboxState

SERIES_A = seed.LISTS["Series A Pipeline"]
DEAL_FLOW = seed.LISTS["Deal Flow"]
FOUNDERS = seed.LISTS["Founders to Watch"]
PAGES = math.ceil(seed.DEAL_FLOW_SIZE / 100)
ADMIN_NOTE = 3000001  # the seed's first note, written by the admin
ADMIN_REMINDER = 7001  # the seed's first reminder, the admin's


def pages_of_100(list_id: int) -> Callable[[SandboxState], int]:
    """Fewest requests to page a list to the end at 100 a page: one per page."""
    return lambda state: max(1, math.ceil(len(state.index.entries_by_list[list_id]) / 100))


BIG_DEALS_PEOPLE = 300
BIG_DEALS_PIPELINES = (SERIES_A, seed.LISTS["Seed Pipeline"], DEAL_FLOW)
BIG_DEALS = 12
NAMED = 100  # people and deals named in a profile, one V2 batch each (tools/organizations.py)


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


def organization_minimum(state: SandboxState, org_id: int) -> int:
    """Fewest requests for a profile: the organization (V1, with its people and deal ids), one
    batch of names per NAMED people, one batch per NAMED deals (names, lists), one list-entry
    search per pipeline holding them (stages), and the list names; nothing per person or deal."""
    people = len(state.index.persons_by_org[org_id])
    deals = state.index.opps_by_org[org_id]
    pipelines = {state.world.opportunities[i]["list_id"] for i in deals}
    entries = state.index.entries_by_entity[(1, org_id)]
    return (
        1
        + math.ceil(min(people, NAMED) / NAMED)
        + math.ceil(min(len(deals), NAMED) / NAMED)
        + len(pipelines)
        + (1 if deals or entries else 0)
    )


def page_to_end(name: str, inputs: dict[str, Any]) -> Callable[[AffinityClient], Any]:
    def run(client: AffinityClient) -> Any:
        token = None
        while True:
            result = run_tool(client, name, {**inputs, **({"page_token": token} if token else {})})
            token = result["next_page_token"]
            if token is None:
                return result

    return run


def once(name: str, inputs: dict[str, Any]) -> Callable[[AffinityClient], Any]:
    return lambda client: run_tool(client, name, inputs)


Minimum = int | Callable[[SandboxState], int]


def scenarios(
    big_org_id: int,
) -> list[tuple[str, str, Callable[[AffinityClient], Any], Minimum, str]]:
    return [
        (
            "affinity_search_persons",
            "term 'jane'",
            once("affinity_search_persons", {"term": "jane"}),
            1,
            "V2 search (V1 for a key without the directory permission)",
        ),
        (
            "affinity_get_person",
            "Jane Smith",
            once("affinity_get_person", {"person_id": seed.JANE_ID}),
            5,
            "person, phones, orgs batch, lists, V2 relationships (named)",
        ),
        (
            "affinity_search_organizations",
            "term 'acme'",
            once("affinity_search_organizations", {"term": "acme"}),
            1,
            "V2 search (V1 for a key without the directory permission)",
        ),
        (
            "affinity_get_organization",
            "Acme",
            once("affinity_get_organization", {"organization_id": seed.ACME_ORG_ID}),
            lambda state: organization_minimum(state, seed.ACME_ORG_ID),
            "org, people batch, deals batch, lists, stage search/pipeline (+list def/pipeline)",
        ),
        (
            "affinity_get_organization",
            "BIG_ORG_ID (>=50 people)",
            once("affinity_get_organization", {"organization_id": seed.BIG_ORG_ID}),
            lambda state: organization_minimum(state, seed.BIG_ORG_ID),
            "org, one people batch per 100",
        ),
        (
            "affinity_get_organization",
            f"{BIG_DEALS_PEOPLE} people, {BIG_DEALS} deals, {len(BIG_DEALS_PIPELINES)} pipelines",
            once("affinity_get_organization", {"organization_id": big_org_id}),
            lambda state: organization_minimum(state, big_org_id),
            "as Acme: nothing per person or deal",
        ),
        (
            "affinity_list_lists",
            "all lists",
            once("affinity_list_lists", {}),
            2,
            "V1 lists (sizes), owners batch",
        ),
        (
            "affinity_list_opportunities",
            "Deal Flow, every deal, to the end",
            page_to_end("affinity_list_opportunities", {"list_id": DEAL_FLOW, "page_size": 100}),
            pages_of_100(DEAL_FLOW),
            "pages of 100 (+1 list definition)",
        ),
        (
            "affinity_get_opportunity",
            "Acme - Series A",
            once("affinity_get_opportunity", {"opportunity_id": seed.ACME_DEAL_ID}),
            2,
            "V1 deal, V2 entry fields (+1 list def)",
        ),
        (
            "affinity_create_opportunity",
            "with people, org, owner",
            once(
                "affinity_create_opportunity",
                {
                    "list_id": SERIES_A,
                    "name": "Bench deal",
                    "person_ids": [seed.JANE_ID],
                    "organization_ids": [seed.ACME_ORG_ID],
                    "owner_id": seed.STANDARD_ID,
                },
            ),
            3,
            "create, set owner, read back (+list def, owner check)",
        ),
        (
            "affinity_update_opportunity",
            "rename + add person",
            once(
                "affinity_update_opportunity",
                {
                    "opportunity_id": seed.ACME_DEAL_ID,
                    "name": "Acme - A",
                    "add_person_ids": [seed.ADMIN_ID],
                },
            ),
            3,
            "read, PUT merged, read back (+list def)",
        ),
        (
            "affinity_create_note",
            "plain text on Jane",
            once("affinity_create_note", {"content": "Bench note", "person_ids": [seed.JANE_ID]}),
            1,
            "V2 create (the answer names the creator)",
        ),
        (
            "affinity_list_notes",
            "Acme notes",
            once("affinity_list_notes", {"organization_id": seed.ACME_ORG_ID}),
            2,
            "V1 notes, creators batch",
        ),
        (
            "affinity_add_to_list",
            "Maya onto Founders to Watch",
            once("affinity_add_to_list", {"list_id": FOUNDERS, "person_id": seed.ADMIN_ID}),
            3,
            "list def, membership check, add",
        ),
        (
            "affinity_get_relationship_strength",
            "Jane",
            once("affinity_get_relationship_strength", {"external_id": seed.JANE_ID}),
            2,
            "person (external?), V2 relationships (named)",
        ),
        (
            "affinity_create_person",
            "Ada Lovelace, new email",
            once(
                "affinity_create_person",
                {"first_name": "Ada", "last_name": "Lovelace", "email": "ada@analytical.io"},
            ),
            2,
            "lookup by email, V2 create",
        ),
        (
            "affinity_create_organization",
            "Initech, new domain",
            once("affinity_create_organization", {"name": "Initech", "domain": "initech.com"}),
            2,
            "lookup by domain, V1 create",
        ),
        (
            "affinity_update_note",
            "new text on Maya's note",
            once("affinity_update_note", {"note_id": ADMIN_NOTE, "content": "Edited"}),
            2,
            "V2 read (old text), V2 update",
        ),
        (
            "affinity_delete_note",
            "Maya's note",
            once("affinity_delete_note", {"note_id": ADMIN_NOTE}),
            2,
            "V2 read (what goes), V2 delete",
        ),
        (
            "affinity_list_reminders",
            "Maya's reminders",
            once("affinity_list_reminders", {}),
            5,
            "whoami, reminders, people, companies, deals (names)",
        ),
        (
            "affinity_create_reminder",
            "on Acme, due 2030-01-01",
            once(
                "affinity_create_reminder",
                {"organization_id": seed.ACME_ORG_ID, "content": "Bench", "due_date": "2030-01-01"},
            ),
            3,
            "whoami (owner), create, company name",
        ),
        (
            "affinity_complete_reminder",
            "one of Maya's",
            once("affinity_complete_reminder", {"reminder_id": ADMIN_REMINDER}),
            1,
            "V1 PUT (its answer carries every name)",
        ),
        (
            "affinity_list_meetings",
            "Maya's week",
            once("affinity_list_meetings", {}),
            2,
            "whoami, meetings in range",
        ),
        (
            "affinity_list_fields",
            "Series A Pipeline",
            once("affinity_list_fields", {"list_id": SERIES_A}),
            1,
            "list definition with its fields and options",
        ),
        (
            "affinity_search_list_entries",
            "Deal Flow, stage IC, totals over every match",
            once("affinity_search_list_entries", {"list_id": DEAL_FLOW, "stage": "IC"}),
            2,
            "list definition, one list-entry search (totals from totalCount pages)",
        ),
        (
            "affinity_list_saved_views",
            "Series A Pipeline",
            once("affinity_list_saved_views", {"list_id": SERIES_A}),
            2,
            "list definition, saved views",
        ),
        (
            "affinity_search_opportunities",
            "term 'acme'",
            once("affinity_search_opportunities", {"term": "acme"}),
            1,
            "V1 opportunity search",
        ),
        (
            "affinity_update_field_values",
            "Acme deal: stage IC",
            once(
                "affinity_update_field_values",
                {
                    "opportunity_id": seed.ACME_DEAL_ID,
                    "values": [{"field": "stage", "value": "IC"}],
                },
            ),
            4,
            "V1 deal (its list), list definition, old values, one PATCH",
        ),
        (
            "affinity_remove_from_list",
            "Jane off Founders to Watch",
            once("affinity_remove_from_list", {"list_id": FOUNDERS, "person_id": seed.JANE_ID}),
            4,
            "list definition, her entries, one DELETE per entry (she is on it twice)",
        ),
    ]


def measure(
    server: SandboxServer, action: Callable[[AffinityClient], Any], runs: int
) -> tuple[int, float]:
    counts, times = [], []
    for _ in range(runs):
        server.reset()
        add_big_deal_org(server)
        with AffinityClient(seed.ADMIN_KEY, server.base_url) as client:
            started = time.perf_counter()
            action(client)
            times.append(time.perf_counter() - started)
        counts.append(server.state.request_count())
    if len(set(counts)) != 1:
        raise SystemExit(f"request count varied between runs: {counts}")
    return counts[0], statistics.median(times) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    server = SandboxServer().start()
    try:
        header = f"{'tool':36} {'scenario':40} {'requests':>8} {'min':>4} {'median ms':>10}  why"
        print(header)
        print("-" * len(header))
        server.reset()
        big_org_id = add_big_deal_org(server)
        for name, scenario, action, minimum, why in scenarios(big_org_id):
            requests, median_ms = measure(server, action, args.runs)
            least = minimum if isinstance(minimum, int) else minimum(server.state)
            print(f"{name:36} {scenario:40} {requests:>8} {least:>4} {median_ms:>10.1f}  {why}")
        server.reset()
        with AffinityClient(seed.ADMIN_KEY, server.base_url) as client:
            page_to_end("affinity_list_opportunities", {"list_id": DEAL_FLOW, "page_size": 100})(
                client
            )
        entries = server.state.request_count("GET", f"/v2/lists/{DEAL_FLOW}/list-entries")
        other = server.state.request_count() - entries
        print(
            f"\nDeal Flow ({seed.DEAL_FLOW_SIZE} deals, page size 100): {entries} list-entry "
            f"requests + {other} metadata request(s)."
        )
        print("\nAs the restricted user (no export permissions: deals and names through V1):")
        for name, inputs in (
            ("affinity_list_opportunities", {"list_id": SERIES_A}),
            ("affinity_get_opportunity", {"opportunity_id": seed.ACME_DEAL_ID}),
            ("affinity_get_organization", {"organization_id": big_org_id}),
        ):
            server.reset()
            add_big_deal_org(server)
            with AffinityClient(seed.RESTRICTED_KEY, server.base_url) as client:
                probe_permissions(client)  # as at connect: the fallbacks are chosen up front
                server.state.clear_requests()
                run_tool(client, name, inputs)
            print(f"  {name:36} {server.state.request_count():>4} requests  {inputs}")
    finally:
        server.stop()


if __name__ == "__main__":
    main()
