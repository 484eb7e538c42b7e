"""Lookups shared by several tools, each one request per batch (never one per row)."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
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


def list_memberships(client: AffinityClient, entries: list[dict[str, Any]]) -> list[ListMembership]:
    if not entries:
        return []
    names = all_lists(client)
    return [
        {
            "list_id": e["list_id"],
            "list_name": (names.get(e["list_id"]) or {}).get("name"),
            "list_entry_id": e["id"],
        }
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


def _parse_list(body: dict[str, Any]) -> ListMeta:
    fields = body.get("fields") or []
    ranked = [f for f in fields if f.get("value_type") == 7]
    status = next(
        (f for f in ranked if f.get("name", "").lower() in ("status", "stage")),
        ranked[0] if ranked else None,
    )
    owners = next(
        (
            f
            for f in fields
            if f.get("value_type") == 0 and _OWNERS.match(f.get("name", "").strip())
        ),
        None,
    )
    amount = next(
        (f for f in fields if f.get("value_type") == 3 and _AMOUNT.search(f.get("name", ""))), None
    )
    currency = next((f for f in fields if f.get("name", "").strip().lower() == "currency"), None)
    return ListMeta(
        id=body["id"],
        name=body.get("name", ""),
        type=list_type(body.get("type")),
        status_field=status["id"] if status else None,
        owners_field=owners["id"] if owners else None,
        owners_multiple=bool(owners.get("allows_multiple", True)) if owners else True,
        amount_field=amount["id"] if amount else None,
        currency_field=currency["id"] if currency else None,
        field_names={f["id"]: f.get("name", "") for f in fields},
        fields=tuple(fields),
    )


def opportunity_list(
    client: AffinityClient, list_id: int, tool: str, field: str = "list_id"
) -> ListMeta:
    """The list's definition, or a ToolInputError if it is not an opportunity list."""
    meta = list_meta(client, list_id)
    if meta.type != "opportunity":
        raise ToolInputError(
            f"List {list_id} ('{meta.name}') is a {meta.type or 'non-opportunity'} list, not an "
            "opportunity (deal) list; get an opportunity list id from affinity_list_lists.",
            field=field,
            tool=tool,
        )
    return meta


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
