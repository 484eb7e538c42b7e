"""V2 dropdown options and person/company field values (2026-07-15).

Dropdown options: GET for person, company and list fields; create, get, update and delete for a
list's own (list-specific) dropdown and ranked-dropdown fields. Deleting an option "clears every
field value currently set to it", as the spec warns; each cleared value is a recorded change.

Person and company field values: GET all (enriched, global and relationship-intelligence; `ids`
or `types`, not both), GET one, POST one (204) and PATCH `update-fields` (up to 100, all
validated before any is written). Only global fields are written: enriched and
relationship-intelligence fields are Affinity's and answer 400; list fields are written through
the list entry endpoints, as the spec says.
"""

from __future__ import annotations

from typing import Any

from werkzeug.wrappers import Response

from . import render, seed, versions
from .v2 import (
    ENTITY_FIELD_TYPES,
    _apply,
    _available,
    _check_ids,
    _existing,
    _fields,
    _global_fields,
    _parse_update,
    _selection,
    planned_batch,
)
from .web import ApiError, Ctx, json_response, v2_page

DROPDOWN_TYPES = {seed.DROPDOWN: "dropdown", seed.RANKED: "ranked-dropdown"}
COLORS = {name: code for code, name in render.COLORS_V2.items() if name}
"""The option palette of the 2026-07-15 spec, to the stored color codes."""
MAX_TEXT = 255


# -- dropdown options ----------------------------------------------------------------------
def v2_option(f: dict[str, Any], opt: dict[str, Any]) -> dict[str, Any]:
    """A `DropdownOption` (plain or ranked, as its field is)."""
    out: dict[str, Any] = {
        "id": opt["id"],
        "text": opt["text"],
        "type": DROPDOWN_TYPES[f["value_type"]],
    }
    if f["value_type"] == seed.RANKED:
        out["rank"] = opt["rank"]
        out["color"] = render.COLORS_V2.get(opt["color"])
    return out


def _field_record(field_id: str) -> int | None:
    number = field_id.removeprefix("field-")
    return int(number) if field_id.startswith("field-") and number.isdigit() else None


def _dropdown_field(ctx: Ctx, candidates: list[dict[str, Any]], field_id: str) -> dict[str, Any]:
    """The dropdown field `field_id` among `candidates`: 404 unknown, 400 not a dropdown."""
    number = _field_record(field_id)
    found = next((f for f in candidates if f["id"] == number), None)
    if found is None:
        raise ApiError(404, f"Field {field_id} not found")
    if found["value_type"] not in DROPDOWN_TYPES:
        raise ApiError(400, f"Field {field_id} is not a dropdown field", "fieldId")
    return found


def _options_page(ctx: Ctx, f: dict[str, Any]) -> Any:
    options = sorted(f["dropdown_options"], key=lambda o: (o["rank"], o["id"]))
    page = v2_page(ctx, options)
    page["data"] = [v2_option(f, o) for o in page["data"]]
    return page


def person_options(ctx: Ctx, field_id: str) -> Any:
    return _options_page(ctx, _dropdown_field(ctx, _global_fields(ctx, 0), field_id))


def company_options(ctx: Ctx, field_id: str) -> Any:
    return _options_page(ctx, _dropdown_field(ctx, _global_fields(ctx, 1), field_id))


def _list_field(ctx: Ctx, list_id: int, field_id: str, *, own: bool) -> dict[str, Any]:
    """A dropdown field of list `list_id` (its own fields, and with `own=False` also the global
    fields of its entity type)."""
    rec = ctx.visible_list(list_id)
    fields = [ctx.world.fields[i] for i in ctx.state.index.fields_by_list[list_id]]
    if not own and rec["type"] != 8:
        fields += _global_fields(ctx, rec["type"])
    return _dropdown_field(ctx, fields, field_id)


def list_options(ctx: Ctx, list_id: int, field_id: str) -> Any:
    return _options_page(ctx, _list_field(ctx, list_id, field_id, own=False))


def _option(ctx: Ctx, f: dict[str, Any], raw_id: str) -> dict[str, Any]:
    option_id = versions.path_id(raw_id, "dropdownOptionId", ctx.version)
    opt: dict[str, Any] | None = next(
        (o for o in f["dropdown_options"] if o["id"] == option_id), None
    )
    if opt is None:
        raise ApiError(404, "Dropdown option not found")
    return opt


def get_list_option(ctx: Ctx, list_id: int, field_id: str, option_id: str) -> Any:
    f = _list_field(ctx, list_id, field_id, own=False)
    return v2_option(f, _option(ctx, f, option_id))


