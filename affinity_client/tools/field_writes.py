"""``affinity_update_field_values``: set one or several fields of one list entry (a deal's stage
by name, owners by name or id, amount, dates, text, dropdowns), every value checked against the
field's type and options before anything is sent, and the answer saying old -> new per field.

Requests: the list's definition (cached), the deal's V1 record when the deal is named by
opportunity id, one name search per person or organization named by name, one V2 read of the
entry (only the fields written: the old values) and one V2 ``PATCH …/fields`` for all of them.
Nothing is written when any value is wrong, nor when every value is already so.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import tzinfo
from typing import TYPE_CHECKING, Any, cast

from ..capabilities import LIST_EXPORT, v2_or_fallback
from ..errors import ToolInputError
from ..normalize import person_name
from .base import Tool, exactly_one, id_prop, obj, time_zone_prop, zone_of
from .common import ListMeta, list_meta, org_refs, person_refs
from .deals_v1 import entry_values
from .fields import (
    FieldSpec,
    _norm,
    find_field,
    item_text,
    items,
    parse_day,
    parse_number,
    value_text,
)
from .opportunities import PACIFIC, calendar_date, visible_opportunity
from .pipeline import ENTITY_TYPES, my_person_id, typed_ref
from .results import FieldChange, UpdateFieldValuesResult

if TYPE_CHECKING:
    from ..client import AffinityClient

UPDATE = "affinity_update_field_values"
MAX_VALUES = 20


@dataclass(frozen=True)
class Planned:
    """One checked write: what to send, how it reads, and a key to compare with the old value."""

    spec: FieldSpec
    data: Any
    text: str | None
    key: Any


def update_field_values(client: AffinityClient, inp: dict[str, Any]) -> UpdateFieldValuesResult:
    which = exactly_one(UPDATE, inp, ("opportunity_id", "list_entry_id"))
    opp: dict[str, Any] | None = None
    if which == "opportunity_id":
        opp = visible_opportunity(client, inp["opportunity_id"])
        list_id, entry_id = opp["list_entries"][0]["list_id"], opp["list_entries"][0]["id"]
    else:
        if inp.get("list_id") is None:
            raise ToolInputError("list_entry_id needs its list_id.", field="list_id", tool=UPDATE)
        list_id, entry_id = inp["list_id"], inp["list_entry_id"]
    meta = list_meta(client, list_id)
    specs = _specs(meta, inp["values"])  # field names and duplicates first: no request yet
    for n, (spec, value) in enumerate(specs):
        _check_shape(spec, value, f"values[{n}].value")
    zone = zone_of(inp, UPDATE, PACIFIC.key)
    planned = [
        _plan(client, meta, spec, value, f"values[{n}].value", zone)
        for n, (spec, value) in enumerate(specs)
    ]
    return v2_or_fallback(
        client,
        LIST_EXPORT,
        lambda: _through_v2(client, meta, entry_id, planned),
        lambda: _through_v1(client, meta, entry_id, planned, opp),
    )


def _compare(
    planned: list[Planned], old_of: Callable[[FieldSpec], Any]
) -> tuple[list[FieldChange], list[FieldChange], list[Planned]]:
    """(changes, unchanged, what to write): old -> new per field, old as V2 data."""
    changes: list[FieldChange] = []
    unchanged: list[FieldChange] = []
    to_write: list[Planned] = []
    for p in planned:
        old = old_of(p.spec)
        change: FieldChange = {
            "field_id": p.spec.id,
            "field": p.spec.name,
            "old": value_text(p.spec, old),
            "new": p.text,
        }
        if _key_of(p.spec, old) == p.key:
            unchanged.append(change)
        else:
            changes.append(change)
            to_write.append(p)
    return changes, unchanged, to_write


def _through_v2(
    client: AffinityClient, meta: ListMeta, entry_id: int, planned: list[Planned]
) -> UpdateFieldValuesResult:
    """One V2 read of the old values, one V2 ``PATCH`` of all the new ones."""
    entry = _read_entry(client, meta, entry_id, [p.spec for p in planned])
    entity = entry.get("entity") or {}
    kind = ENTITY_TYPES.get(str(entry.get("type")), "opportunity")
    name = person_name(entity) if kind == "person" else entity.get("name")
    changes, unchanged, to_write = _compare(planned, lambda spec: _old(entry, spec))
    if to_write:
        # A refusal here is not the deal's list (visible_opportunity found that out through
        # V1) but V2's "Export data from Lists": nothing is written and V1 takes over.
        client.patch(
            f"/v2/lists/{meta.id}/list-entries/{entry_id}/fields",
            {
                "operation": "update-fields",
                "updates": [
                    {"id": p.spec.v2_id, "value": {"type": p.spec.v2_type, "data": p.data}}
                    for p in to_write
                ],
            },
            idempotent=True,  # the same values again change nothing
            resource=f"list entry {entry_id}",
            operation=f"update fields of list entry {entry_id}",
        )
    return _result(
        meta, entry_id, {"id": entity.get("id"), "name": name, "type": kind}, changes, unchanged
    )


def _result(
    meta: ListMeta,
    entry_id: int,
    entity: dict[str, Any],
    changes: list[FieldChange],
    unchanged: list[FieldChange],
) -> UpdateFieldValuesResult:
    return {
        "list": typed_ref(meta),
        "list_entry_id": entry_id,
        "entity": entity,
        "changes": changes,
        "unchanged": unchanged,
    }


def _through_v1(
    client: AffinityClient,
    meta: ListMeta,
    entry_id: int,
    planned: list[Planned],
    opp: dict[str, Any] | None,
) -> UpdateFieldValuesResult:
    """For a key whose user may not "Export data from Lists": the entry's V1 field values
    (one read), then one V1 write per value that changes (PUT in place, POST a new one, DELETE
    one no longer wanted). V1 has no batch, so a failure part-way is reported as such."""
    if opp is not None:
        entity = {"id": opp["id"], "name": opp.get("name"), "type": "opportunity"}
    else:
        row = client.get(
            f"/lists/{meta.id}/list-entries/{entry_id}", resource=f"list entry {entry_id}"
        )
        record = row.get("entity") or {}
        kind = {0: "person", 1: "organization"}.get(row.get("entity_type"), "opportunity")
        name = person_name(record) if kind == "person" else record.get("name")
        entity = {"id": row.get("entity_id"), "name": name, "type": kind}
    values = entry_values(client, entry_id)
    mine = {p.spec.id: [v for v in values if v.get("field_id") == p.spec.id] for p in planned}
    named = _v1_names(client, planned, mine)
    changes, unchanged, to_write = _compare(
        planned, lambda spec: _v1_as_v2(spec, mine[spec.id], named)
    )
    for p in to_write:
        _write_v1(client, meta, entry_id, int(entity["id"]), p, mine[p.spec.id])
    return _result(meta, entry_id, entity, changes, unchanged)


def _v1_names(
    client: AffinityClient, planned: list[Planned], mine: dict[int, list[dict[str, Any]]]
) -> dict[tuple[str, int], str | None]:
    """Names of the people and organizations the old values refer to, one batch per kind."""
    ids: dict[str, list[int]] = {"person": [], "organization": []}
    for p in planned:
        if p.spec.type in ids:
            ids[p.spec.type] += [
                v["value"] for v in mine[p.spec.id] if isinstance(v.get("value"), int)
            ]
    out: dict[tuple[str, int], str | None] = {}
    if ids["person"]:
        out.update({("person", r["id"]): r["name"] for r in person_refs(client, ids["person"])})
    if ids["organization"]:
        out.update(
            {("organization", r["id"]): r["name"] for r in org_refs(client, ids["organization"])}
        )
    return out


def _v1_as_v2(
    spec: FieldSpec, values: list[dict[str, Any]], named: dict[tuple[str, int], str | None]
) -> Any:
    """V1 field values of one field in V2's ``value.data`` shape (to compare and to show)."""
    by_text = {str(o.get("text")): o for o in spec.options}
    out: list[Any] = []
    for v in values:
        raw = v.get("value")
        if spec.type == "ranked-dropdown" and isinstance(raw, dict):
            out.append({"dropdownOptionId": raw.get("id"), "text": raw.get("text")})
        elif spec.type == "dropdown":
            option = by_text.get(str(raw)) or {}
            out.append({"dropdownOptionId": option.get("id"), "text": raw})
        elif spec.type in ("person", "organization") and isinstance(raw, int):
            out.append({"id": raw, "name": named.get((spec.type, raw)) or f"#{raw}"})
        elif raw is not None:
            out.append(raw)
    if spec.multiple:
        return out or None
    return out[0] if out else None


