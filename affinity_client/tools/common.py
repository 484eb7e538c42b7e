"""Lookups shared by several tools, each one request per batch (never one per row)."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from typing import TYPE_CHECKING, Any, cast
from zoneinfo import ZoneInfo

from ..capabilities import ORGANIZATIONS_DIRECTORY, PEOPLE_DIRECTORY, v2_or_fallback
from ..errors import NotFoundError, PermissionDeniedError, ToolInputError
from ..normalize import (
    field_value_data,
    list_type,
    org_ref,
    person_ref,
    stage_from_value,
    user_ref,
)
from .results import Deal, ListMembership, ListRef, OrgRef, PersonRef, UserRef

if TYPE_CHECKING:
    from ..client import AffinityClient

BATCH = 100  # V2 `ids` batches and page limits max out at 100
METADATA_TTL = 60.0  # seconds a list definition is reused within one client
FALLBACK_LIMIT = 25  # one-by-one V1 lookups allowed when the V2 directory export is denied


def _chunks(ids: list[int], size: int = BATCH) -> Iterable[list[int]]:
    for start in range(0, len(ids), size):
        yield ids[start : start + size]


def _unique(ids: Iterable[int]) -> list[int]:
    return list(dict.fromkeys(i for i in ids if i is not None))


def persons_by_id(client: AffinityClient, ids: Iterable[int]) -> dict[int, dict[str, Any]]:
    """V2 persons by id, one ``GET /v2/persons?ids=…`` per 100 ids."""
    return _batch(client, ids, "/v2/persons", "/persons/{}", PEOPLE_DIRECTORY)


def companies_by_id(client: AffinityClient, ids: Iterable[int]) -> dict[int, dict[str, Any]]:
    """V2 companies by id, one ``GET /v2/companies?ids=…`` per 100 ids."""
    return _batch(client, ids, "/v2/companies", "/organizations/{}", ORGANIZATIONS_DIRECTORY)


def _batch(
    client: AffinityClient, ids: Iterable[int], v2_path: str, v1_path: str, capability: str
) -> dict[int, dict[str, Any]]:
    """V2 batches; for a key without the directory export permission, single V1 reads of the
    first FALLBACK_LIMIT ids."""
    wanted = _unique(ids)
    if not wanted:
        return {}

    def v2() -> dict[int, dict[str, Any]]:
        found: dict[int, dict[str, Any]] = {}
        for chunk in _chunks(wanted):
            body = client.get(v2_path, {"ids": chunk, "limit": BATCH})
            for record in body.get("data") or []:
                found[record["id"]] = record
        return found

    def v1() -> dict[int, dict[str, Any]]:
        found: dict[int, dict[str, Any]] = {}
        for entity_id in wanted[:FALLBACK_LIMIT]:
            try:
                found[entity_id] = client.get(v1_path.format(entity_id))
            except (NotFoundError, PermissionDeniedError):
                continue
        return found

    return v2_or_fallback(client, capability, v2, v1)


def person_refs(client: AffinityClient, ids: Iterable[int]) -> list[PersonRef]:
    wanted = _unique(ids)
    found = persons_by_id(client, wanted)
    return [
        person_ref(found[i]) if i in found else {"id": i, "name": None, "primary_email": None}
        for i in wanted
    ]


def org_refs(client: AffinityClient, ids: Iterable[int]) -> list[OrgRef]:
    wanted = _unique(ids)
    found = companies_by_id(client, wanted)
    return [
        org_ref(found[i]) if i in found else {"id": i, "name": None, "domain": None} for i in wanted
    ]


def name_of(ref: UserRef | None) -> str | None:
    return ref["name"] if ref else None


def user_refs(client: AffinityClient, ids: Iterable[int]) -> dict[int, UserRef | None]:
    found = persons_by_id(client, ids)
    return {i: user_ref(p) for i, p in found.items()}


def all_lists(client: AffinityClient) -> dict[int, dict[str, Any]]:
    """V1 ``GET /lists`` (one request, cached briefly on the client), by id."""

    def load() -> dict[int, dict[str, Any]]:
        return {item["id"]: item for item in client.get("/lists") or []}

    return client.memo(("lists",), METADATA_TTL, load)


KNOWN_LISTS_TTL = 3600.0  # seconds the lists a caller vouches for (the user's cache) are used
_KNOWN = ("known lists",)
_TYPE_NAMES = ("person", "organization", "opportunity")


def know_lists(client: AffinityClient, lists: Iterable[Mapping[str, Any]]) -> None:
    """Tell ``client`` the user's lists as the caller already holds them (``id``, ``name``,
    ``type``; e.g. cached when the key was connected), so that tools which only need a list's
    name and type do not read them again."""
    client.remember(
        _KNOWN,
        {int(item["id"]): {"name": item.get("name"), "type": item.get("type")} for item in lists},
    )


def _type_name(raw: Any) -> str | None:
    if isinstance(raw, str) and raw in _TYPE_NAMES:
        return raw
    if isinstance(raw, str) and raw.isdigit():
        raw = int(raw)
    return list_type(raw)


def known_list(client: AffinityClient, list_id: int) -> tuple[str, str | None] | None:
    """A list's (name, type) without a request: from a fresh definition or ``GET /lists`` read
    on this client, or from the lists the caller vouched for (:func:`know_lists`); None when
    none of them has it."""
    meta = client.peek(("list", list_id), METADATA_TTL)
    if meta is not None:
        return meta.name, meta.type
    for key, ttl in ((("lists",), METADATA_TTL), (_KNOWN, KNOWN_LISTS_TTL)):
        item = (client.peek(key, ttl) or {}).get(list_id)
        if item is not None and item.get("name") is not None:
            return str(item["name"]), _type_name(item.get("type"))
    return None


def list_names(client: AffinityClient, ids: Iterable[int | None]) -> dict[int, str | None]:
    """Lists' names: without a request when every one is known (:func:`known_list`), else from
    one ``GET /lists`` (:func:`all_lists`)."""
    wanted = _unique(i for i in ids if i is not None)
    known = {i: known_list(client, i) for i in wanted}
    if all(k is not None for k in known.values()):
        return {i: k[0] for i, k in known.items() if k is not None}
    lists = all_lists(client)
    return {i: (lists.get(i) or {}).get("name") for i in wanted}


def list_memberships(client: AffinityClient, entries: list[dict[str, Any]]) -> list[ListMembership]:
    if not entries:
        return []
    names = list_names(client, [e["list_id"] for e in entries])
    return [
        {"list_id": e["list_id"], "list_name": names.get(e["list_id"]), "list_entry_id": e["id"]}
        for e in entries
    ]


# ---- list definitions and deals ---------------------------------------------------------------

_AMOUNT = re.compile(r"amount|deal size|deal value|value|investment|check size|round size", re.I)
_OWNERS = re.compile(r"^(deal )?owners?$", re.I)


@dataclass(frozen=True)
class ListMeta:
    """A list's definition from V1 ``GET /lists/{id}``, with its key deal fields found."""

    id: int
    name: str
    type: str | None
    status_field: int | None
    owners_field: int | None
    owners_multiple: bool
    amount_field: int | None
    currency_field: int | None
    field_names: dict[int, str]
    fields: tuple[dict[str, Any], ...] = ()
    """The list's field definitions as V1 gives them (types, dropdown options)."""

    @property
    def field_types(self) -> dict[int, int | None]:
        """V1 ``value_type`` of each list field (what a V1 field value holds)."""
        return {f["id"]: f.get("value_type") for f in self.fields}

    @property
    def ref(self) -> ListRef:
        return {"id": self.id, "name": self.name}


