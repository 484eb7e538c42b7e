"""Organization tools: search and full profile with people, deals and lists."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast
from urllib.parse import urlencode

from ..capabilities import LIST_ENTRY_SEARCH, LIST_EXPORT, allows, learn, v2_or_fallback
from ..errors import AffinityError, InvalidRequestError, NotFoundError, PermissionDeniedError
from ..normalize import field_value_data, interaction_dates, stage_from_value
from ..pagination import encode_page_token
from .base import PAGE_TOKEN, SKIP, Tool, id_prop, obj, page_size
from .common import list_memberships, list_meta, list_names, person_refs
from .directory_search import ORGANIZATIONS, search_page
from .results import DealRow, OrganizationResult, OrganizationRow, SearchOrganizationsResult, Stage

if TYPE_CHECKING:
    from ..client import AffinityClient

SEARCH = "affinity_search_organizations"
PEOPLE_NAMED = 100  # people named in a profile: one V2 batch, however big the organization
DEALS_READ = 100  # deals listed, most recent first: one V2 batch
MAX_DEAL_STAGES = 10  # without list-entry search: deals whose stage is read one by one
V1_DEALS = 10  # without "Export data from Lists": deals read one by one through V1
SEARCH_SINCE = "2026-07-15"  # the first V2 spec with list-entry search (not in 2024-01-01)


def org_row(o: dict[str, Any]) -> OrganizationRow:
    """A row from a V1 organization or a V2 company (``isGlobal`` for V1's ``global``)."""
    return {
        "id": o["id"],
        "name": o.get("name"),
        "domain": o.get("domain"),
        "domains": o.get("domains") or [],
        "global": bool(o.get("global", o.get("isGlobal"))),
    }


def search_organizations(client: AffinityClient, inp: dict[str, Any]) -> SearchOrganizationsResult:
    params = {"term": inp["term"], "page_size": inp["page_size"]}
    page, _version = search_page(client, ORGANIZATIONS, inp, params)
    return {
        "organizations": [org_row(o) for o in page.items],
        "next_page_token": encode_page_token(page.next, SEARCH, inp),
    }


def get_organization(client: AffinityClient, inp: dict[str, Any]) -> OrganizationResult:
    """A bounded number of requests however many people and deals: the organization, one
    batch of names for the first PEOPLE_NAMED people, and its deals (see ``_deals``)."""
    org_id = inp["organization_id"]
    o = client.get(
        f"/organizations/{org_id}",
        {"with_interaction_dates": True, "with_opportunities": True},
        resource=f"organization {org_id}",
    )
    deals, deals_unavailable = _deals(client, org_id, o.get("opportunity_ids") or [])
    person_ids = o.get("person_ids") or []
    result = cast(
        OrganizationResult,
        {
            **org_row(o),
            "people": person_refs(client, person_ids[:PEOPLE_NAMED]),
            "people_count": len(person_ids),
            "deals": deals,
            "lists": list_memberships(client, o.get("list_entries") or []),
            "interaction_dates": interaction_dates(o),
        },
    )
    if deals_unavailable:
        result["deals_unavailable"] = deals_unavailable
    return result


def _deals(
    client: AffinityClient, org_id: int, opportunity_ids: list[int]
) -> tuple[list[DealRow], str | None]:
    """The organization's deals, most recent first, and what could not be read (or None)."""
    ids = sorted(set(opportunity_ids), reverse=True)
    if not ids:
        return [], None
    try:
        return v2_or_fallback(
            client,
            LIST_EXPORT,
            lambda: (_deals_v2(client, org_id, ids[:DEALS_READ]), _more(len(ids), DEALS_READ)),
            lambda: _deals_v1(client, ids),
        )
    except PermissionDeniedError as exc:
        return [], (
            "Deals unavailable: Affinity refused to show them to your user. "
            f"Affinity said: {exc.message}"
        )


def _more(count: int, shown: int) -> str | None:
    return f"Only its {shown} most recent of {count} deals are listed." if count > shown else None


def _deals_v2(client: AffinityClient, org_id: int, ids: list[int]) -> list[DealRow]:
    """One V2 batch for names and lists, the list names, and one list-entry search per
    pipeline list for the stages (reference/affinity-api.md §4.6): the search answers with the
    list's fields, so no list definition is read unless the search is not offered."""
    body = client.get("/v2/opportunities", {"ids": ids, "limit": DEALS_READ})
    opps = {item["id"]: item for item in body.get("data") or []}
    names = list_names(client, [o.get("listId") for o in opps.values()])
    stages: dict[int, Stage | None] = {}
    one_by_one: list[tuple[int, int]] = []  # (deal, status field) where search is not offered
    for list_id in sorted({o["listId"] for o in opps.values() if o.get("listId")}):
        found = _searched_stages(client, org_id, list_id)
        if found is not None:
            stages.update(found)
            continue
        try:
            status = list_meta(client, list_id).status_field
        except AffinityError:
            continue  # the stage is a nicety; the deals are still worth listing
        if status is not None:
            one_by_one += [(i, status) for i, o in opps.items() if o.get("listId") == list_id]
    for opp_id, status in sorted(one_by_one, reverse=True)[:MAX_DEAL_STAGES]:
        stages[opp_id] = _stage(client, opp_id, status)
    return [
        {
            "id": opp_id,
            "name": opp.get("name"),
            "list_id": opp.get("listId"),
            "list_name": names.get(opp.get("listId")),
            "stage": stages.get(opp_id),
        }
        for opp_id, opp in sorted(opps.items(), reverse=True)
    ]


def _searched_stages(
    client: AffinityClient, org_id: int, list_id: int
) -> dict[int, Stage | None] | None:
    """Stages of the organization's deals on one list, from one ``POST …/list-entries/search``
    filtered on the list's Organizations field and answered with the list's fields (the stage
    is its ranked dropdown, as in ``ListMeta``); None where Affinity does not offer that search
    (it is in beta since 2026-06-19; a client pinned to 2024-01-01 does not ask), which is then
    not asked again for this key."""
    if client.api_version < SEARCH_SINCE or not allows(client, LIST_ENTRY_SEARCH):
        return None
    query = urlencode({"fieldTypes": "list", "limit": DEALS_READ})
    try:
        body = client.post(
            f"/v2/lists/{list_id}/list-entries/search?{query}",
            {
                "filters": {
                    "operator": "and",
                    "filters": [
                        {
                            "fieldId": "companies",
                            "valueType": "company-multi",
                            "operator": "has-any-of",
                            "value": [{"id": org_id}],
                        }
                    ],
                }
            },
            idempotent=True,  # a read
            resource=f"list {list_id}",
            operation=f"read the stages of organization {org_id}'s deals",
        )
    except (NotFoundError, InvalidRequestError):
        learn(client, LIST_ENTRY_SEARCH, False)
        return None
    except AffinityError:
        return {}  # the stage is a nicety; the deals are still worth listing
    out: dict[int, Stage | None] = {}
    for entry in body.get("data") or []:
        entity = entry.get("entity") or {}
        field = _status_field(entity.get("fields") or [])
        out[entity["id"]] = stage_from_value(field_value_data(field)[1]) if field else None
    return out


def _status_field(fields: list[dict[str, Any]]) -> dict[str, Any] | None:
    """The list's stage among an entry's V2 fields: the ranked dropdown named Status or Stage,
    else the first ranked dropdown (the rule ``list_meta`` applies to V1's definition)."""
    ranked = [f for f in fields if field_value_data(f)[0] == "ranked-dropdown"]
    named = [f for f in ranked if str(f.get("name", "")).strip().lower() in ("status", "stage")]
    return (named or ranked)[0] if ranked else None


def _stage(client: AffinityClient, opp_id: int, status_field: int | None) -> Stage | None:
    try:
        values = client.get("/field-values", {"opportunity_id": opp_id}) or []
    except AffinityError:
        return None  # the stage is a nicety; the deal is still worth listing
    for value in values:
        if status_field is None or value.get("field_id") == status_field:
            stage = stage_from_value(value.get("value"))
            if stage:
                return stage
    return None


def _deals_v1(client: AffinityClient, ids: list[int]) -> tuple[list[DealRow], str | None]:
    """Without "Export data from Lists": the V1_DEALS most recent deals one by one (the
    opportunity, then its stage), saying how many more there are."""
    deals: list[DealRow] = []
    refused: PermissionDeniedError | None = None
    for opp_id in ids[:V1_DEALS]:
        try:
            opp = client.get(f"/opportunities/{opp_id}", resource=f"opportunity {opp_id}")
        except NotFoundError:
            continue
        except PermissionDeniedError as exc:
            refused = exc
            continue
        entries = opp.get("list_entries") or []
        if not entries:
            continue  # on a list not shared with this user, as in V2's batch
        list_id = entries[0].get("list_id")
        try:
            status = list_meta(client, list_id).status_field
        except AffinityError:
            status = None
        deals.append(
            {
                "id": opp_id,
                "name": opp.get("name"),
                "list_id": list_id,
                "list_name": list_names(client, [list_id]).get(list_id),
                "stage": _stage(client, opp_id, status) if status else None,
            }
        )
    if refused and not deals:
        raise refused
    if len(ids) <= V1_DEALS:
        return deals, None
    return deals, (
        f"Only its {V1_DEALS} most recent of {len(ids)} deals are shown: your Affinity user "
        'may not export list data (the "Export data from Lists" permission), so each deal is '
        "read one by one."
    )


TOOLS = [
    Tool(
        name=SEARCH,
        description=(
            "Search organizations (companies) by part of their name or domain. Returns id, "
            "name, domain(s) and global (true when the match is from Affinity's global company "
            "database rather than your team's own records), 25 per page by default, with a "
            "next_page_token. Use the ids with affinity_get_organization, affinity_list_notes, "
            "affinity_add_to_list or affinity_create_note."
        ),
        input_schema=obj(
            {
                "term": {
                    "type": "string",
                    "minLength": 1,
                    "maxLength": 200,
                    "description": "Part of an organization name or a domain like acme.com.",
                },
                "page_size": page_size(500, 25),
                "page_token": PAGE_TOKEN,
                "skip": SKIP,
            },
            required=["term"],
        ),
        writes=False,
        function=search_organizations,
        page_items="organizations",
    ),
    Tool(
        name="affinity_get_organization",
        description=(
            "Full profile of one organization by organization_id (get it from "
            "affinity_search_organizations): domains, its people (the first 100 by name, and "
            "people_count), its deals (opportunities) with their pipeline list and stage, most "
            "recent first, the lists it is on, and interaction dates. deals_unavailable says "
            "what of the deals could not be read, and why."
        ),
        input_schema=obj(
            {"organization_id": id_prop("Affinity organization id.")}, required=["organization_id"]
        ),
        writes=False,
        function=get_organization,
    ),
]