def _v1_raw(spec: FieldSpec, item: Any) -> Any:
    """A V2 update item as the V1 value: option and record ids, numbers, dates, text."""
    if isinstance(item, dict):
        return item.get("dropdownOptionId", item.get("id"))
    return item


def _v1_key(spec: FieldSpec, value: dict[str, Any]) -> Any:
    raw = value.get("value")
    if spec.type == "ranked-dropdown" and isinstance(raw, dict):
        return raw.get("id")
    if spec.type == "dropdown":
        return next((o["id"] for o in spec.options if str(o.get("text")) == str(raw)), raw)
    return raw


def _write_v1(
    client: AffinityClient,
    meta: ListMeta,
    entry_id: int,
    entity_id: int,
    p: Planned,
    old: list[dict[str, Any]],
) -> None:
    wanted = [_v1_raw(p.spec, i) for i in items(p.data)]
    resource, operation = f"list entry {entry_id}", f"set {p.spec.name}"
    if not p.spec.multiple and wanted and old:
        client.put(
            f"/field-values/{old[0]['id']}",
            {"value": wanted[0]},
            idempotent=True,
            resource=resource,
            operation=operation,
        )
        keep, wanted = {old[0]["id"]}, []
    else:
        have = {_v1_key(p.spec, v) for v in old}
        keep = {v["id"] for v in old if _v1_key(p.spec, v) in set(wanted)}
        wanted = [w for w in wanted if w not in have]
    for v in old:
        if v["id"] not in keep:
            client.request(
                "DELETE",
                f"/field-values/{v['id']}",
                idempotent=False,
                resource=resource,
                operation=operation,
            )
    for raw in wanted:
        client.post(
            "/field-values",
            {
                "field_id": p.spec.id,
                "entity_id": entity_id,
                "list_entry_id": entry_id,
                "value": raw,
            },
            resource=resource,
            operation=operation,
        )


