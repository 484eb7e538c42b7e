"""V2 routes (under /v2): camelCase bodies, `{"errors": [...]}`, cursor pagination.

Field data follows the spec: entity GETs carry `fields` only when `fieldIds`/`fieldTypes` ask
for them; empty multi-values are `null`; opportunity entries expose their associations as the
list fields `persons` and `companies`.
"""

from __future__ import annotations

import html
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, cast

from werkzeug.wrappers import Response

from . import field_meta, render, seed
from .filter_language import Prop, compile_filter, prop
from .v1 import store_value
from .web import (
    ApiError,
    Ctx,
    as_int,
    parse_date,
    v2_date,
    v2_enum_list,
    v2_int_list,
    v2_page,
)

ENTITY_FIELD_TYPES = ("enriched", "global", "relationship-intelligence")
ENTRY_FIELD_TYPES = ("enriched", "global", "list", "relationship-intelligence")
NOTE_INCLUDES = ("companiesPreview", "personsPreview", "opportunitiesPreview", "repliesCount")


def whoami(ctx: Ctx) -> Any:
    u = ctx.user
    return {
        "tenant": dict(seed.TENANT),
        "user": {
            "id": u["person_id"],
            "firstName": u["first_name"],
            "lastName": u["last_name"],
            "emailAddress": u["email"],
        },
        "grant": {"type": "api-key", "scopes": ["api"], "createdAt": "2025-03-04T17:12:44Z"},
    }


# -- field selection ------------------------------------------------------------------
def _global_fields(ctx: Ctx, entity_type: int) -> list[dict[str, Any]]:
    return [
        ctx.world.fields[f]
        for f in ctx.state.index.fields_by_list[None]
        if ctx.world.fields[f]["entity_type"] == entity_type
    ]


PHONE_FIELD = "affinity-data-phone-number"
"""Where Affinity holds a person's phones: the enriched "Phone Number" field, valueType
`filterable-text-multi` (V2 spec, field metadata example), its value a `TextsValue`
(`{"type": "filterable-text-multi", "data": [str] | null}`). V1's person has no phone key."""


def _phone_field(ctx: Ctx, person_id: int) -> dict[str, Any]:
    phones = list(ctx.world.persons[person_id].get("phone_numbers") or [])
    return {
        "id": PHONE_FIELD,
        "name": "Phone Number",
        "type": "enriched",
        "enrichmentSource": "affinity-data",
        "value": render.multi_value(ctx, "filterable-text-multi", phones),
    }


def _available(ctx: Ctx, entity_type: int, list_id: int | None) -> list[tuple[str, str, Any]]:
    """(V2 id, V2 field type, field record or association name) for an entity or entry."""
    out: list[tuple[str, str, Any]] = []
    if list_id is not None:
        for fid in ctx.state.index.fields_by_list[list_id]:
            out.append((f"field-{fid}", "list", ctx.world.fields[fid]))
        if entity_type == 8:
            out += [("persons", "list", "persons"), ("companies", "list", "companies")]
    if entity_type == 0:
        out.append((PHONE_FIELD, "enriched", ("phone", PHONE_FIELD)))
    if entity_type != 8:
        out += [(f"field-{f['id']}", "global", f) for f in _global_fields(ctx, entity_type)]
    # Opportunities too: the spec's field metadata example for an opportunity list
    # (`opportunity-list-2`) lists the relationship-intelligence fields beside People.
    out += [(m["id"], "relationship-intelligence", ("ri", m["id"])) for m in render.RI_META]
    return out


def _selection(
    ctx: Ctx,
    allowed_types: tuple[str, ...],
    *,
    ids_param: str = "fieldIds",
    types_param: str = "fieldTypes",
) -> tuple[list[str], list[str]] | None:
    ids = ctx.request.args.getlist(ids_param)
    types = v2_enum_list(ctx, types_param, allowed_types)
    if not ids and not types:
        return None
    return ids, types


