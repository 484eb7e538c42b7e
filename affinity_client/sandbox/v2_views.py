"""V2 saved views (spec 2026-07-15, reference/affinity-v2-openapi-2026-07-15.json):
``GET /v2/lists/{listId}/saved-views``, ``…/saved-views/{viewId}`` and
``…/saved-views/{viewId}/list-entries``.

The seeded views are fixed definitions (``SAVED_VIEWS``): a name, a type, the columns pulled into
the view and one filter (a field equal to a dropdown option, or the caller among a person
field's values). A view's entries are computed from the current world, so a stage written a
moment ago moves a deal into or out of a view, as in Affinity. As the spec says, the entries
keep the view's filters and columns (only those fields come back) but not its sort, and only
sheet views list entries (a board or dashboard view answers 400).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from . import seed
from .v2 import _entry_with_entity
from .web import ApiError, Ctx, v2_date, v2_page

ME = "me"
"""A filter value meaning the calling user (a "My deals" view)."""


@dataclass(frozen=True)
class SavedView:
    id: int
    list_id: int
    name: str
    type: str  # sheet | board | dashboard
    columns: tuple[str, ...]
    where: tuple[str, str] | None  # (field name, option text or ME)
    age_days: int


SERIES_A = seed.LISTS["Series A Pipeline"]
SAVED_VIEWS = (
    SavedView(
        9101, SERIES_A, "In IC", "sheet", ("Status", "Owners", "Amount"), ("Status", "IC"), 120
    ),
    SavedView(
        9102, SERIES_A, "My deals", "sheet", ("Status", "Amount", "Owners"), ("Owners", ME), 90
    ),
    SavedView(9103, SERIES_A, "Deal Pipeline Status", "board", ("Status",), None, 200),
    SavedView(9104, seed.LISTS["Seed Pipeline"], "All seed deals", "sheet", ("Status",), None, 60),
    SavedView(
        9105,
        seed.PRIVATE_LIST_ID,
        "Secondaries in diligence",
        "sheet",
        ("Status",),
        ("Status", "Diligence"),
        30,
    ),
    SavedView(
        9106,
        seed.LISTS["Founders to Watch"],
        "High priority",
        "sheet",
        ("Priority",),
        ("Priority", "High"),
        45,
    ),
)


def _render(view: SavedView) -> dict[str, Any]:
    return {
        "id": view.id,
        "name": view.name,
        "type": view.type,
        "createdAt": v2_date(seed.SEED_NOW - timedelta(days=view.age_days)),
    }


def _views(ctx: Ctx, list_id: int) -> list[SavedView]:
    ctx.visible_list(list_id)  # 404 for an unknown list, 403 for a private one not shared
    return [v for v in SAVED_VIEWS if v.list_id == list_id]


def _view(ctx: Ctx, list_id: int, view_id: str) -> SavedView:
    if not view_id.isdigit() or int(view_id) < 1:
        raise ApiError(400, "viewId must be a positive integer", "viewId")
    for view in _views(ctx, list_id):
        if view.id == int(view_id):
            return view
    raise ApiError(404, "Saved view not found")


def list_views(ctx: Ctx, list_id: int) -> Any:
    page = v2_page(ctx, _views(ctx, list_id))
    page["data"] = [_render(v) for v in page["data"]]
    return page


def get_view(ctx: Ctx, list_id: int, view_id: str) -> Any:
    return _render(_view(ctx, list_id, view_id))


def _field_ids(ctx: Ctx, list_id: int) -> dict[str, int]:
    w = ctx.world
    return {w.fields[f]["name"]: f for f in ctx.state.index.fields_by_list[list_id]}


def _keeps(ctx: Ctx, view: SavedView, entry: dict[str, Any], field_id: int | None) -> bool:
    if view.where is None:
        return True
    if field_id is None:
        return False
    w, index = ctx.world, ctx.state.index
    values = [
        w.field_values[v]["value"]
        for v in index.values_by_entry[entry["id"]]
        if w.field_values[v]["field_id"] == field_id
    ]
    wanted = view.where[1]
    if wanted == ME:
        return ctx.user["person_id"] in values
    options = {o["id"] for o in w.fields[field_id]["dropdown_options"] if o["text"] == wanted}
    return any(v in options for v in values)


def view_entries(ctx: Ctx, list_id: int, view_id: str) -> Any:
    view = _view(ctx, list_id, view_id)
    if view.type != "sheet":
        raise ApiError(400, f"Only sheet views list their entries; this is a {view.type} view")
    by_name = _field_ids(ctx, list_id)
    columns = [f"field-{by_name[c]}" for c in view.columns if c in by_name]
    where_field = by_name.get(view.where[0]) if view.where else None
    entries = [
        e
        for i in ctx.state.index.entries_by_list[list_id]
        if _keeps(ctx, view, e := ctx.world.list_entries[i], where_field)
    ]
    page = v2_page(ctx, entries)
    page["data"] = [_entry_with_entity(ctx, e, (columns, [])) for e in page["data"]]
    return page


_VIEWS = "/v2/lists/<seg:list_id>/saved-views"
ROUTES = [
    (_VIEWS, ["GET"], list_views),
    (f"{_VIEWS}/<seg:view_id>", ["GET"], get_view),
    (f"{_VIEWS}/<seg:view_id>/list-entries", ["GET"], view_entries),
]