def _specs(meta: ListMeta, values: list[dict[str, Any]]) -> list[tuple[FieldSpec, Any]]:
    out: list[tuple[FieldSpec, Any]] = []
    seen: set[int] = set()
    for n, item in enumerate(values):
        spec = find_field(meta, item["field"], UPDATE, f"values[{n}].field")
        if spec.id in seen:
            raise ToolInputError(
                f"{spec.name} is given twice; give each field once.",
                field=f"values[{n}].field",
                tool=UPDATE,
            )
        seen.add(spec.id)
        out.append((spec, item.get("value")))
    return out


def _split(spec: FieldSpec, value: Any) -> list[Any]:
    """Several values for a multi-value field: an array, or text separated by commas."""
    if isinstance(value, list):
        return value
    if spec.multiple and isinstance(value, str) and spec.type != "text":
        return [v.strip() for v in value.split(",") if v.strip()]
    return [value]


def _wrong(spec: FieldSpec, expected: str, value: Any, param: str) -> ToolInputError:
    return ToolInputError(
        f"{spec.name} expects {expected}; “{value}” is not one. Nothing was changed.",
        field=param,
        tool=UPDATE,
    )


def _check_shape(spec: FieldSpec, value: Any, param: str) -> None:
    """Type and option checks that need no request (run for every value before any name
    lookup, so a typo in the last value is reported before anything is looked up)."""
    if value is None:
        return
    if spec.type == "location":
        raise ToolInputError(
            f"{spec.name} is a location field, which this app cannot set; edit it in Affinity.",
            field=param,
            tool=UPDATE,
        )
    given = _split(spec, value)
    if len(given) > 1 and not spec.multiple:
        raise ToolInputError(
            f"{spec.name} holds one value; give one, not {len(given)}.", field=param, tool=UPDATE
        )
    for one in given:
        if spec.type == "number" and parse_number(one) is None:
            raise _wrong(spec, "a number (e.g. 5000000 or 5M)", one, param)
        if spec.type == "date" and parse_day(one) is None:
            raise _wrong(spec, "a date (e.g. 2026-11-30, today or tomorrow)", one, param)
        if spec.is_dropdown:
            spec.option(str(one), UPDATE, param)
        if spec.type in ("person", "organization") and not str(one).strip():
            raise _wrong(spec, f"a {spec.type} name or id", one, param)