def _ri_field(ctx: Ctx, entity_type: int, entity_id: int, v2_id: str) -> dict[str, Any]:
    """Relationship intelligence from the entity's interactions (a company's: its first person;
    an opportunity's: its first person who has interactions, else none)."""
    w = ctx.world
    if entity_type == 8:
        on_deal = [w.persons[i] for i in w.opportunities[entity_id]["person_ids"] if i in w.persons]
        person = next((p for p in on_deal if p.get("interactions")), None)
        if person is None:
            meta = next(m for m in render.RI_META if m["id"] == v2_id)
            return {
                **{k: meta[k] for k in ("id", "name", "type", "enrichmentSource")},
                "value": {"type": "interaction", "data": None},
            }
        return render.v2_ri_field(ctx, person, person, v2_id)
    if entity_type == 0:
        rec = w.persons[entity_id]
        return render.v2_ri_field(ctx, rec, rec, v2_id)
    people = ctx.state.index.persons_by_org[entity_id]
    external = w.persons[people[0]] if people else None
    return render.v2_ri_field(ctx, w.organizations[entity_id], external, v2_id)


def _check_ids(
    ctx: Ctx, selection: Any, entity_type: int, list_id: int | None, param: str = "fieldIds"
) -> Any:
    """Refuse requested field ids that do not exist here (enriched ids are accepted, no data)."""
    if selection is not None:
        known = {v2_id for v2_id, _, _ in _available(ctx, entity_type, list_id)}
        for fid in selection[0]:
            if fid not in known and not fid.startswith(("affinity-data-", "dealroom-")):
                raise ApiError(400, f"Unknown field id: {fid}", param)
    return selection


def _values_by_field(
    ctx: Ctx, entity_id: int, entry: dict[str, Any] | None
) -> dict[int, list[Any]]:
    """Raw values of an entity's global fields and, given an entry, of that entry's fields."""
    w, index = ctx.world, ctx.state.index
    out: dict[int, list[Any]] = {}
    ids = [
        v for v in index.values_by_entity[entity_id] if w.field_values[v]["list_entry_id"] is None
    ]
    if entry is not None:
        ids += index.values_by_entry[entry["id"]]
    for vid in ids:
        rec = w.field_values[vid]
        out.setdefault(rec["field_id"], []).append(rec["value"])
    return out


def _fields(
    ctx: Ctx,
    entity_type: int,
    entity_id: int,
    entry: dict[str, Any] | None,
    selection: tuple[list[str], list[str]] | None,
) -> list[dict[str, Any]]:
    """The Field objects for an entity (or its list entry), filtered by a selection."""
    list_id = entry["list_id"] if entry else None
    values = _values_by_field(ctx, entity_id, entry)
    out, assoc = [], None
    for v2_id, v2_type, f in _available(ctx, entity_type, list_id):
        if selection is not None and v2_id not in selection[0] and v2_type not in selection[1]:
            continue
        if isinstance(f, str):
            assoc = assoc or render.v2_association_fields(ctx, ctx.world.opportunities[entity_id])
            out.append(assoc[0] if f == "persons" else assoc[1])
            continue
        if isinstance(f, tuple) and f[0] == "phone":
            out.append(_phone_field(ctx, entity_id))
            continue
        if isinstance(f, tuple):
            out.append(_ri_field(ctx, entity_type, entity_id, f[1]))
            continue
        out.append(render.v2_field(ctx, f, values.get(f["id"], [])))
    return out


# -- persons and companies ---------------------------------------------------------------
def _entity_list(ctx: Ctx, table: dict[int, dict[str, Any]], entity_type: int, shape: Any) -> Any:
    ids = v2_int_list(ctx, "ids")
    selection = _check_ids(ctx, _selection(ctx, ENTITY_FIELD_TYPES), entity_type, None)
    records = [table[i] for i in ids if i in table] if ids else list(table.values())
    page = v2_page(ctx, records)
    page["data"] = [_entity(ctx, r, entity_type, shape, selection) for r in page["data"]]
    return page


def _entity(
    ctx: Ctx,
    rec: dict[str, Any],
    entity_type: int,
    shape: Callable[[dict[str, Any]], dict[str, Any]],
    selection: Any,
) -> dict[str, Any]:
    out = shape(rec)
    if selection is not None:
        out["fields"] = _fields(ctx, entity_type, rec["id"], None, selection)
    return out


def _get(ctx: Ctx, table: dict[int, dict[str, Any]], ident: int, what: str) -> dict[str, Any]:
    rec = table.get(ident)
    if rec is None:
        raise ApiError(404, f"{what} not found")
    return rec


def _existing(ctx: Ctx, entity_type: int, entity_id: int) -> dict[str, Any]:
    """The person (0) or company (1) `entity_id`; 404 when there is none."""
    if entity_type == 0:
        return _get(ctx, ctx.world.persons, entity_id, "Person")
    return _get(ctx, ctx.world.organizations, entity_id, "Company")


