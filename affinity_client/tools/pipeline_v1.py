"""A list's entries read through V1, for a key whose user may not "Export data from Lists".

``affinity_search_list_entries`` filters, sorts and totals V2 list entries. V1 serves the same
data to any user who can see the list, in more requests: the list's entries in one request
(``GET /lists/{id}/list-entries``, a page of up to 500, V1's largest), each entry's field
values (``GET /field-values?list_entry_id=``, one request an entry) and, on a deal list, the
deals' people and organizations (``GET /opportunities``, 500 a request). This module turns
them into the V2 shape the search reads, so that one filter, sort and total serves both.

Names of the people and organizations a value points at are read only where the answer needs
them: for the fields a filter or the sort looks at (all entries), and for the entries on the
page shown (``name_records``); a text filter matches the deals' people and organizations by
the ids Affinity's own search finds for the text (``found_by_text``).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from .common import ListMeta, companies_by_id, persons_by_id
from .deals_v1 import _utc, entry_values
from .fields import FieldSpec, field_specs

if TYPE_CHECKING:
    from ..client import AffinityClient

V1_MAX_ENTRIES = 500
"""Entries searched through V1 (one field-values request each; one page of list entries, so at
most 500, V1's largest page): a longer list is searched in its first 500, and the answer says so."""

_KINDS = {0: "person", 1: "company", 8: "opportunity"}
ASSOCIATIONS = {"persons": "person", "companies": "organization"}
"""V2 association fields of a deal and the kind of record each holds."""


def read_entries_v1(client: AffinityClient, meta: ListMeta) -> tuple[list[dict[str, Any]], bool]:
    """The list's entries (at most V1_MAX_ENTRIES; the flag says the list had more) as V2
    ``ListEntryWithEntity``s whose person and company values carry ids only
    (``name_records`` adds the names)."""
    first = client.page(
        f"/lists/{meta.id}/list-entries",
        {"page_size": V1_MAX_ENTRIES},
        items_key="list_entries",
        resource=f"list {meta.id}",
    )
    raw = first.items[:V1_MAX_ENTRIES]
    specs = {s.id: s for s in field_specs(meta)}
    links = _deal_links(client, meta) if meta.type == "opportunity" else {}
    entries = []
    for entry in raw:
        values = entry_values(client, entry["id"])
        fields = _fields(specs, entry, values)
        if meta.type == "opportunity":
            persons, companies = links.get(entry["entity_id"], ([], []))
            fields += [_ref_field("persons", "person-multi", persons)]
            fields += [_ref_field("companies", "company-multi", companies)]
        entries.append(
            {
                "id": entry["id"],
                "listId": meta.id,
                "type": _KINDS.get(entry.get("entity_type"), "opportunity"),
                "createdAt": _utc(entry.get("created_at")),
                "entity": {**_entity(entry.get("entity") or {}), "fields": fields},
            }
        )
    return entries, first.next is not None or len(first.items) > len(raw)


def _deal_links(client: AffinityClient, meta: ListMeta) -> dict[int, tuple[list[int], list[int]]]:
    """{deal id: (person ids, organization ids)} of the deals on this list, from V1
    ``GET /opportunities`` (every deal the user can see, 500 a request)."""
    links: dict[int, tuple[list[int], list[int]]] = {}
    for opp in client.iter_items(
        "/opportunities", {"page_size": 500}, items_key="opportunities", resource="opportunities"
    ):
        if any(e.get("list_id") == meta.id for e in opp.get("list_entries") or []):
            links[opp["id"]] = (opp.get("person_ids") or [], opp.get("organization_ids") or [])
    return links


def _entity(entity: dict[str, Any]) -> dict[str, Any]:
    """A V1 list entry's entity (person, organization or deal) with V2's key names."""
    out: dict[str, Any] = {"id": entity.get("id"), "name": entity.get("name")}
    if "first_name" in entity or "last_name" in entity:
        out.update(
            firstName=entity.get("first_name"),
            lastName=entity.get("last_name"),
            primaryEmailAddress=entity.get("primary_email"),
        )
    if "domain" in entity:
        out["domain"] = entity.get("domain")
    return out


def _fields(
    specs: dict[int, FieldSpec], entry: dict[str, Any], values: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    by_field: dict[int, list[Any]] = {}
    for v in values:
        if v.get("list_entry_id") in (None, entry["id"]) and v.get("value") is not None:
            by_field.setdefault(v["field_id"], []).append(v["value"])
    fields = []
    for field_id, raws in by_field.items():
        spec = specs.get(field_id)
        if spec is None:  # a global field: the search reads list fields only
            continue
        data = [_item(spec, raw) for raw in raws]
        fields.append(
            {
                "id": spec.v2_id,
                "name": spec.name,
                "type": "list",
                "value": {"type": spec.v2_type, "data": data if spec.multiple else data[-1]},
            }
        )
    return fields


def _item(spec: FieldSpec, raw: Any) -> Any:
    """One V1 value as V2 writes it."""
    if spec.type in ("person", "organization") and isinstance(raw, int):
        return {"id": raw}
    if spec.is_dropdown:
        if isinstance(raw, dict):
            option = {"dropdownOptionId": raw.get("id"), "text": raw.get("text")}
            if spec.type == "ranked-dropdown":
                option.update(rank=raw.get("rank"), color=raw.get("color"))
            return option
        known = next((o for o in spec.options if o.get("text") == raw), {})
        return {"dropdownOptionId": known.get("id"), "text": raw, "rank": known.get("rank")}
    if spec.type == "location" and isinstance(raw, dict):
        return {
            "streetAddress": raw.get("street_address"),
            "city": raw.get("city"),
            "state": raw.get("state"),
            "country": raw.get("country"),
            "continent": raw.get("continent"),
        }
    return raw


def _ref_field(field_id: str, value_type: str, ids: list[int]) -> dict[str, Any]:
    data = [{"id": i} for i in ids]
    return {
        "id": field_id,
        "name": field_id,
        "type": "list",
        "value": {"type": value_type, "data": data or None},
    }


def found_by_text(client: AffinityClient, text: str) -> tuple[set[int], set[int]]:
    """Ids of the people and of the organizations Affinity finds for ``text`` (V1 term
    searches, the first 500 of each): a text filter over deals' people and organizations
    without reading every one of their names (one by one, for a key without the directory
    exports)."""
    people = client.page("/persons", {"term": text, "page_size": 500}, items_key="persons")
    orgs = client.page(
        "/organizations", {"term": text, "page_size": 500}, items_key="organizations"
    )
    return {p["id"] for p in people.items}, {o["id"] for o in orgs.items}


def name_records(
    client: AffinityClient,
    entries: Iterable[dict[str, Any]],
    specs: Iterable[FieldSpec],
    associations: bool,
) -> None:
    """Give the person and organization values of ``specs`` (and the deals' people and
    organizations when ``associations``) on ``entries`` their names, in place: one batch
    read per kind (V1 reads one by one, capped, for a key without the directory exports)."""
    kinds = {s.v2_id: s.type for s in specs if s.type in ("person", "organization")}
    if associations:
        kinds.update(ASSOCIATIONS)
    refs: list[tuple[str, dict[str, Any]]] = []
    for entry in entries:
        for field in (entry.get("entity") or {}).get("fields") or []:
            kind = kinds.get(field.get("id"))
            data = (field.get("value") or {}).get("data")
            if kind is None or data is None:
                continue
            for item in data if isinstance(data, list) else [data]:
                if isinstance(item, dict) and "id" in item and len(item) == 1:
                    refs.append((kind, item))
    people = persons_by_id(client, [i["id"] for k, i in refs if k == "person"])
    orgs = companies_by_id(client, [i["id"] for k, i in refs if k == "organization"])
    for kind, item in refs:
        if kind == "person" and item["id"] in people:
            record = people[item["id"]]
            item.update(
                firstName=record.get("first_name", record.get("firstName")),
                lastName=record.get("last_name", record.get("lastName")),
                primaryEmailAddress=record.get("primary_email", record.get("primaryEmailAddress")),
            )
        elif kind == "organization" and item["id"] in orgs:
            record = orgs[item["id"]]
            item.update(name=record.get("name"), domain=record.get("domain"))