def _option_body(
    ctx: Ctx, f: dict[str, Any], *, creating: bool, current: dict[str, Any] | None = None
) -> dict[str, Any]:
    """The validated text/rank/color of a create or update body for field `f`."""
    body = ctx.body()
    ranked = f["value_type"] == seed.RANKED
    kind = DROPDOWN_TYPES[f["value_type"]]
    allowed = (
        {"text"} | ({"rank", "color"} if ranked else set()) | ({"type"} if creating else set())
    )
    extra = sorted(set(body) - allowed)
    if extra:
        raise ApiError(400, f"{extra[0]} cannot be set on a {kind} option", extra[0])
    if creating and body.get("type") != kind:
        raise ApiError(400, f"type must be {kind} for this field", "type")
    needed = ({"text", "rank", "color"} if ranked else {"text"}) if creating else set()
    missing = sorted(needed - set(body))
    if missing:
        raise ApiError(400, f"{missing[0]} is required", missing[0])
    out: dict[str, Any] = {}
    if "text" in body:
        text = body["text"]
        if not isinstance(text, str) or not 1 <= len(text.strip()) <= MAX_TEXT:
            raise ApiError(400, f"text must be 1 to {MAX_TEXT} characters", "text")
        clash = [
            o
            for o in f["dropdown_options"]
            if o["text"].lower() == text.strip().lower() and o is not current
        ]
        if clash:
            raise ApiError(400, f"The field already has an option {text.strip()!r}", "text")
        out["text"] = text.strip()
    if "rank" in body:
        rank = body["rank"]
        if isinstance(rank, bool) or not isinstance(rank, int) or not 0 <= rank <= 2**31 - 1:
            raise ApiError(400, "rank must be an integer from 0", "rank")
        out["rank"] = rank
    if "color" in body:
        if body["color"] not in COLORS:
            raise ApiError(400, "color must be one of " + ", ".join(COLORS), "color")
        out["color"] = COLORS[body["color"]]
    if not creating and not out:
        raise ApiError(400, "Nothing to update", "body")
    return out


def create_list_option(ctx: Ctx, list_id: int, field_id: str) -> Any:
    f = _list_field(ctx, list_id, field_id, own=True)
    values = _option_body(ctx, f, creating=True)
    opt = {
        "id": ctx.world.new_id("dropdown"),
        "text": values["text"],
        "rank": values.get("rank", max((o["rank"] for o in f["dropdown_options"]), default=0) + 1),
        "color": values.get("color", 0),
    }
    f["dropdown_options"].append(opt)
    ctx.state.index.options[opt["id"]] = (f["id"], opt)
    return json_response(v2_option(f, opt), 201)


def update_list_option(ctx: Ctx, list_id: int, field_id: str, option_id: str) -> Any:
    f = _list_field(ctx, list_id, field_id, own=True)
    opt = _option(ctx, f, option_id)
    opt.update(_option_body(ctx, f, creating=False, current=opt))
    return Response(status=204)


def delete_list_option(ctx: Ctx, list_id: int, field_id: str, option_id: str) -> Any:
    """Remove the option and clear the values set to it, each clearing a recorded change."""
    f = _list_field(ctx, list_id, field_id, own=True)
    opt = _option(ctx, f, option_id)
    w, index = ctx.world, ctx.state.index
    holders = [
        v for v in w.field_values.values() if v["field_id"] == f["id"] and v["value"] == opt["id"]
    ]
    for v in holders:
        with ctx.state.field_write(f, v["entity_id"], v["list_entry_id"], ctx.user["person_id"]):
            index.remove_value(v)
            del w.field_values[v["id"]]
    f["dropdown_options"].remove(opt)
    del index.options[opt["id"]]
    return Response(status=204)


# -- person and company field values -------------------------------------------------------
def _entity_fields(ctx: Ctx, entity_type: int, entity_id: int) -> Any:
    _existing(ctx, entity_type, entity_id)
    selection = _check_ids(
        ctx,
        _selection(ctx, ENTITY_FIELD_TYPES, ids_param="ids", types_param="types"),
        entity_type,
        None,
        "ids",
    )
    if selection is not None and selection[0] and selection[1]:
        raise ApiError(400, "ids and types cannot be used together", "ids")
    return v2_page(ctx, _fields(ctx, entity_type, entity_id, None, selection), default_limit=20)


def _entity_field(ctx: Ctx, entity_type: int, entity_id: int, field_id: str) -> Any:
    _existing(ctx, entity_type, entity_id)
    if field_id not in {v2_id for v2_id, _, _ in _available(ctx, entity_type, None)}:
        raise ApiError(404, f"Field {field_id} not found")
    return _fields(ctx, entity_type, entity_id, None, ([field_id], []))[0]


