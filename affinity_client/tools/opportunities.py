"""Deal (opportunity) tools: list a pipeline, read, create and update a deal."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any, cast

from ..capabilities import LIST_EXPORT, v2_or_fallback
from ..errors import (
    AffinityError,
    PermissionDeniedError,
    ToolInputError,
    deal_list_denied,
)
from ..normalize import field_value_data, render_value
from ..pagination import PageCursor, decode_page_token, encode_page_token
from .base import PAGE_TOKEN, SKIP, Tool, id_list, id_prop, obj, page_size

# Re-exported for the field tools: date fields are read as their Pacific day.
from .common import PACIFIC as PACIFIC
from .common import (
    ListMeta,
    deal_from_v2_entry,
    deal_list,
    list_meta,
    opportunity_list,
    org_refs,
    person_refs,
    persons_by_id,
    v2_field_id,
    with_roles,
)
from .common import calendar_date as calendar_date
from .deals_v1 import V1_PAGE, deals_from_v1, entry_values
from .results import Deal, DealField, ListOpportunitiesResult, UpdatedDeal

if TYPE_CHECKING:
    from ..client import AffinityClient

log = logging.getLogger(__name__)

LIST = "affinity_list_opportunities"
GET = "affinity_get_opportunity"
CREATE = "affinity_create_opportunity"
UPDATE = "affinity_update_opportunity"
ASSOCIATION_FIELDS = ("persons", "companies")


def list_opportunities(client: AffinityClient, inp: dict[str, Any]) -> ListOpportunitiesResult:
    """One V2 list-entries request per page: the entries' fields carry their names and types,
    so the list's definition is read only when its name is not known already (``deal_list``);
    through V1 (deals_v1, with the definition) for a key that may not export list data."""
    meta = deal_list(client, inp["list_id"], LIST)
    v2_path, v1_path = f"/v2/lists/{meta.id}/list-entries", f"/lists/{meta.id}/list-entries"
    token = inp.get("page_token")
    if token:  # a page continues through the API version that served the first one
        try:
            cursor = decode_page_token(token, LIST, inp, path=v2_path)
        except ToolInputError:
            return _list_v1(client, meta, inp, decode_page_token(token, LIST, inp, path=v1_path))
        return _list_v2(client, meta, inp, cursor)
    return v2_or_fallback(
        client,
        LIST_EXPORT,
        lambda: _list_v2(client, meta, inp, None),
        lambda: _list_v1(client, meta, inp, None),
    )


def _list_v2(
    client: AffinityClient, meta: ListMeta, inp: dict[str, Any], cursor: PageCursor | None
) -> ListOpportunitiesResult:
    page = client.page(
        f"/v2/lists/{meta.id}/list-entries",
        {"limit": inp["page_size"], "fieldTypes": ["list"]},
        cursor=cursor,
        resource=f"list {meta.id}",
    )
    meta = with_roles(meta, page.items)
    return {
        "list": meta.ref,
        "opportunities": [deal_from_v2_entry(e, meta) for e in page.items],
        "next_page_token": encode_page_token(page.next, LIST, inp),
    }


def _list_v1(
    client: AffinityClient, meta: ListMeta, inp: dict[str, Any], cursor: PageCursor | None
) -> ListOpportunitiesResult:
    """V1 list entries, then each deal's associations and field values (two requests a deal,
    so at most V1_PAGE deals a page); V1 values are read by the list's definition."""
    meta = opportunity_list(client, meta.id, LIST)
    page = client.page(
        f"/lists/{meta.id}/list-entries",
        {"page_size": min(inp["page_size"], V1_PAGE)},
        items_key="list_entries",
        cursor=cursor,
        resource=f"list {meta.id}",
    )
    rows = [
        (
            client.get(
                f"/opportunities/{e['entity_id']}", resource=f"opportunity {e['entity_id']}"
            ),
            e,
            entry_values(client, e["id"]),
        )
        for e in page.items
    ]
    return {
        "list": meta.ref,
        "opportunities": deals_from_v1(client, meta, rows),
        "next_page_token": encode_page_token(page.next, LIST, inp),
    }


def get_opportunity(client: AffinityClient, inp: dict[str, Any]) -> Deal:
    return read_deal(client, inp["opportunity_id"], with_fields=True)


def visible_opportunity(client: AffinityClient, opp_id: int) -> dict[str, Any]:
    """V1 opportunity with its list entry; PermissionDeniedError when its list is not shared
    with the key's user (a 403, or no list entry: every deal has exactly one)."""
    try:
        opp = client.get(f"/opportunities/{opp_id}", resource=f"opportunity {opp_id}")
    except PermissionDeniedError as exc:
        raise deal_list_denied([opp_id], cause=exc) from None
    if not opp.get("list_entries"):
        raise deal_list_denied([opp_id])
    return cast(dict[str, Any], opp)