def list_meta(client: AffinityClient, list_id: int) -> ListMeta:
    def load() -> ListMeta:
        return _parse_list(client.get(f"/lists/{list_id}", resource=f"list {list_id}"))

    return client.memo(("list", list_id), METADATA_TTL, load)


@dataclass(frozen=True)
class _FieldShape:
    """What the deal roles are found from, whichever API described the field."""

    id: int
    name: str
    kind: str  # "ranked", "person", "number" or "other"
    multiple: bool


_V1_KINDS = {7: "ranked", 0: "person", 3: "number"}
_V2_KINDS = {
    "ranked-dropdown": "ranked",
    "person": "person",
    "person-multi": "person",
    "number": "number",
}


def _roles(shapes: list[_FieldShape]) -> dict[str, Any]:
    """Stage (the ranked dropdown named Status or Stage, else the first), Owners (a person
    field so named), amount (a number field with a money-like name) and currency (by name)."""
    ranked = [f for f in shapes if f.kind == "ranked"]
    status = next((f for f in ranked if f.name.lower() in ("status", "stage")), None)
    status = status or (ranked[0] if ranked else None)
    owners = next((f for f in shapes if f.kind == "person" and _OWNERS.match(f.name.strip())), None)
    amount = next((f for f in shapes if f.kind == "number" and _AMOUNT.search(f.name)), None)
    currency = next((f for f in shapes if f.name.strip().lower() == "currency"), None)
    return {
        "status_field": status.id if status else None,
        "owners_field": owners.id if owners else None,
        "owners_multiple": owners.multiple if owners else True,
        "amount_field": amount.id if amount else None,
        "currency_field": currency.id if currency else None,
    }


def _parse_list(body: dict[str, Any]) -> ListMeta:
    fields = body.get("fields") or []
    shapes = [
        _FieldShape(
            f["id"],
            f.get("name", ""),
            _V1_KINDS.get(f.get("value_type"), "other"),
            bool(f.get("allows_multiple", True)),
        )
        for f in fields
    ]
    return ListMeta(
        id=body["id"],
        name=body.get("name", ""),
        type=list_type(body.get("type")),
        field_names={f["id"]: f.get("name", "") for f in fields},
        fields=tuple(fields),
        **_roles(shapes),
    )