def _get_entity(ctx: Ctx, entity_type: int, entity_id: int, shape: Any) -> dict[str, Any]:
    rec = _existing(ctx, entity_type, entity_id)
    selection = _check_ids(ctx, _selection(ctx, ENTITY_FIELD_TYPES), entity_type, None)
    return _entity(ctx, rec, entity_type, shape, selection)


def list_persons(ctx: Ctx) -> Any:
    return _entity_list(ctx, ctx.world.persons, 0, render.v2_person)


def get_person(ctx: Ctx, person_id: int) -> Any:
    return _get_entity(ctx, 0, person_id, render.v2_person)


def list_companies(ctx: Ctx) -> Any:
    return _entity_list(ctx, ctx.world.organizations, 1, render.v2_company)


def get_company(ctx: Ctx, company_id: int) -> Any:
    return _get_entity(ctx, 1, company_id, render.v2_company)


def _entity_entries(ctx: Ctx, entity_type: int, entity_id: int) -> Any:
    _existing(ctx, entity_type, entity_id)
    entries = render.visible_entries(ctx, entity_type, entity_id)
    page = v2_page(ctx, entries)
    page["data"] = [_list_entry(ctx, entity_type, entity_id, e) for e in page["data"]]
    return page


def _list_entry(ctx: Ctx, entity_type: int, entity_id: int, e: dict[str, Any]) -> dict[str, Any]:
    """A `ListEntry` of a person or company; 2026-07-15 adds the list's name."""
    out = {
        "id": e["id"],
        "listId": e["list_id"],
        "createdAt": v2_date(e["created_at"]),
        "creatorId": e["creator_id"],
        "fields": _fields(ctx, entity_type, entity_id, e, None),
    }
    if not ctx.legacy:
        out["listName"] = ctx.world.lists[e["list_id"]]["name"]
    return out


def _entity_lists(ctx: Ctx, entity_type: int, entity_id: int) -> Any:
    _existing(ctx, entity_type, entity_id)
    seen: dict[int, dict[str, Any]] = {}
    for e in render.visible_entries(ctx, entity_type, entity_id):
        seen.setdefault(e["list_id"], ctx.world.lists[e["list_id"]])
    page = v2_page(ctx, list(seen.values()))
    page["data"] = [render.v2_list(ctx, r, with_type=False) for r in page["data"]]
    return page


def _metas(records: list[dict[str, Any]]) -> list[tuple[dict[str, Any], Any]]:
    """(metadata, created at) of stored fields, for `field_meta.fields_page`."""
    return [(render.v2_field_meta(f), f.get("created_at")) for f in records]


def _builtin(metas: list[dict[str, Any]]) -> list[tuple[dict[str, Any], Any]]:
    """Built-in fields (relationship intelligence, associations) have no creation time."""
    return [(m, None) for m in metas]


def _entity_fields(ctx: Ctx, entity_type: int) -> Any:
    metas = _metas(_global_fields(ctx, entity_type)) + _builtin(render.RI_META)
    return field_meta.fields_page(ctx, metas)


def person_lists(ctx: Ctx, person_id: int) -> Any:
    return _entity_lists(ctx, 0, person_id)


def company_lists(ctx: Ctx, company_id: int) -> Any:
    return _entity_lists(ctx, 1, company_id)


def person_fields(ctx: Ctx) -> Any:
    return _entity_fields(ctx, 0)


def company_fields(ctx: Ctx) -> Any:
    return _entity_fields(ctx, 1)


def person_entries(ctx: Ctx, person_id: int) -> Any:
    return _entity_entries(ctx, 0, person_id)


def company_entries(ctx: Ctx, company_id: int) -> Any:
    return _entity_entries(ctx, 1, company_id)


# -- opportunities --------------------------------------------------------------------
def list_opportunities(ctx: Ctx) -> Any:
    ids = v2_int_list(ctx, "ids")
    table = ctx.world.opportunities
    records = [table[i] for i in ids if i in table] if ids else list(table.values())
    page = v2_page(ctx, [o for o in records if ctx.can_see_opportunity(o)])
    page["data"] = [render.v2_opportunity(ctx, o) for o in page["data"]]
    return page


def get_opportunity(ctx: Ctx, opportunity_id: int) -> Any:
    return render.v2_opportunity(ctx, ctx.visible_opportunity(opportunity_id))


