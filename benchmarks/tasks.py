"""User tasks done two ways against the same sandbox: through our tools, as the assistant calls
them, and through affinity-sdk (Affinity's own Python SDK, the `bench` extra) with the calls a
developer would write for the same answer. Used by ``benchmarks/tools.py``.

Each peer function gets what our tools' answer holds (names, not bare ids; stages; list names),
using the SDK's cheapest route that we could find; where the SDK's answer holds less, its
docstring says so.

Our tools run on a client as the connector hands it to them: told the user's lists (id, name,
type) as cached when the key was connected (``know_lists``), which is what the app holds before
any task. The peer starts from the same knowledge: none of its calls reads a list only for its
name (where it reads a record's lists, that read says which lists the record is on).
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from affinity_client import AffinityClient, know_lists, run_tool
from affinity_client.sandbox import seed
from affinity_client.sandbox.server import SandboxServer

SERIES_A = seed.LISTS["Series A Pipeline"]
DEAL_FLOW = seed.LISTS["Deal Flow"]


# ---- ours --------------------------------------------------------------------------------------


def ours_person(client: AffinityClient) -> Any:
    found = run_tool(client, "affinity_search_persons", {"term": "jane smith"})["persons"]
    return run_tool(client, "affinity_get_person", {"person_id": found[0]["id"]})


def ours_organization(client: AffinityClient) -> Any:
    found = run_tool(client, "affinity_search_organizations", {"term": "acme.com"})
    org_id = found["organizations"][0]["id"]
    return run_tool(client, "affinity_get_organization", {"organization_id": org_id})


def ours_deal_flow(client: AffinityClient) -> Any:
    token, deals = None, []
    while True:
        page = run_tool(
            client,
            "affinity_list_opportunities",
            {"list_id": DEAL_FLOW, "page_size": 100, **({"page_token": token} if token else {})},
        )
        deals += page["opportunities"]
        token = page["next_page_token"]
        if token is None:
            return deals


def ours_by_stage(client: AffinityClient) -> Any:
    return run_tool(
        client,
        "affinity_search_list_entries",
        {"list_id": SERIES_A, "stage": "Diligence", "page_size": 100},
    )


def ours_strength(client: AffinityClient) -> Any:
    return run_tool(client, "affinity_get_relationship_strength", {"external_id": seed.JANE_ID})


def ours_notes(client: AffinityClient) -> Any:
    return run_tool(client, "affinity_list_notes", {"organization_id": seed.ACME_ORG_ID})


def ours_lists(client: AffinityClient) -> Any:
    return run_tool(client, "affinity_list_lists", {})


# ---- affinity-sdk ------------------------------------------------------------------------------


def peer_person(sdk: Any) -> Any:
    """V1 search with interaction dates, her companies (V1 person: the search leaves them
    out), V2 phones, the companies' names, the lists' names, V2 relationships (named)."""
    from affinity.types import FieldType

    person = sdk.persons.search("jane smith", with_interaction_dates=True).data[0]
    company_ids = sdk.persons.get_associated_company_ids(person.id)
    phones = sdk.persons.get(person.id, field_types=[FieldType.ENRICHED])
    companies = sdk.companies.get_many(company_ids) if company_ids else None
    lists = sdk.persons.get_lists(person.id)
    relationships = sdk.persons.list_relationships(person.id)
    return person, phones, companies, lists, relationships


def peer_organization(sdk: Any) -> Any:
    """V1 search with deal ids, its people (V1 organization: the search leaves them out) and
    their names in a V2 batch, the lists' names, and per deal: V1 details (its list entry), the
    V2 entry with its list fields (the stage)."""
    from affinity.types import CompanyId, FieldType, ListEntryId, ListId, OpportunityId, PersonId

    org = sdk.companies.search("acme.com", with_opportunities=True).data[0]
    person_ids = sdk.companies.get_associated_person_ids(CompanyId(org.id))
    people = sdk.persons.list(ids=[PersonId(i) for i in person_ids[:100]], limit=100)
    lists = sdk.companies.get_lists(CompanyId(org.id))
    deals = []
    for opp_id in org.opportunity_ids:
        deal = sdk.opportunities.get_details(OpportunityId(opp_id))
        entry = deal.list_entries[0]
        deals.append(
            sdk.lists.entries(ListId(entry.list_id)).get(
                ListEntryId(entry.id), field_types=[FieldType.LIST]
            )
        )
    return org, people, lists, deals


def peer_deal_flow(sdk: Any) -> Any:
    """Every entry with its list fields, 100 a page (no list name: the user named the list)."""
    from affinity.types import FieldType, ListId

    return list(sdk.lists.entries(ListId(DEAL_FLOW)).all(field_types=[FieldType.LIST]))


def peer_by_stage(sdk: Any) -> Any:
    """The SDK's filtered read of a list's entries (it resolves the field and option first)."""
    from affinity.types import ListId

    return sdk.lists.entries(ListId(SERIES_A)).list(filter='Status = "Diligence"', limit=100)


def peer_strength(sdk: Any) -> Any:
    """V2 relationships, both people named. The SDK does not check that the contact is
    external (we read the person first: for a colleague's id V2 answers with their own
    contacts, which would read as the wrong answer)."""
    from affinity.types import PersonId

    return sdk.persons.list_relationships(PersonId(seed.JANE_ID))


def peer_notes(sdk: Any) -> Any:
    """V2 company notes, creators named. A wider answer than ours: V2 also gives the notes on
    the company's people, and leaves replies out (our V1 read is the company's own notes)."""
    from affinity.types import CompanyId

    return sdk.companies.list_notes(CompanyId(seed.ACME_ORG_ID))


def peer_lists(sdk: Any) -> Any:
    """V2 lists, each list's size (V1, the SDK's accurate size), the owners' names in a batch."""
    from affinity.types import PersonId

    lists = list(sdk.lists.all())
    sizes = {x.id: sdk.lists.get_size(x.id) for x in lists}
    owners = {x.owner_id for x in lists if x.owner_id}
    names = sdk.persons.list(ids=[PersonId(i) for i in owners], limit=100)
    return lists, sizes, names