def read_deal(
    client: AffinityClient,
    opp_id: int,
    *,
    with_fields: bool = False,
    v1: dict[str, Any] | None = None,
) -> Deal:
    """V1 opportunity (associations, list entry) + V2 list entry (every list field), or the
    entry's V1 field values for a key that may not export list data."""
    opp = v1 if v1 and v1.get("list_entries") else visible_opportunity(client, opp_id)
    entry_ref = opp["list_entries"][0]
    list_id = entry_ref["list_id"]

    def through_v2() -> Deal:
        known = deal_list(client, list_id, GET)  # its name; the fields come with the entry
        entry = client.get(
            f"/v2/lists/{list_id}/list-entries/{entry_ref['id']}",
            {"fieldTypes": ["list"]},
            resource=f"opportunity {opp_id}",
        )
        meta = with_roles(known, [entry])
        deal = deal_from_v2_entry(entry, meta)
        deal["name"] = opp.get("name") or deal["name"]
        _complete_associations(client, deal, opp)
        if with_fields:
            deal["fields"] = _fields(entry, meta)
        return deal

    def through_v1() -> Deal:
        meta = list_meta(client, list_id)
        values = entry_values(client, entry_ref["id"])
        return deals_from_v1(client, meta, [(opp, entry_ref, values)], with_fields=with_fields)[0]

    return v2_or_fallback(client, LIST_EXPORT, through_v2, through_v1)


def _complete_associations(client: AffinityClient, deal: Deal, opp: dict[str, Any]) -> None:
    """V2 cuts nested associations at 100 and V1 has the full id lists: fill any gap."""
    refs_of = cast(dict[str, Any], deal)  # "people" and "organizations", both lists of refs
    for key, ids_key, refs in (
        ("people", "person_ids", person_refs),
        ("organizations", "organization_ids", org_refs),
    ):
        ids = opp.get(ids_key)
        if ids is None:
            continue
        have = {r["id"]: r for r in refs_of[key]}
        missing = [i for i in ids if i not in have]
        extra = refs(client, missing) if missing else []
        have.update({r["id"]: r for r in extra})
        refs_of[key] = [have[i] for i in ids if i in have]


def _fields(entry: dict[str, Any], meta: ListMeta) -> list[DealField]:
    out: list[DealField] = []
    for field in (entry.get("entity") or {}).get("fields") or []:
        if field.get("id") in ASSOCIATION_FIELDS:
            continue
        value_type, data = field_value_data(field)
        value = render_value(value_type, data)
        if value is None:
            continue
        if (value_type or "").startswith("datetime"):
            value = ", ".join(calendar_date(v) for v in value.split(", "))
        raw_id = str(field.get("id"))
        field_id: int | str = (
            int(raw_id[6:]) if raw_id.startswith("field-") and raw_id[6:].isdigit() else raw_id
        )
        name = field.get("name") or (
            meta.field_names.get(field_id, raw_id) if isinstance(field_id, int) else raw_id
        )
        out.append({"id": field_id, "name": name, "value": value})
    return out


def create_opportunity(client: AffinityClient, inp: dict[str, Any]) -> Deal:
    owner_id = inp.get("owner_id")
    if owner_id is None:  # the list's name and type are all that is needed
        meta = deal_list(client, inp["list_id"], CREATE)
    else:  # and its Owners field, checked with the owner before anything is written
        meta = opportunity_list(client, inp["list_id"], CREATE)
        _check_owner(client, meta, owner_id)
    body = {
        "name": inp["name"].strip(),
        "list_id": meta.id,
        "person_ids": inp.get("person_ids") or [],
        "organization_ids": inp.get("organization_ids") or [],
    }
    opp = client.post(
        "/opportunities",
        body,
        resource=f"list {meta.id}",
        operation=f"create opportunity on list {meta.id}",
    )
    client.forget(("lists",))
    # From here the deal exists: nothing below may fail the tool (a failure would invite a
    # retry and a duplicate deal). V2 may not see it yet (§7.4), so its reads and writes
    # are retried for a few seconds, and what still failed is said in the result.
    owner_problem = None
    if owner_id is not None:
        try:
            entries = opp.get("list_entries") or []
            if not entries:
                opp = client.get(f"/opportunities/{opp['id']}")
                entries = opp.get("list_entries") or []
            entry_id: int = entries[0]["id"]
            client.settle(lambda: _set_owners(client, meta, opp["id"], entry_id, [owner_id]))
        except (AffinityError, IndexError) as exc:
            owner_problem = (
                f"The opportunity was created, but its owner (person {owner_id}) "
                f"could not be set: {exc}. Set the owner in Affinity; do not "
                "create the opportunity again."
            )
    deal = _created_deal(client, opp)
    if owner_problem:
        deal["owner_not_set"] = owner_problem
    return deal