# -- lists and list entries -------------------------------------------------------------
def list_lists(ctx: Ctx) -> Any:
    visible = [r for r in ctx.world.lists.values() if ctx.can_see_list(r)]
    term = None if ctx.legacy else ctx.request.args.get("term")
    if term:  # 2026-07-15: "Case-insensitive substring match on List name."
        visible = [r for r in visible if term.lower() in r["name"].lower()]
    page = v2_page(ctx, visible)
    page["data"] = [render.v2_list(ctx, r) for r in page["data"]]
    return page


def get_list(ctx: Ctx, list_id: int) -> Any:
    return render.v2_list(ctx, ctx.visible_list(list_id))


def list_fields(ctx: Ctx, list_id: int) -> Any:
    rec = ctx.visible_list(list_id)
    metas = _metas([ctx.world.fields[f] for f in ctx.state.index.fields_by_list[list_id]])
    if rec["type"] == 8:
        metas += _builtin(render.ASSOCIATION_META)
    else:
        metas += _metas(_global_fields(ctx, rec["type"]))
    metas += _builtin(render.RI_META)  # opportunity lists too (`opportunity-list-2`)
    return field_meta.fields_page(ctx, metas)


def _entry_entity(ctx: Ctx, e: dict[str, Any], selection: Any) -> dict[str, Any]:
    w = ctx.world
    if e["entity_type"] == 0:
        entity = render.v2_person(w.persons[e["entity_id"]])
    elif e["entity_type"] == 1:
        entity = render.v2_company(w.organizations[e["entity_id"]])
    else:
        entity = render.v2_opportunity(ctx, w.opportunities[e["entity_id"]], with_fields=True)
    if selection is not None:
        entity["fields"] = _fields(ctx, e["entity_type"], e["entity_id"], e, selection)
    return entity


def _entry_with_entity(ctx: Ctx, e: dict[str, Any], selection: Any) -> dict[str, Any]:
    return {
        "id": e["id"],
        "listId": e["list_id"],
        "type": render.LIST_TYPES_V2[e["entity_type"]],
        "createdAt": v2_date(e["created_at"]),
        "creatorId": e["creator_id"],
        "entity": _entry_entity(ctx, e, selection),
    }


def list_entries(ctx: Ctx, list_id: int) -> Any:
    rec = ctx.visible_list(list_id)
    selection = _check_ids(ctx, _selection(ctx, ENTRY_FIELD_TYPES), rec["type"], list_id)
    entries = [ctx.world.list_entries[i] for i in ctx.state.index.entries_by_list[list_id]]
    page = v2_page(ctx, entries)
    page["data"] = [_entry_with_entity(ctx, e, selection) for e in page["data"]]
    return page


def _entry(ctx: Ctx, list_id: int, entry_id: int) -> dict[str, Any]:
    ctx.visible_list(list_id)
    e = ctx.world.list_entries.get(entry_id)
    if e is None or e["list_id"] != list_id:
        raise ApiError(404, "List entry not found")
    return e


def get_entry(ctx: Ctx, list_id: int, entry_id: int) -> Any:
    e = _entry(ctx, list_id, entry_id)
    selection = _check_ids(ctx, _selection(ctx, ENTRY_FIELD_TYPES), e["entity_type"], list_id)
    return _entry_with_entity(ctx, e, selection)


def entry_fields(ctx: Ctx, list_id: int, entry_id: int) -> Any:
    e = _entry(ctx, list_id, entry_id)
    selection = _check_ids(
        ctx,
        _selection(ctx, ENTRY_FIELD_TYPES, ids_param="ids", types_param="types"),
        e["entity_type"],
        list_id,
        "ids",
    )
    fields = _fields(ctx, e["entity_type"], e["entity_id"], e, selection)
    return v2_page(ctx, fields, default_limit=20)


def _field_by_id(ctx: Ctx, e: dict[str, Any], field_id: str) -> tuple[str, Any]:
    for v2_id, _type, f in _available(ctx, e["entity_type"], e["list_id"]):
        if v2_id == field_id:
            return v2_id, f
    raise ApiError(404, f"Field {field_id} not found on this list entry")


def entry_field(ctx: Ctx, list_id: int, entry_id: int, field_id: str) -> Any:
    e = _entry(ctx, list_id, entry_id)
    v2_id, _ = _field_by_id(ctx, e, field_id)
    return _fields(ctx, e["entity_type"], e["entity_id"], e, ([v2_id], []))[0]