@dataclass(frozen=True)
class Task:
    name: str
    ours: Callable[[AffinityClient], Any]
    peer: Callable[[Any], Any]


TASKS = [
    Task("person 'jane smith' with profile", ours_person, peer_person),
    Task("organization acme.com with people and deals", ours_organization, peer_organization),
    Task("Deal Flow, every deal", ours_deal_flow, peer_deal_flow),
    Task("Series A deals at Diligence", ours_by_stage, peer_by_stage),
    Task("who knows Jane best", ours_strength, peer_strength),
    Task("notes on Acme", ours_notes, peer_notes),
    Task("our lists with sizes and owners", ours_lists, peer_lists),
]


def _cached_lists(server: SandboxServer) -> list[dict[str, Any]]:
    """The user's lists as the app caches them at connect (not counted: read before a task)."""
    server.reset()
    with AffinityClient(seed.ADMIN_KEY, server.base_url) as client:
        return list(run_tool(client, "affinity_list_lists", {})["lists"])


def _count(server: SandboxServer, prepare: Callable[[], Any], run: Callable[[], Any]) -> int:
    server.reset()
    prepare()
    run()
    return server.state.request_count()


def task_rows(server: SandboxServer, prepare: Callable[[], Any]) -> dict[str, dict[str, Any]]:
    """Requests per task, ours and the SDK's (None without the `bench` extra), on the data
    ``prepare`` adds to a freshly reset sandbox."""
    try:
        import affinity
    except ImportError:
        print("\naffinity-sdk is not installed (pip install -e '.[bench]'): no peer figures.")
        with_peer = False
    else:
        with_peer = True

    def sdk() -> Any:
        return affinity.Affinity(
            api_key=seed.ADMIN_KEY,
            v1_base_url=server.base_url,
            v2_base_url=f"{server.base_url}/v2",
            max_retries=0,
            enable_beta_endpoints=True,
        )

    print(f"\n{'user task':48} {'ours':>5} {'sdk':>5} {'ratio':>6}")
    rows: dict[str, dict[str, Any]] = {}
    for task in TASKS:
        with AffinityClient(seed.ADMIN_KEY, server.base_url) as client:
            know_lists(client, _cached_lists(server))
            ours = _count(server, prepare, lambda: task.ours(client))  # noqa: B023
        peer = None
        if with_peer:
            with sdk() as peer_client, warnings.catch_warnings():
                warnings.simplefilter("ignore")  # its notices of client-side filtering
                peer = _count(server, prepare, lambda: task.peer(peer_client))  # noqa: B023
        ratio = round(ours / peer, 2) if peer else None
        rows[task.name] = {"ours": ours, "peer": peer, "ratio": ratio}
        print(f"{task.name:48} {ours:>5} {peer if peer is not None else '-':>5} {ratio or '-':>6}")
    return rows