def _created_deal(client: AffinityClient, opp: dict[str, Any]) -> Deal:
    """The new deal as read back through V2, or, if V2 still cannot see it (or the read
    failed), what V1's create answered, saying so."""
    try:
        return client.settle(lambda: read_deal(client, opp["id"], v1=opp))
    except AffinityError as exc:
        log.warning("created opportunity %s not readable yet: %s", opp["id"], type(exc).__name__)
    meta_ref = {"id": opp.get("list_id")}
    return cast(
        Deal,
        {
            "id": opp["id"],
            "name": opp.get("name"),
            "list": meta_ref,
            "list_entry_id": ((opp.get("list_entries") or [{}])[0]).get("id"),
            "stage": None,
            "value": None,
            "currency": None,
            "owners": [],
            "people": [{"id": i} for i in opp.get("person_ids") or []],
            "organizations": [{"id": i} for i in opp.get("organization_ids") or []],
            "created_at": opp.get("created_at"),
            "read_back": (
                "Created in Affinity; its details could not be read back yet "
                "(Affinity is still processing the new deal). Do not create it again."
            ),
        },
    )


def _check_owner(client: AffinityClient, meta: ListMeta, owner_id: int) -> None:
    if meta.owners_field is None:
        raise ToolInputError(
            f"List {meta.id} ('{meta.name}') has no Owners field; omit owner_id.",
            field="owner_id",
            tool=CREATE,
        )
    owner = persons_by_id(client, [owner_id]).get(owner_id)
    if owner is None:
        raise ToolInputError(
            f"owner_id {owner_id} is not a known Affinity person.", field="owner_id", tool=CREATE
        )
    if owner.get("type") not in ("internal", 1):
        raise ToolInputError(
            f"owner_id {owner_id} is an external contact; an owner must be a "
            "colleague (internal user).",
            field="owner_id",
            tool=CREATE,
        )


def _set_owners(
    client: AffinityClient, meta: ListMeta, opp_id: int, entry_id: int, owner_ids: list[int]
) -> None:
    """Set the Owners field with V2's idempotent single-field write (safe to retry), or with
    one V1 field value per owner for a key that may not export list data."""
    data: Any = [{"id": i} for i in owner_ids] if meta.owners_multiple else {"id": owner_ids[0]}
    value_type = "person-multi" if meta.owners_multiple else "person"

    def through_v2() -> None:
        client.post(
            f"/v2/lists/{meta.id}/list-entries/{entry_id}/fields/{v2_field_id(meta.owners_field)}",
            {"value": {"type": value_type, "data": data}},
            idempotent=True,
            resource=f"list {meta.id}",
            operation="set opportunity owners",
        )

    def through_v1() -> None:
        for owner_id in owner_ids if meta.owners_multiple else owner_ids[:1]:
            client.post(
                "/field-values",
                {
                    "field_id": meta.owners_field,
                    "entity_id": opp_id,
                    "list_entry_id": entry_id,
                    "value": owner_id,
                },
                resource=f"list {meta.id}",
                operation="set opportunity owners",
            )

    v2_or_fallback(client, LIST_EXPORT, through_v2, through_v1)


def update_opportunity(client: AffinityClient, inp: dict[str, Any]) -> UpdatedDeal:
    """Read, merge, then PUT only what changes: V1 PUT replaces association arrays, so the
    existing people and organizations are always sent back."""
    opp_id = inp["opportunity_id"]
    _check_update_input(inp)
    opp = visible_opportunity(client, opp_id)  # never write to a deal the user cannot see
    body, unchanged = _update_body(opp, inp)
    if body:
        try:
            opp = client.put(
                f"/opportunities/{opp_id}",
                body,
                idempotent=True,
                resource=f"opportunity {opp_id}",
                operation=f"update opportunity {opp_id}",
            )
        except PermissionDeniedError as exc:
            raise deal_list_denied([opp_id], cause=exc) from None
    deal = (
        client.settle(lambda: read_deal(client, opp_id, v1=opp))
        if body
        else read_deal(client, opp_id, v1=opp)
    )  # after a V1 write V2 may lag (§7.4)
    return {**deal, "changed": bool(body), "unchanged": unchanged}