def _plan(
    client: AffinityClient,
    meta: ListMeta,
    spec: FieldSpec,
    value: Any,
    param: str,
    zone: tzinfo = PACIFIC,
) -> Planned:
    if value is None or (isinstance(value, list) and not value):
        return Planned(spec, None, None, _key_of(spec, None))
    given = _split(spec, value)
    if spec.is_dropdown:
        options = [spec.option(str(v), UPDATE, param) for v in given]
        data: Any = [{"dropdownOptionId": o["id"]} for o in options]
        texts = [str(o.get("text")) for o in options]
        keys: Any = sorted(o["id"] for o in options)
    elif spec.type == "number":
        numbers = [parse_number(v) for v in given]
        data, texts, keys = numbers, [item_text(spec, n) for n in numbers], sorted(numbers)
    elif spec.type == "date":
        days = [parse_day(v, zone) for v in given]
        data = [f"{d.isoformat()}T00:00:00Z" for d in days if d]
        texts = keys = [d.isoformat() for d in days if d]
    elif spec.type in ("person", "organization"):
        internal = spec.id == meta.owners_field
        found = [_record(client, spec, v, internal, param) for v in given]
        data = [{"id": rid} for rid, _ in found]
        texts = [name for _, name in found]
        keys = sorted(rid for rid, _ in found)
    else:
        data = texts = keys = [str(v) for v in given]
    if not spec.multiple:
        data, keys = data[0], keys[0] if isinstance(keys, list) else keys
    return Planned(spec, data, ", ".join(texts), keys)


def _record(
    client: AffinityClient, spec: FieldSpec, value: Any, internal: bool, param: str
) -> tuple[int, str]:
    """(id, name) of the person or organization ``value`` names: an id, ``me`` or a name that
    fits exactly one record (colleagues only for an Owners field)."""
    text = str(value).strip()
    if spec.type == "person" and text.casefold() == "me":
        me = client.memo(("whoami",), 3600, client.whoami)["user"]
        return my_person_id(client), str(me.get("name") or "me")
    path, key = (
        ("/persons", "persons") if spec.type == "person" else ("/organizations", "organizations")
    )
    if text.lstrip("#").isdigit():
        rid = int(text.lstrip("#"))
        record = client.get(f"{path}/{rid}", resource=f"{spec.type} {rid}")
        return rid, _name(spec, record)
    body = client.get(path, {"term": text, "page_size": 10})
    hits = [r for r in body.get(key) or [] if not internal or r.get("type") in (1, "internal")]
    exact = [r for r in hits if _norm(_name(spec, r)) == _norm(text)]
    hits = exact or hits
    if len(hits) == 1:
        return int(hits[0]["id"]), _name(spec, hits[0])
    who = "colleague" if internal else spec.type
    if not hits:
        raise ToolInputError(
            f"No {who} matches “{text}” for {spec.name}. Nothing was changed.",
            field=param,
            tool=UPDATE,
        )
    listed = ", ".join(f"{_name(spec, r)} (id {r['id']})" for r in hits[:10])
    raise ToolInputError(
        f"“{text}” matches several for {spec.name}: {listed}. Give the id. Nothing was changed.",
        field=param,
        tool=UPDATE,
    )


