"""Requests per call and median time for each Affinity tool, against the local sandbox.

    python benchmarks/tools.py            # 5 runs per scenario
    python benchmarks/tools.py --runs 9

Each row runs one tool call (paged tools: every page to the end) on a fresh client, so cached
list definitions do not flatter the figures, and the sandbox is reset before each run so writes
start from the same data. "min" is the fewest requests any client could use for the same
answer with the 2024-01-01 APIs; "why" says where the requests go.
"""

from __future__ import annotations

import argparse
import math
import statistics
import time
from collections.abc import Callable
from typing import Any

from affinity_client import AffinityClient, run_tool
from affinity_client.sandbox import seed
from affinity_client.sandbox.server import SandboxServer

SERIES_A = seed.LISTS["Series A Pipeline"]
DEAL_FLOW = seed.LISTS["Deal Flow"]
FOUNDERS = seed.LISTS["Founders to Watch"]
PAGES = math.ceil(seed.DEAL_FLOW_SIZE / 100)


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


SCENARIOS: list[tuple[str, str, Callable[[AffinityClient], Any], int, str]] = [
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
        6,
        "person, phones, orgs batch, lists, strengths, names batch",
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
        5,
        "org, people batch, deals batch, lists, stage/deal",
    ),
    (
        "affinity_get_organization",
        "BIG_ORG_ID (>=50 people)",
        once("affinity_get_organization", {"organization_id": seed.BIG_ORG_ID}),
        2,
        "org, one people batch per 100",
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
        f"Deal Flow, {seed.DEAL_FLOW_SIZE} deals, to the end",
        page_to_end("affinity_list_opportunities", {"list_id": DEAL_FLOW, "page_size": 100}),
        PAGES,
        f"{PAGES} pages of 100 (+1 list definition)",
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
        2,
        "create, creator name",
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
        "strengths, names batch",
    ),
]


def measure(
    server: SandboxServer, action: Callable[[AffinityClient], Any], runs: int
) -> tuple[int, float]:
    counts, times = [], []
    for _ in range(runs):
        server.reset()
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
        for name, scenario, action, minimum, why in SCENARIOS:
            requests, median_ms = measure(server, action, args.runs)
            print(f"{name:36} {scenario:40} {requests:>8} {minimum:>4} {median_ms:>10.1f}  {why}")
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
    finally:
        server.stop()


if __name__ == "__main__":
    main()
