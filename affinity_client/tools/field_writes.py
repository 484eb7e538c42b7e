"""``affinity_update_field_values``: set one or several fields of one list entry (a deal's stage
by name, owners by name or id, amount, dates, text, dropdowns), every value checked against the
field's type and options before anything is sent, and the answer saying old -> new per field.

Requests: the list's definition (cached), the deal's V1 record when the deal is named by
opportunity id, one name search per person or organization named by name, one V2 read of the
entry (only the fields written: the old values) and one V2 ``PATCH …/fields`` for all of them.
Nothing is written when any value is wrong, nor when every value is already so.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, cast

from ..errors import ToolInputError
from ..normalize import person_name
from .base import Tool, exactly_one, id_prop, obj
from .common import ListMeta, list_meta
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
from .opportunities import calendar_date, visible_opportunity
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
    planned = [
        _plan(client, meta, spec, value, f"values[{n}].value")
        for n, (spec, value) in enumerate(specs)
    ]
    entry = _read_entry(client, meta, entry_id, [p.spec for p in planned])
    entity = entry.get("entity") or {}
    kind = ENTITY_TYPES.get(str(entry.get("type")), "opportunity")
    name = person_name(entity) if kind == "person" else entity.get("name")
    changes: list[FieldChange] = []
    unchanged: list[FieldChange] = []
    updates = []
    for p in planned:
        old = _old(entry, p.spec)
        change: FieldChange = {
            "field_id": p.spec.id,
            "field": p.spec.name,
            "old": value_text(p.spec, old),
            "new": p.text,
        }
        if _key_of(p.spec, old) == p.key:
            unchanged.append(change)
            continue
        changes.append(change)
        updates.append({"id": p.spec.v2_id, "value": {"type": p.spec.v2_type, "data": p.data}})
    if updates:
        # A refusal here is not the deal's list (visible_opportunity found that out through
        # V1) but V2's "Export data from Lists", which Affinity's message names.
        client.patch(
            f"/v2/lists/{meta.id}/list-entries/{entry_id}/fields",
            {"operation": "update-fields", "updates": updates},
            idempotent=True,  # the same values again change nothing
            resource=f"list entry {entry_id}",
            operation=f"update fields of list entry {entry_id}",
        )
    return {
        "list": typed_ref(meta),
        "list_entry_id": entry_id,
        "entity": {"id": entity.get("id"), "name": name, "type": kind},
        "changes": changes,
        "unchanged": unchanged,
    }


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
    client: AffinityClient, meta: ListMeta, spec: FieldSpec, value: Any, param: str
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
        data, texts, keys = numbers, [item_text(spec, n) for n in numbers], sorted(numbers)  # type: ignore[type-var]
    elif spec.type == "date":
        days = [parse_day(v) for v in given]
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
                    "items": {
                        "type": "object",
                        "properties": {
                            "field": {"type": "string", "minLength": 1, "maxLength": 200},
                            "value": _VALUE,
                        },
                        "required": ["field", "value"],
                        "additionalProperties": False,
                    },
                },
            },
            required=["values"],
        ),
        writes=True,
        function=update_field_values,
    ),
]