def _v2_shapes(entries: Iterable[dict[str, Any]]) -> list[_FieldShape]:
    """The list fields named in V2 list entries read with ``fieldTypes=list`` (each field comes
    with its name and value type, filled or not), first seen first."""
    shapes: dict[int, _FieldShape] = {}
    for entry in entries:
        for field in (entry.get("entity") or {}).get("fields") or []:
            raw = str(field.get("id", ""))
            if not raw.startswith("field-") or not raw[6:].isdigit():
                continue
            value_type = str((field.get("value") or {}).get("type") or "")
            shapes.setdefault(
                int(raw[6:]),
                _FieldShape(
                    int(raw[6:]),
                    str(field.get("name") or ""),
                    _V2_KINDS.get(value_type, "other"),
                    value_type.endswith("-multi"),
                ),
            )
    return list(shapes.values())


def deal_list(client: AffinityClient, list_id: int, tool: str, field: str = "list_id") -> ListMeta:
    """An opportunity list as V2 deal reads need it: its fresh definition when this client
    holds one; else, when its name and type are known without a request (:func:`known_list`),
    just those (the deal fields are then found in the entries read, :func:`with_roles`);
    else its definition, read. A ToolInputError if it is not an opportunity list."""
    meta: ListMeta | None = client.peek(("list", list_id), METADATA_TTL)
    if meta is None:
        known = known_list(client, list_id)
        if known is None:
            return opportunity_list(client, list_id, tool, field)
        meta = ListMeta(list_id, known[0], known[1], None, None, True, None, None, {})
    _require_opportunity(meta, tool, field)
    return meta


def with_roles(meta: ListMeta, entries: list[dict[str, Any]]) -> ListMeta:
    """``meta`` with its deal fields found in V2 entries' own fields when it is not a read
    definition (the same rules as for a definition)."""
    if meta.fields:
        return meta
    shapes = _v2_shapes(entries)
    return replace(meta, field_names={s.id: s.name for s in shapes}, **_roles(shapes))


def opportunity_list(
    client: AffinityClient, list_id: int, tool: str, field: str = "list_id"
) -> ListMeta:
    """The list's definition, or a ToolInputError if it is not an opportunity list."""
    meta = list_meta(client, list_id)
    _require_opportunity(meta, tool, field)
    return meta


def _require_opportunity(meta: ListMeta, tool: str, field: str) -> None:
    if meta.type != "opportunity":
        raise ToolInputError(
            f"List {meta.id} ('{meta.name}') is a {meta.type or 'non-opportunity'} list, not an "
            "opportunity (deal) list; get an opportunity list id from affinity_list_lists.",
            field=field,
            tool=tool,
        )


def v2_field_id(field_id: int | None) -> str | None:
    return f"field-{field_id}" if field_id is not None else None


def deal_from_v2_entry(entry: dict[str, Any], meta: ListMeta) -> Deal:
    """``Deal`` from a V2 opportunity list entry read with ``fieldTypes=list``."""
    entity: dict[str, Any] = entry.get("entity") or {}
    fields = {f.get("id"): f for f in entity.get("fields") or []}
    by_name = {str(f.get("name", "")).lower(): f for f in fields.values()}

    def data(field_id: int | None, *names: str) -> tuple[str | None, Any]:
        field = fields.get(v2_field_id(field_id)) if field_id is not None else None
        for name in names:
            field = field or by_name.get(name)
        return field_value_data(field) if field else (None, None)

    _, stage = data(meta.status_field, "status", "stage")
    _, owners = data(meta.owners_field, "owners", "owner")
    _, amount = data(meta.amount_field, "amount")
    _, currency = data(meta.currency_field, "currency")
    _, people = (
        data(None, "people") if "persons" not in fields else field_value_data(fields["persons"])
    )
    _, orgs = (
        data(None, "organizations")
        if "companies" not in fields
        else field_value_data(fields["companies"])
    )
    owners_list = owners if isinstance(owners, list) else [owners] if owners else []
    return {
        "id": cast(int, entity.get("id")),  # every V2 list entry has its entity
        "name": entity.get("name"),
        "list": meta.ref,
        "list_entry_id": entry.get("id"),
        "stage": stage_from_value(stage),
        "value": amount if isinstance(amount, int | float) else None,
        "currency": currency.get("text") if isinstance(currency, dict) else currency,
        "owners": [user_ref(o) for o in owners_list if isinstance(o, dict)],
        "people": [person_ref(p) for p in people or []],
        "organizations": [org_ref(o) for o in orgs or []],
        "created_at": entry.get("createdAt"),
    }


PACIFIC = ZoneInfo("America/Los_Angeles")


def calendar_date(value: str) -> str:
    """A date field's day as ``YYYY-MM-DD``: the Pacific day of the stored instant, which is
    the day that was written (Affinity stores midnight Pacific time on it, 2026-01-01
    changelog). Read in UTC or in the user's zone the instant could fall on another day."""
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return value
    if moment.tzinfo is None:
        return moment.date().isoformat()
    return moment.astimezone(PACIFIC).date().isoformat()
