"""Organization tools: search and full profile with people, deals and lists."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

from ..errors import AffinityError, PermissionDeniedError
from ..normalize import interaction_dates, stage_from_value
from ..pagination import encode_page_token
from .base import PAGE_TOKEN, SKIP, Tool, id_prop, obj, page_size
from .common import _chunks, all_lists, list_memberships, list_meta, person_refs
from .directory import ORGANIZATIONS, search_page
from .results import DealRow, OrganizationResult, OrganizationRow, SearchOrganizationsResult, Stage

if TYPE_CHECKING:
    from ..client import AffinityClient

SEARCH = "affinity_search_organizations"
PEOPLE_NAMED = 100  # people named in a profile: one V2 batch, however big the organization
MAX_DEAL_STAGES = 10  # deals whose stage is looked up (one request each), most recent first


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
    org_id = inp["organization_id"]
    o = client.get(
        f"/organizations/{org_id}",
        {"with_interaction_dates": True, "with_opportunities": True},
        resource=f"organization {org_id}",
    )
    try:
        deals = _deals(client, o.get("opportunity_ids") or [])
        deals_unavailable = None
    except PermissionDeniedError as exc:
        # V2 opportunities need "Export data from Lists" (V2 spec); the rest of the profile
        # is still this user's to see.
        deals, deals_unavailable = (
            [],
            (
                'Deals unavailable: Affinity refused to export them for your user (the "Export '
                f'data from Lists" permission is probably missing). Affinity said: {exc.message}'
            ),
        )
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


def _deals(client: AffinityClient, opportunity_ids: list[int]) -> list[DealRow]:
    """Deals with list and stage: one V2 batch for names and lists, V1 ``/lists`` for list
    names, and one ``/field-values`` read per deal (at most MAX_DEAL_STAGES) for the stage."""
    if not opportunity_ids:
        return []
    opps: dict[int, dict[str, Any]] = {}
    for chunk in _chunks(sorted(set(opportunity_ids), reverse=True)):
        body = client.get("/v2/opportunities", {"ids": chunk, "limit": 100})
        opps.update({item["id"]: item for item in body.get("data") or []})
    names = all_lists(client)
    deals: list[DealRow] = []
    for index, opp_id in enumerate(sorted(opps, reverse=True)):
        opp = opps[opp_id]
        list_id = opp.get("listId")
        stage = _stage(client, opp_id, list_id) if index < MAX_DEAL_STAGES else None
        deals.append(
            {
                "id": opp_id,
                "name": opp.get("name"),
                "list_id": list_id,
                "list_name": (names.get(list_id) or {}).get("name") if list_id else None,
                "stage": stage,
            }
        )
    return deals


def _stage(client: AffinityClient, opp_id: int, list_id: int | None) -> Stage | None:
    try:
        status_field = list_meta(client, list_id).status_field if list_id else None
        values = client.get("/field-values", {"opportunity_id": opp_id}) or []
    except AffinityError:
        return None  # the stage is a nicety; the deal is still worth listing
    for value in values:
        if status_field is None or value.get("field_id") == status_field:
            stage = stage_from_value(value.get("value"))
            if stage:
                return stage
    return None


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
            "affinity_search_organizations): domains, all its people, its deals (opportunities) "
            "with their pipeline list and stage (stage for the 10 most recent), the lists it is "
            "on, and interaction dates."
        ),
        input_schema=obj(
            {"organization_id": id_prop("Affinity organization id.")}, required=["organization_id"]
        ),
        writes=False,
        function=get_organization,
    ),
]
