"""V2 field value changes (2026-07-15): GET /v2/field-value-changes (built for delta sync) and
GET /v2/lists/{listId}/list-entries/{listEntryId}/field-value-changes.

Changes are recorded by `SandboxState.field_write` on every write of a field's values, whichever
endpoint took it, and seeded for the past weeks (`seed._Builder.build_history`). As the spec says,
only fields with change tracking enabled are served (`track_changes`; in the seed, every field but
Co-investors "Notes" and the global "Location"), in ascending `changedAt`, then change id. A
change to a list-specific field on a list the caller may not see is left out. A value whose
person, company or dropdown option has since been deleted comes back as a `deleted-entity`
reference with the text it had when the change was made.
"""

from __future__ import annotations

from typing import Any

from . import render, seed
from .filter_language import compile_filter, prop
from .web import ApiError, Ctx, v2_date, v2_page

_DATE_OPS = (">", "<", ">=", "<=")
_ENTRY_FILTER = {
    "field.id": prop("text", lambda c: f"field-{c['field_id']}", "="),
    "changer.id": prop("int", "changer_id", "="),
    "changedAt": prop("datetime", "changed_at", *_DATE_OPS),
    "actionType": prop("enum", "action", "=", values=("add", "update", "delete")),
}
GLOBAL_FILTER = {**_ENTRY_FILTER, "listEntry.id": prop("int", "list_entry_id", "=")}
ENTITY_TYPES = {0: "person", 1: "company", 8: "opportunity"}
ORDER_BY = ("changedAt", "-changedAt")


def _order(ctx: Ctx) -> bool:
    """True for descending (`orderBy=-changedAt`); the default is ascending."""
    values = ctx.request.args.getlist("orderBy")
    for value in values:
        if value not in ORDER_BY:
            raise ApiError(400, "orderBy must be changedAt or -changedAt", "orderBy")
    if len(set(values)) > 1:
        raise ApiError(400, "orderBy names changedAt once", "orderBy")
    return values == ["-changedAt"]


def _served(ctx: Ctx, change: dict[str, Any]) -> bool:
    f = ctx.world.fields.get(change["field_id"])
    if f is None or not f["track_changes"]:
        return False
    return f["list_id"] is None or ctx.can_see_list(ctx.world.lists[f["list_id"]])


def _user(ctx: Ctx, person_id: int | None) -> dict[str, Any] | None:
    if person_id is None:
        return None
    for u in seed.USERS:
        if u["person_id"] == person_id:
            first, last, email = u["first_name"], u["last_name"], u["email"]
            break
    else:
        p = ctx.world.persons[person_id]
        first, last = p["first_name"], p["last_name"]
        email = p["emails"][0] if p["emails"] else f"user-{person_id}@northwind.vc"
    return {"id": person_id, "firstName": first, "lastName": last, "emailAddress": email}


def _value(ctx: Ctx, f: dict[str, Any], change: dict[str, Any]) -> Any:
    raw, vt = change["value"], f["value_type"]
    deleted = {"referenceType": "deleted-entity", "displayValue": change["display"]}
    if vt in (seed.DROPDOWN, seed.RANKED):
        option = ctx.state.index.options.get(raw)
        if option is None:
            return deleted
    data = render.v2_one_value(ctx, f, raw)
    if vt in (seed.PERSON, seed.ORGANIZATION, seed.DROPDOWN, seed.RANKED):
        return deleted if data is None else {"referenceType": "entity", **data}
    return data


def v2_change(ctx: Ctx, change: dict[str, Any]) -> dict[str, Any]:
    """A `fieldValueChanges.FieldValueChange` of the 2026-07-15 spec."""
    f = ctx.world.fields[change["field_id"]]
    entry = ctx.world.list_entries.get(change["list_entry_id"]) if change["list_entry_id"] else None
    return {
        "id": change["id"],
        "field": {
            "id": f"field-{f['id']}",
            "entityType": ENTITY_TYPES[f["entity_type"]],
            "name": f["name"],
            "type": "list" if f["list_id"] is not None else "global",
        },
        "entity": {"id": change["entity_id"]},
        "listEntry": None
        if change["list_entry_id"] is None
        else {
            "id": change["list_entry_id"],
            "listId": entry["list_id"] if entry else f["list_id"],
        },
        "changer": _user(ctx, change["changer_id"]),
        "changedAt": v2_date(change["changed_at"]),
        "actionType": change["action"],
        "type": render.v2_value_type(f),
        "value": _value(ctx, f, change),
    }


def _page(ctx: Ctx, changes: list[dict[str, Any]], properties: Any, descending: bool) -> Any:
    keep = compile_filter(ctx.request.args.get("filter"), properties)
    chosen = [c for c in changes if _served(ctx, c) and keep(c)]
    chosen.sort(key=lambda c: (c["changed_at"], c["id"]), reverse=descending)
    page = v2_page(ctx, chosen)
    page["data"] = [v2_change(ctx, c) for c in page["data"]]
    return page


def all_changes(ctx: Ctx) -> Any:
    descending = _order(ctx)
    return _page(ctx, list(ctx.world.field_value_changes.values()), GLOBAL_FILTER, descending)


def entry_changes(ctx: Ctx, list_id: int, entry_id: int) -> Any:
    """An entry's changes: its list fields' and its entity's global fields'."""
    ctx.visible_list(list_id)
    e = ctx.world.list_entries.get(entry_id)
    if e is None or e["list_id"] != list_id:
        raise ApiError(404, "List entry not found")
    changes = [
        c
        for c in ctx.world.field_value_changes.values()
        if c["list_entry_id"] == entry_id
        or (
            c["list_entry_id"] is None
            and c["entity_id"] == e["entity_id"]
            and c["entity_type"] == e["entity_type"]
        )
    ]
    return _page(ctx, changes, _ENTRY_FILTER, descending=False)


ROUTES = [
    ("/v2/field-value-changes", ["GET"], all_changes),
    (
        "/v2/lists/<seg:list_id>/list-entries/<seg:entry_id>/field-value-changes",
        ["GET"],
        entry_changes,
    ),
]