def _name(spec: FieldSpec, record: dict[str, Any]) -> str:
    return (person_name(record) if spec.type == "person" else record.get("name")) or str(
        record.get("id")
    )


def _read_entry(
    client: AffinityClient, meta: ListMeta, entry_id: int, specs: list[FieldSpec]
) -> dict[str, Any]:
    """The entry with the old values of the fields about to be written (only those)."""
    return cast(
        dict[str, Any],
        client.get(
            f"/v2/lists/{meta.id}/list-entries/{entry_id}",
            {"fieldIds": [s.v2_id for s in specs]},
            resource=f"list entry {entry_id}",
        ),
    )


def _old(entry: dict[str, Any], spec: FieldSpec) -> Any:
    for field in (entry.get("entity") or {}).get("fields") or []:
        if field.get("id") == spec.v2_id:
            return (field.get("value") or {}).get("data")
    return None


def _key_of(spec: FieldSpec, data: Any) -> Any:
    """The comparable form of a stored value (same as ``Planned.key`` for a new one)."""
    values = items(data)
    if spec.is_dropdown:
        keys: list[Any] = sorted((v or {}).get("dropdownOptionId") for v in values)
    elif spec.type in ("person", "organization"):
        keys = sorted((v or {}).get("id") for v in values)
    elif spec.type == "date":
        keys = [calendar_date(str(v)) for v in values]
    elif spec.type == "number":
        keys = sorted(values)
    else:
        keys = [str(v) for v in values]
    if spec.multiple:
        return keys
    return keys[0] if keys else None


_VALUE = {
    "description": "The new value: a stage or option name, a number (5000000 or 5M), a date "
    "(2026-11-30, today), text, a person ('me', a colleague's name or a person id), an "
    "organization name or id; several as an array or comma-separated for multi-value fields "
    "(they replace the old ones); null clears the field.",
    "anyOf": [
        {"type": "string", "maxLength": 2000},
        {"type": "number"},
        {"type": "null"},
        {"type": "array", "items": {"type": ["string", "number"]}, "maxItems": 100},
    ],
}

TOOLS = [
    Tool(
        name=UPDATE,
        description=(
            "Set one or several fields of one list entry: a deal (opportunity_id) or any entry "
            "(list_id + list_entry_id). values: [{field, value}], field by name or id "
            "(affinity_list_fields): stage/Status by stage name, Owners by name, 'me' or id, "
            "amount, dates, text, dropdowns. Every value is checked first (an unknown stage or "
            "option, a field not on the list or a value of the wrong type is answered with "
            "the valid choices and nothing is written). Returns old -> new for each field "
            "changed, and the fields that already had the value."
        ),
        input_schema=obj(
            {
                "opportunity_id": id_prop("The deal whose fields to set."),
                "list_id": id_prop("The list of list_entry_id."),
                "list_entry_id": id_prop("A list entry (instead of opportunity_id)."),
                "values": {
                    "type": "array",
                    "minItems": 1,
                    "maxItems": MAX_VALUES,
                    "description": "The fields to set, each with its new value.",
                    "items": {
                        "type": "object",
                        "properties": {
                            "field": {
                                "type": "string",
                                "minLength": 1,
                                "maxLength": 200,
                                "description": "A field's name or id (affinity_list_fields).",
                            },
                            "value": _VALUE,
                        },
                        "required": ["field", "value"],
                        "additionalProperties": False,
                    },
                },
                "time_zone": time_zone_prop(
                    "America/Los_Angeles, where Affinity keeps dates",
                    "whose today, yesterday and tomorrow a date value names (the user's)",
                ),
            },
            required=["values"],
        ),
        writes=True,
        function=update_field_values,
    ),
]
