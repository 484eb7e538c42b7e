"""Deals read through V1, for a key whose user may not "Export data from Lists".

V2 list entries carry a deal's stage, value, owners and associations in one read, but need
that permission (reference/affinity-api.md §4.6); V1 serves the same data to any user who can
see the list: the opportunity (``GET /opportunities/{id}``: name, people, organizations, its
list entry) and the list entry's field values (``GET /field-values?list_entry_id=``). That is
two requests a deal instead of one request a page, so a V1 page holds at most V1_PAGE deals.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, cast

from ..normalize import render_value, stage_from_value
from .common import ListMeta, calendar_date, org_refs, person_refs
from .results import Deal, DealField, OrgRef, PersonRef, UserRef

if TYPE_CHECKING:
    from ..client import AffinityClient

V1_PAGE = 10
"""Deals per page read through V1 (each costs two requests)."""

# V1 value_type codes (reference/affinity-api.md §4.8).
PERSON, ORGANIZATION, DROPDOWN, NUMBER, DATE, LOCATION, TEXT, RANKED = 0, 1, 2, 3, 4, 5, 6, 7


def entry_values(client: AffinityClient, entry_id: int) -> list[dict[str, Any]]:
    """The list entry's field values (V1 answers every value of a multi-value field apart)."""
    return cast(list[dict[str, Any]], client.get("/field-values", {"list_entry_id": entry_id}))


def deals_from_v1(
    client: AffinityClient,
    meta: ListMeta,
    rows: list[tuple[dict[str, Any], dict[str, Any], list[dict[str, Any]]]],
    *,
    with_fields: bool = False,
) -> list[Deal]:
    """``Deal``s from (V1 opportunity, its V1 list entry, the entry's field values), with the
    names of everyone and everything they refer to read in one batch per kind."""
    person_ids: list[int] = []
    org_ids: list[int] = []
    types = meta.field_types
    for opp, _, values in rows:
        person_ids += opp.get("person_ids") or []
        org_ids += opp.get("organization_ids") or []
        for v in values:
            kind = types.get(v["field_id"])
            if kind == PERSON and isinstance(v.get("value"), int):
                person_ids.append(v["value"])
            elif kind == ORGANIZATION and isinstance(v.get("value"), int):
                org_ids.append(v["value"])
    people = {r["id"]: r for r in person_refs(client, person_ids)}
    orgs = {r["id"]: r for r in org_refs(client, org_ids)}
    return [
        _deal(meta, opp, entry, values, people, orgs, with_fields) for opp, entry, values in rows
    ]


def _deal(
    meta: ListMeta,
    opp: dict[str, Any],
    entry: dict[str, Any],
    values: list[dict[str, Any]],
    people: dict[int, PersonRef],
    orgs: dict[int, OrgRef],
    with_fields: bool,
) -> Deal:
    by_field: dict[int, list[Any]] = {}
    for v in values:
        if v.get("list_entry_id") in (None, entry.get("id")):
            by_field.setdefault(v["field_id"], []).append(v.get("value"))

    def single(field_id: int | None) -> Any:
        """A single-valued field's value: the latest, as V2 shows it."""
        found = by_field.get(field_id) if field_id is not None else None
        return found[-1] if found else None

    amount = single(meta.amount_field)
    currency = single(meta.currency_field)
    owner_ids = by_field.get(meta.owners_field) or [] if meta.owners_field else []
    deal: Deal = {
        "id": opp["id"],
        "name": opp.get("name"),
        "list": meta.ref,
        "list_entry_id": entry.get("id"),
        "stage": stage_from_value(single(meta.status_field)),
        "value": amount if isinstance(amount, int | float) else None,
        "currency": currency.get("text") if isinstance(currency, dict) else currency,
        "owners": [_owner(people.get(i), i) for i in owner_ids if isinstance(i, int)],
        "people": [people.get(i) or _no_person(i) for i in opp.get("person_ids") or []],
        "organizations": [
            orgs.get(i) or {"id": i, "name": None, "domain": None}
            for i in opp.get("organization_ids") or []
        ],
        "created_at": _utc(entry.get("created_at")),
    }
    if with_fields:
        deal["fields"] = _fields(meta, by_field, people, orgs)
    return deal


def _utc(value: str | None) -> str | None:
    """V1's local time with offset (``…-08:00``) as V2 writes it (``…Z``, whole seconds), so a
    deal's ``created_at`` reads the same whichever API served it."""
    if not value:
        return value
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return value
    if moment.tzinfo is None:
        return value
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _owner(ref: PersonRef | None, person_id: int) -> UserRef:
    return {"id": person_id, "name": ref["name"] if ref else None}


def _no_person(person_id: int) -> PersonRef:
    return {"id": person_id, "name": None, "primary_email": None}


def _fields(
    meta: ListMeta,
    by_field: dict[int, list[Any]],
    people: dict[int, PersonRef],
    orgs: dict[int, OrgRef],
) -> list[DealField]:
    out: list[DealField] = []
    types = meta.field_types
    multiple = {f["id"] for f in meta.fields if f.get("allows_multiple")}
    for field_id, raws in by_field.items():
        kind = types.get(field_id)
        shown = raws if field_id in multiple else raws[-1:]  # a single value: the latest
        texts = [_text(kind, raw, people, orgs) for raw in shown]
        if kind == DATE:
            texts = [calendar_date(t) if t else t for t in texts]
        value = ", ".join(t for t in texts if t)
        if value:
            name = meta.field_names.get(field_id, f"field-{field_id}")
            out.append({"id": field_id, "name": name, "value": value})
    return out


def _text(
    kind: int | None, raw: Any, people: dict[int, PersonRef], orgs: dict[int, OrgRef]
) -> str | None:
    if raw is None:
        return None
    if kind == PERSON and isinstance(raw, int):
        person = people.get(raw)
        return (person["name"] if person else None) or f"person {raw}"
    if kind == ORGANIZATION and isinstance(raw, int):
        org = orgs.get(raw)
        return (org["name"] if org else None) or f"organization {raw}"
    if isinstance(raw, dict) and kind == LOCATION:
        parts = [raw.get(k) for k in ("street_address", "city", "state", "country")]
        return ", ".join(p for p in parts if p) or None
    return render_value(None, raw)