# -- field writes ------------------------------------------------------------------------
def _ref_ids(data: Any, key: str, param: str, multi: bool) -> list[int]:
    items = data if multi else [data]
    if multi and not isinstance(data, list):
        raise ApiError(400, "value.data must be an array or null", param)
    if multi and len(data) > 100:
        raise ApiError(400, "value.data holds at most 100 items", param)
    out = []
    for item in items:
        number = as_int(item.get(key)) if isinstance(item, dict) else None
        if number is None:
            raise ApiError(400, f"value.data items need an integer {key}", param)
        out.append(number)
    return out


def _parse_update(ctx: Ctx, f: Any, value: Any, param: str) -> list[Any]:
    """Validate a FieldValueUpdate for field `f`; return the stored raw values (empty clears)."""
    if isinstance(f, tuple):
        raise ApiError(400, "Relationship-intelligence fields cannot be written", param)
    if not isinstance(value, dict) or "type" not in value or "data" not in value:
        raise ApiError(400, "value must be an object with type and data", param)
    w = ctx.world
    expected = (
        "person-multi"
        if f == "persons"
        else "company-multi"
        if f == "companies"
        else render.v2_value_type(f)
    )
    if value["type"] != expected:
        raise ApiError(400, f"value.type must be {expected} for this field", param)
    data = value["data"]
    if data is None:
        return []
    base = expected.removesuffix("-multi")
    multi = expected.endswith("-multi") or expected == "filterable-text-multi"
    if base in ("person", "company"):
        ids = _ref_ids(data, "id", param, multi)
        table = w.persons if base == "person" else w.organizations
        if any(i not in table for i in ids):
            raise ApiError(400, f"value.data refers to an unknown {base}", param)
        return ids
    if base in ("dropdown", "ranked-dropdown"):
        ids = _ref_ids(data, "dropdownOptionId", param, multi)
        options = {o["id"] for o in f["dropdown_options"]}
        if any(i not in options for i in ids):
            raise ApiError(400, "value.data refers to an unknown dropdown option", param)
        return ids
    if base == "number":
        if isinstance(data, bool) or not isinstance(data, int | float):
            raise ApiError(400, "value.data must be a number", param)
        return [data]
    if base == "datetime":
        parsed = parse_date(data)
        if parsed is None:
            raise ApiError(400, "value.data must be an RFC 3339 date-time", param)
        return [seed.date_field(parsed)]
    if base == "location":
        if not isinstance(data, dict):
            raise ApiError(400, "value.data must be a location", param)
        return [
            {
                "street_address": data.get("streetAddress"),
                "city": data.get("city"),
                "state": data.get("state"),
                "country": data.get("country"),
                "continent": data.get("continent"),
            }
        ]
    if not isinstance(data, str):
        raise ApiError(400, "value.data must be a string", param)
    return [data]


def _apply(ctx: Ctx, e: dict[str, Any], f: Any, raws: list[Any]) -> None:
    w, index = ctx.world, ctx.state.index
    if isinstance(f, str):
        opp = w.opportunities[e["entity_id"]]
        index.remove_opportunity(opp)
        opp["person_ids" if f == "persons" else "organization_ids"] = raws
        index.add_opportunity(opp)
        return
    entry_id = e["id"] if f["list_id"] is not None else None
    with ctx.state.field_write(f, e["entity_id"], entry_id, ctx.user["person_id"]):
        for vid in list(index.values_by_entity[e["entity_id"]]):
            old = w.field_values[vid]
            if old["field_id"] == f["id"] and old["list_entry_id"] == entry_id:
                index.remove_value(old)
                del w.field_values[vid]
        for raw in raws:
            rec = (
                store_value(ctx, f, e["entity_id"], entry_id, raw)
                if not f["allows_multiple"]
                else _append_value(ctx, f, e["entity_id"], entry_id, raw)
            )
            rec["updated_at"] = datetime.now(UTC)


def _append_value(
    ctx: Ctx, f: dict[str, Any], entity_id: int, entry_id: int | None, raw: Any
) -> dict[str, Any]:
    w = ctx.world
    rec = {
        "id": w.new_id("field_value"),
        "field_id": f["id"],
        "entity_id": entity_id,
        "list_entry_id": entry_id,
        "created_at": datetime.now(UTC),
        "updated_at": None,
        "value": raw,
        "entity_type": f["entity_type"],
    }
    w.field_values[rec["id"]] = rec
    ctx.state.index.add_value(rec)
    return rec