def _update_body(opp: dict[str, Any], inp: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """The PUT body (only what changes) and what was asked but already so.

    `unchanged` names the requests that changed nothing, so that "add" of someone already on
    the deal or "remove" of someone never on it is reported instead of passing silently.
    """
    body: dict[str, Any] = {}
    unchanged: dict[str, Any] = {}
    name = (inp.get("name") or "").strip()
    if name and name != opp.get("name"):
        body["name"] = name
    elif name:
        unchanged["name"] = name
    for ids_key, add_key, remove_key in (
        ("person_ids", "add_person_ids", "remove_person_ids"),
        ("organization_ids", "add_organization_ids", "remove_organization_ids"),
    ):
        current = list(opp.get(ids_key) or [])
        already = [i for i in inp.get(add_key) or [] if i in current]
        absent = [i for i in inp.get(remove_key) or [] if i not in current]
        unchanged.update({k: v for k, v in ((add_key, already), (remove_key, absent)) if v})
        merged = [i for i in current if i not in set(inp.get(remove_key) or [])]
        merged += [i for i in inp.get(add_key) or [] if i not in merged]
        if merged != current:
            body[ids_key] = merged
    return body, unchanged


def _check_update_input(inp: dict[str, Any]) -> None:
    keys = (
        "name",
        "add_person_ids",
        "remove_person_ids",
        "add_organization_ids",
        "remove_organization_ids",
    )
    if not any(inp.get(k) for k in keys):
        raise ToolInputError(
            "Nothing to change: give name or ids to add or remove.", field="name", tool=UPDATE
        )
    if "name" in inp and not inp["name"].strip():
        raise ToolInputError("name must not be blank.", field="name", tool=UPDATE)
    for kind in ("person", "organization"):
        both = set(inp.get(f"add_{kind}_ids") or []) & set(inp.get(f"remove_{kind}_ids") or [])
        if both:
            raise ToolInputError(
                f"Id {min(both)} is both added and removed.",
                field=f"remove_{kind}_ids",
                tool=UPDATE,
            )


_NAME = {
    "type": "string",
    "minLength": 1,
    "maxLength": 500,
    "pattern": r"\S",
    "description": "Deal name, e.g. 'Acme - Series A'.",
}

TOOLS = [
    Tool(
        name=LIST,
        description=(
            "Deals on one opportunity (pipeline) list, 25 per page by default (max 100), each "
            "with stage (Status), value, currency, owners, people, organizations and when it was "
            "added, plus a next_page_token. list_id is required: get it from affinity_list_lists "
            "(type opportunity). No filters: page through and pick. A result shown in part has a "
            "cut.continue_with call that gives the rest of the page."
        ),
        input_schema=obj(
            {
                "list_id": id_prop("Id of an opportunity list."),
                "page_size": page_size(100, 25),
                "page_token": PAGE_TOKEN,
                "skip": SKIP,
            },
            required=["list_id"],
        ),
        writes=False,
        function=list_opportunities,
        page_items="opportunities",
    ),
    Tool(
        name=GET,
        description=(
            "One deal by opportunity_id (from affinity_list_opportunities): its list, stage, "
            "value, owners, people, organizations, and every custom field that has a value, by "
            "field name."
        ),
        input_schema=obj(
            {"opportunity_id": id_prop("Affinity opportunity id.")}, required=["opportunity_id"]
        ),
        writes=False,
        function=get_opportunity,
    ),
    Tool(
        name=CREATE,
        description=(
            "Create a deal on an opportunity list (list_id from affinity_list_lists, type "
            "opportunity) with a name, optionally linking people (person_ids) and organizations "
            "(organization_ids) and setting an owner (owner_id: a colleague's person id). "
            "Returns the deal as saved."
        ),
        input_schema=obj(
            {
                "list_id": id_prop("Id of an opportunity list."),
                "name": _NAME,
                "person_ids": id_list("People to link (from affinity_search_persons)."),
                "organization_ids": id_list(
                    "Organizations to link (from affinity_search_organizations)."
                ),
                "owner_id": id_prop("Person id of the colleague who owns the deal."),
            },
            required=["list_id", "name"],
        ),
        writes=True,
        function=create_opportunity,
    ),
    Tool(
        name=UPDATE,
        description=(
            "Rename a deal and/or add or remove linked people and organizations, keeping every "
            "other existing link. opportunity_id from affinity_list_opportunities; give at least "
            "one change. Does not change stage or owners. Returns the deal after the update."
        ),
        input_schema=obj(
            {
                "opportunity_id": id_prop("Affinity opportunity id."),
                "name": _NAME,
                "add_person_ids": id_list("People to link."),
                "remove_person_ids": id_list("People to unlink."),
                "add_organization_ids": id_list("Organizations to link."),
                "remove_organization_ids": id_list("Organizations to unlink."),
            },
            required=["opportunity_id"],
        ),
        writes=True,
        function=update_opportunity,
    ),
]