def _writable(ctx: Ctx, entity_type: int, field_id: str, param: str) -> Any:
    """The global field `field_id` of this entity type; enriched and relationship-intelligence
    fields are Affinity's (400), anything else unknown here (404)."""
    for v2_id, kind, f in _available(ctx, entity_type, None):
        if v2_id == field_id:
            if kind != "global":
                raise ApiError(400, f"{field_id} is a {kind} field and cannot be written", param)
            return f
    if field_id.startswith(("affinity-data-", "dealroom-")):
        raise ApiError(400, f"{field_id} is an enriched field and cannot be written", param)
    raise ApiError(404, f"Field {field_id} not found")


def _holder(entity_type: int, entity_id: int) -> dict[str, Any]:
    """What `v2._apply` writes through: the entity itself, no list entry."""
    return {"id": None, "entity_id": entity_id, "entity_type": entity_type, "list_id": None}


def _update_one(ctx: Ctx, entity_type: int, entity_id: int, field_id: str) -> Any:
    _existing(ctx, entity_type, entity_id)
    body = ctx.body()
    if set(body) - {"value"}:
        raise ApiError(400, "The body holds only value", sorted(set(body) - {"value"})[0])
    if "value" not in body:
        raise ApiError(400, "value is required", "value")
    f = _writable(ctx, entity_type, field_id, "fieldId")
    _apply(ctx, _holder(entity_type, entity_id), f, _parse_update(ctx, f, body["value"], "value"))
    return Response(status=204)


def _update_many(ctx: Ctx, entity_type: int, entity_id: int) -> Any:
    _existing(ctx, entity_type, entity_id)
    planned = planned_batch(
        ctx, lambda field_id, param: _writable(ctx, entity_type, field_id, param)
    )
    for f, raws in planned:  # all validated first: nothing is half-written
        _apply(ctx, _holder(entity_type, entity_id), f, raws)
    return {"operation": "update-fields"}


def person_fields(ctx: Ctx, person_id: int) -> Any:
    return _entity_fields(ctx, 0, person_id)


def company_fields(ctx: Ctx, company_id: int) -> Any:
    return _entity_fields(ctx, 1, company_id)


def person_field(ctx: Ctx, person_id: int, field_id: str) -> Any:
    return _entity_field(ctx, 0, person_id, field_id)


def company_field(ctx: Ctx, company_id: int, field_id: str) -> Any:
    return _entity_field(ctx, 1, company_id, field_id)


def update_person_field(ctx: Ctx, person_id: int, field_id: str) -> Any:
    return _update_one(ctx, 0, person_id, field_id)


def update_company_field(ctx: Ctx, company_id: int, field_id: str) -> Any:
    return _update_one(ctx, 1, company_id, field_id)


def update_person_fields(ctx: Ctx, person_id: int) -> Any:
    return _update_many(ctx, 0, person_id)


def update_company_fields(ctx: Ctx, company_id: int) -> Any:
    return _update_many(ctx, 1, company_id)


_OPTIONS = "/v2/lists/<seg:list_id>/fields/<seg:field_id>/dropdown-options"
ROUTES = [
    ("/v2/persons/fields/<seg:field_id>/dropdown-options", ["GET"], person_options),
    ("/v2/companies/fields/<seg:field_id>/dropdown-options", ["GET"], company_options),
    (_OPTIONS, ["GET"], list_options),
    (_OPTIONS, ["POST"], create_list_option),
    (_OPTIONS + "/<seg:option_id>", ["GET"], get_list_option),
    (_OPTIONS + "/<seg:option_id>", ["POST"], update_list_option),
    (_OPTIONS + "/<seg:option_id>", ["DELETE"], delete_list_option),
    ("/v2/persons/<seg:person_id>/fields", ["GET"], person_fields),
    ("/v2/persons/<seg:person_id>/fields", ["PATCH"], update_person_fields),
    ("/v2/persons/<seg:person_id>/fields/<seg:field_id>", ["GET"], person_field),
    ("/v2/persons/<seg:person_id>/fields/<seg:field_id>", ["POST"], update_person_field),
    ("/v2/companies/<seg:company_id>/fields", ["GET"], company_fields),
    ("/v2/companies/<seg:company_id>/fields", ["PATCH"], update_company_fields),
    ("/v2/companies/<seg:company_id>/fields/<seg:field_id>", ["GET"], company_field),
    ("/v2/companies/<seg:company_id>/fields/<seg:field_id>", ["POST"], update_company_field),
]