def update_field(ctx: Ctx, list_id: int, entry_id: int, field_id: str) -> Any:
    e = _entry(ctx, list_id, entry_id)
    _, f = _field_by_id(ctx, e, field_id)
    body = ctx.body()
    if "value" not in body:
        raise ApiError(400, "value is required", "value")
    _apply(ctx, e, f, _parse_update(ctx, f, body["value"], "value"))
    return Response(status=204)


def planned_batch(ctx: Ctx, field_for: Callable[[str, str], Any]) -> list[tuple[Any, list[Any]]]:
    """A `PATCH …/fields` body (`update-fields`, at most 100 updates) validated whole: each
    field (`field_for(field id, param)`) with its parsed values; nothing is written yet."""
    body = ctx.body()
    if body.get("operation") != "update-fields":
        raise ApiError(400, "operation must be update-fields", "operation")
    updates = body.get("updates")
    if not isinstance(updates, list) or len(updates) > 100:
        raise ApiError(400, "updates must be an array of at most 100 items", "updates")
    planned = []
    for i, update in enumerate(updates):
        if not isinstance(update, dict) or not isinstance(update.get("id"), str):
            raise ApiError(400, "each update needs a field id", f"updates[{i}].id")
        f = field_for(update["id"], f"updates[{i}].id")
        planned.append((f, _parse_update(ctx, f, update.get("value"), f"updates[{i}].value")))
    return planned


def batch_update_fields(ctx: Ctx, list_id: int, entry_id: int) -> Any:
    e = _entry(ctx, list_id, entry_id)
    planned = planned_batch(ctx, lambda field_id, _param: _field_by_id(ctx, e, field_id)[1])
    for f, raws in planned:  # all validated first: nothing is half-written
        _apply(ctx, e, f, raws)
    return {"operation": "update-fields"}


# -- notes ------------------------------------------------------------------------------
_DATE_OPS = (">", "<", ">=", "<=")
# The filter properties of GET /v2/{persons|companies|opportunities}/{id}/notes (spec 2026-07-15).
ENTITY_NOTE_FILTER = {
    "creator.id": prop("int", "creator_id", "="),
    "createdAt": prop("datetime", "created_at", *_DATE_OPS),
    "updatedAt": prop("datetime", "updated_at", *_DATE_OPS),
}
# GET /v2/notes also filters on `id`.
NOTE_FILTER = {"id": prop("int", "id", "="), **ENTITY_NOTE_FILTER}


def _html(n: dict[str, Any]) -> str:
    if n["type"] == 2:
        return cast(str, n["content"])
    return "".join(f"<p>{html.escape(line)}</p>" for line in n["content"].split("\n"))


def v2_note(ctx: Ctx, n: dict[str, Any], includes: list[str]) -> dict[str, Any]:
    w = ctx.world
    out: dict[str, Any] = {
        "id": n["id"],
        "type": "user-reply" if n["parent_id"] else "entities",
        "content": {"html": _html(n)},
        "creator": render.v2_person_data(w.persons[n["creator_id"]]),
        "mentions": [
            {
                "id": n["id"] * 10 + k,
                "type": "person",
                "person": render.v2_person_data(w.persons[i]),
            }
            for k, i in enumerate(n.get("mentioned_person_ids", []), start=1)
        ],
        "createdAt": v2_date(n["created_at"]),
        "updatedAt": v2_date(n["updated_at"]),
    }
    if n.get("interaction"):  # anchored to a meeting by POST /v2/notes (sandbox/v2_notes.py)
        out.update(type="interaction", interaction=dict(n["interaction"]))
    if n["parent_id"]:
        out["parent"] = {"id": n["parent_id"]}
        return out
    previews = {
        "personsPreview": [render.v2_person_data(w.persons[i]) for i in n["person_ids"]],
        "companiesPreview": [
            render.v2_company_data(w.organizations[i]) for i in n["organization_ids"]
        ],
        "opportunitiesPreview": [
            render.v2_opportunity(ctx, w.opportunities[i])
            for i in render.visible_opportunity_ids(ctx, n)
            if i in w.opportunities
        ],
    }
    for name in includes:
        if name == "repliesCount":
            out["repliesCount"] = sum(1 for m in w.notes.values() if m["parent_id"] == n["id"])
        else:
            out[name] = {"data": previews[name][:100], "totalCount": len(previews[name])}
    return out


def _total_count(ctx: Ctx) -> bool:
    raw = ctx.request.args.get("totalCount")
    if raw is None:
        return False
    if raw not in ("true", "false"):
        raise ApiError(400, "totalCount must be true or false", "totalCount")
    return raw == "true"


def _notes_page(
    ctx: Ctx,
    notes: list[dict[str, Any]],
    includes: list[str] | None = None,
    properties: dict[str, Prop] = ENTITY_NOTE_FILTER,
) -> Any:
    keep = compile_filter(ctx.request.args.get("filter"), properties)
    total = _total_count(ctx)
    chosen = [n for n in notes if n["parent_id"] is None and keep(n) and ctx.can_see_note(n)]
    page = v2_page(ctx, chosen, default_limit=20, minimum=0, total_count=total)
    page["data"] = [v2_note(ctx, n, includes or []) for n in page["data"]]
    return page


def list_notes(ctx: Ctx) -> Any:
    includes = v2_enum_list(ctx, "includes", NOTE_INCLUDES)
    return _notes_page(ctx, list(ctx.world.notes.values()), includes, NOTE_FILTER)


def get_note(ctx: Ctx, note_id: int) -> Any:
    includes = v2_enum_list(ctx, "includes", NOTE_INCLUDES)
    return v2_note(ctx, ctx.visible_note(note_id), includes)


def person_notes(ctx: Ctx, person_id: int) -> Any:
    _get(ctx, ctx.world.persons, person_id, "Person")
    return _notes_page(ctx, [n for n in ctx.world.notes.values() if person_id in n["person_ids"]])


def company_notes(ctx: Ctx, company_id: int) -> Any:
    _get(ctx, ctx.world.organizations, company_id, "Company")
    people = set(ctx.state.index.persons_by_org[company_id])
    return _notes_page(
        ctx,
        [
            n
            for n in ctx.world.notes.values()
            if company_id in n["organization_ids"] or people.intersection(n["person_ids"])
        ],
    )


def opportunity_notes(ctx: Ctx, opportunity_id: int) -> Any:
    ctx.visible_opportunity(opportunity_id)
    return _notes_page(
        ctx, [n for n in ctx.world.notes.values() if opportunity_id in n["opportunity_ids"]]
    )


_ENTRY = "/v2/lists/<seg:list_id>/list-entries/<seg:entry_id>"
ROUTES = [
    ("/v2/auth/whoami", ["GET"], whoami),
    ("/v2/persons", ["GET"], list_persons),
    ("/v2/persons/fields", ["GET"], person_fields),
    ("/v2/persons/<seg:person_id>", ["GET"], get_person),
    ("/v2/persons/<seg:person_id>/lists", ["GET"], person_lists),
    ("/v2/persons/<seg:person_id>/list-entries", ["GET"], person_entries),
    ("/v2/persons/<seg:person_id>/notes", ["GET"], person_notes),
    ("/v2/companies", ["GET"], list_companies),
    ("/v2/companies/fields", ["GET"], company_fields),
    ("/v2/companies/<seg:company_id>", ["GET"], get_company),
    ("/v2/companies/<seg:company_id>/lists", ["GET"], company_lists),
    ("/v2/companies/<seg:company_id>/list-entries", ["GET"], company_entries),
    ("/v2/companies/<seg:company_id>/notes", ["GET"], company_notes),
    ("/v2/opportunities", ["GET"], list_opportunities),
    ("/v2/opportunities/<seg:opportunity_id>", ["GET"], get_opportunity),
    ("/v2/opportunities/<seg:opportunity_id>/notes", ["GET"], opportunity_notes),
    ("/v2/lists", ["GET"], list_lists),
    ("/v2/lists/<seg:list_id>", ["GET"], get_list),
    ("/v2/lists/<seg:list_id>/fields", ["GET"], list_fields),
    ("/v2/lists/<seg:list_id>/list-entries", ["GET"], list_entries),
    (_ENTRY, ["GET"], get_entry),
    (f"{_ENTRY}/fields", ["GET"], entry_fields),
    (f"{_ENTRY}/fields", ["PATCH"], batch_update_fields),
    (f"{_ENTRY}/fields/<field_id>", ["GET"], entry_field),
    (f"{_ENTRY}/fields/<field_id>", ["POST"], update_field),
    ("/v2/notes", ["GET"], list_notes),
    ("/v2/notes/<seg:note_id>", ["GET"], get_note),
]
