"""V2 search (2026-07-15, beta): POST /v2/persons/search, /v2/companies/search and
/v2/lists/{listId}/list-entries/search.

The body is a `SearchCriteria` (all optional): `filters`, a tree of `FilterGroup`s (`and`/`or`,
at most 50 items each) whose leaves are `ValueFilter`s (`fieldId`, `valueType`, `operator`,
`value`); `search.term` (3 characters or more, matched case-insensitively against the entity's
name and primary identifier, extended to the fields in `search.fieldIds`); `sorts` (1 to 5,
applied in order). Query: `fieldIds` or `fieldTypes` (not both), `cursor`, `limit` (1-100,
default 100), `totalCount`. A search answers 201, as the spec documents.

The operators accepted per value type are the ones the fields endpoints advertise under
`includes=filterability` (`field_meta.OPERATORS`); the relative-date operators are not modelled
and get a 400, as does a filter or sort on a relationship-intelligence field.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from . import field_meta, render, seed
from .v2 import (
    ENTITY_FIELD_TYPES,
    ENTRY_FIELD_TYPES,
    _available,
    _check_ids,
    _entity,
    _entry_with_entity,
    _selection,
    _total_count,
    _values_by_field,
)
from .web import ApiError, Ctx, json_response, v2_page

Predicate = Callable[["_Subject"], bool]

MAX_GROUP_ITEMS = 50
MAX_VALUES = 100
MAX_SORTS = 5
MIN_TERM = 3


class _Subject:
    """One searchable row: the record, its entity type and id, and its list entry (if any)."""

    def __init__(self, ctx: Ctx, entity_type: int, rec: dict[str, Any], entry: Any) -> None:
        self.ctx = ctx
        self.entity_type = entity_type
        self.rec = rec
        self.entry = entry
        self.entity_id = rec["id"]
        self._values: dict[int, list[Any]] | None = None

    def raw_values(self, field: Any) -> list[Any]:
        """Stored raw values of `field` (a field record, an association name or the phone)."""
        if isinstance(field, str):
            return list(self.rec["person_ids" if field == "persons" else "organization_ids"])
        if isinstance(field, tuple):
            return list(self.rec.get("phone_numbers") or [])
        if self._values is None:
            self._values = _values_by_field(self.ctx, self.entity_id, self.entry)
        return self._values.get(field["id"], [])


# -- request -----------------------------------------------------------------------------
def _criteria(ctx: Ctx) -> dict[str, Any]:
    body = ctx.body() if ctx.request.get_data() else {}
    unknown = sorted(set(body) - {"filters", "search", "sorts"})
    if unknown:
        raise ApiError(400, f"Unknown search criteria property: {unknown[0]}", unknown[0])
    return body


def _field_types(ctx: Ctx, list_id: int | None, entity_type: int) -> dict[str, tuple[str, Any]]:
    """V2 field id -> (value type, field) for everything this search can filter or sort on."""
    out: dict[str, tuple[str, Any]] = {}
    for v2_id, _kind, f in _available(ctx, entity_type, list_id):
        if isinstance(f, str):
            out[v2_id] = ("person-multi" if f == "persons" else "company-multi", f)
        elif isinstance(f, tuple) and f[0] == "phone":
            out[v2_id] = ("filterable-text-multi", f)
        elif isinstance(f, tuple):
            out[v2_id] = ("interaction", f)
        else:
            out[v2_id] = (render.v2_value_type(f), f)
    return out


def _field(fields: dict[str, tuple[str, Any]], field_id: Any, param: str) -> tuple[str, Any]:
    if not isinstance(field_id, str) or not field_id:
        raise ApiError(400, "fieldId must be a non-empty string", param)
    found = fields.get(field_id)
    if found is None:
        raise ApiError(400, f"Unknown field id: {field_id}", param)
    if found[0] == "interaction":
        raise ApiError(
            400, f"{field_id}: relationship-intelligence fields cannot be searched here", param
        )
    return found


# -- filters -----------------------------------------------------------------------------
def _group(node: Any, fields: dict[str, tuple[str, Any]], param: str) -> Predicate:
    if not isinstance(node, dict):
        raise ApiError(400, "a filter group must be an object", param)
    extra = sorted(set(node) - {"operator", "filters"})
    if extra:
        raise ApiError(400, f"Unknown filter group property: {extra[0]}", param)
    operator, items = node.get("operator"), node.get("filters")
    if operator not in ("and", "or"):
        raise ApiError(400, "operator must be and or or", f"{param}.operator")
    if not isinstance(items, list):
        raise ApiError(400, "filters must be an array", f"{param}.filters")
    if len(items) > MAX_GROUP_ITEMS:
        raise ApiError(
            400, f"a filter group holds at most {MAX_GROUP_ITEMS} items", f"{param}.filters"
        )
    tests = [
        _group(item, fields, f"{param}.filters[{i}]")
        if isinstance(item, dict) and "fieldId" not in item
        else _value_filter(item, fields, f"{param}.filters[{i}]")
        for i, item in enumerate(items)
    ]
    if operator == "and":
        return lambda s: all(t(s) for t in tests)
    return lambda s: any(t(s) for t in tests)


def _value_filter(node: Any, fields: dict[str, tuple[str, Any]], param: str) -> Predicate:
    if not isinstance(node, dict):
        raise ApiError(400, "a filter must be an object", param)
    extra = sorted(set(node) - {"fieldId", "valueType", "operator", "value", "attributeId"})
    if extra:
        raise ApiError(400, f"Unknown filter property: {extra[0]}", param)
    value_type, field = _field(fields, node.get("fieldId"), f"{param}.fieldId")
    said = node.get("valueType")
    expected = "date" if value_type == "datetime" else value_type
    if said != expected:
        raise ApiError(
            400, f"valueType of {node['fieldId']} is {expected}, not {said}", f"{param}.valueType"
        )
    op = node.get("operator")
    allowed = field_meta.OPERATORS.get(value_type, ())
    if op not in allowed:
        raise ApiError(
            400,
            f"operator {op!r} is not supported for {expected} fields; use one of "
            + ", ".join(allowed),
            f"{param}.operator",
        )
    if op in ("is-empty", "is-not-empty"):
        if "value" in node:
            raise ApiError(400, f"{op} takes no value", f"{param}.value")
        empty = op == "is-empty"
        return lambda s: (not s.raw_values(field)) == empty
    if "value" not in node:
        raise ApiError(400, f"{op} needs a value", f"{param}.value")
    return _compare(value_type, field, op, node["value"], f"{param}.value")


def _keys(value_type: str, value: Any, param: str) -> list[Any]:
    """The filter's values as comparable keys (ids, lowercased texts, location parts)."""
    if not isinstance(value, list) or not 1 <= len(value) <= MAX_VALUES:
        raise ApiError(400, f"value must be an array of 1 to {MAX_VALUES} items", param)
    base = value_type.removesuffix("-multi")
    out: list[Any] = []
    for item in value:
        if base in ("person", "company"):
            key = item.get("id") if isinstance(item, dict) else None
        elif base in ("dropdown", "ranked-dropdown"):
            key = item.get("dropdownOptionId") if isinstance(item, dict) else None
        elif base == "location":
            parts = ("streetAddress", "city", "state", "country", "continent")
            ok = isinstance(item, dict) and set(item) <= set(parts)
            key = {k: str(v).lower() for k, v in item.items()} if ok else None
        else:
            key = item.lower() if isinstance(item, str) else None
        if key is None or isinstance(key, bool) or (isinstance(key, int) and key < 1):
            raise ApiError(400, f"value items do not fit a {value_type} filter", param)
        if base in ("person", "company", "dropdown", "ranked-dropdown") and not isinstance(
            key, int
        ):
            raise ApiError(400, f"value items do not fit a {value_type} filter", param)
        out.append(key)
    return out


def _raw_key(value_type: str, raw: Any) -> Any:
    base = value_type.removesuffix("-multi")
    if base == "location":
        names = {"street_address": "streetAddress"}
        return {names.get(k, k): str(v).lower() for k, v in (raw or {}).items() if v is not None}
    if isinstance(raw, str):
        return raw.lower()
    return raw


def _matches(value_type: str, raw: Any, key: Any) -> bool:
    got = _raw_key(value_type, raw)
    if isinstance(key, dict):
        return all(got.get(k) == v for k, v in key.items())
    return bool(got == key)


def _compare(value_type: str, field: Any, op: str, value: Any, param: str) -> Predicate:
    if value_type == "number":
        return _number(field, op, value, param)
    if value_type == "datetime":
        return _date(field, op, value, param)
    if value_type == "text":
        if not isinstance(value, str):
            raise ApiError(400, "value must be a string", param)
        needle = value.lower()
        test: Callable[[str], bool] = {
            "contains": lambda t: needle in t,
            "does-not-contain": lambda t: needle not in t,
            "starts-with": lambda t: t.startswith(needle),
            "ends-with": lambda t: t.endswith(needle),
        }[op]
        return lambda s: (
            any(test(str(r).lower()) for r in s.raw_values(field))
            or (op == "does-not-contain" and not s.raw_values(field))
        )
    keys = _keys(value_type, value, param)

    def hits(s: _Subject) -> list[bool]:
        raws = s.raw_values(field)
        return [any(_matches(value_type, r, k) for r in raws) for k in keys]

    if op in ("is-any-of", "has-any-of"):
        return lambda s: any(hits(s))
    if op in ("is-none-of", "has-none-of"):
        return lambda s: not any(hits(s))
    return lambda s: all(hits(s))  # has-all-of


def _number(field: Any, op: str, value: Any, param: str) -> Predicate:
    def number(v: Any) -> float:
        if isinstance(v, bool) or not isinstance(v, int | float):
            raise ApiError(400, "value must be a number", param)
        return float(v)

    if op == "is-between":
        if not isinstance(value, list) or len(value) != 2:
            raise ApiError(400, "is-between takes exactly two numbers", param)
        low, high = number(value[0]), number(value[1])
        return lambda s: any(low <= r <= high for r in s.raw_values(field))
    n = number(value)
    test: Callable[[float], bool] = {
        "is-equal-to": lambda r: r == n,
        "is-not-equal-to": lambda r: r != n,
        "is-greater-than": lambda r: r > n,
        "is-greater-than-or-equal-to": lambda r: r >= n,
        "is-less-than": lambda r: r < n,
        "is-less-than-or-equal-to": lambda r: r <= n,
    }[op]
    if op == "is-not-equal-to":
        return lambda s: all(test(r) for r in s.raw_values(field))
    return lambda s: any(test(r) for r in s.raw_values(field))


def _day(text: Any, param: str) -> date:
    try:
        return date.fromisoformat(text) if isinstance(text, str) else _raise(param)
    except ValueError:
        return _raise(param)


def _raise(param: str) -> date:
    raise ApiError(400, "value must be a date (YYYY-MM-DD)", param)


def _date(field: Any, op: str, value: Any, param: str) -> Predicate:
    """Dates compare by calendar day in Pacific time, where Affinity keeps date fields."""

    def days(s: _Subject) -> list[date]:
        return [r.astimezone(seed.PACIFIC).date() for r in s.raw_values(field)]

    if op == "is-between":
        if not isinstance(value, list) or len(value) != 2:
            raise ApiError(400, "is-between takes exactly two dates", param)
        start, end = _day(value[0], param), _day(value[1], param)
        return lambda s: any(start <= d <= end for d in days(s))
    day = _day(value, param)
    test: Callable[[date], bool] = {
        "is-on": lambda d: d == day,
        "is-not-on": lambda d: d != day,
        "is-before": lambda d: d < day,
        "is-after": lambda d: d > day,
        "is-on-or-before": lambda d: d <= day,
        "is-on-or-after": lambda d: d >= day,
    }[op]
    if op == "is-not-on":
        return lambda s: all(test(d) for d in days(s))
    return lambda s: any(test(d) for d in days(s))


# -- search term -------------------------------------------------------------------------
def _identity(s: _Subject) -> list[str]:
    rec = s.rec
    if s.entity_type == 0:
        emails = rec.get("emails") or []
        full = f"{rec['first_name']} {rec['last_name'] or ''}".strip()
        return [rec["first_name"] or "", rec["last_name"] or "", full, *emails[:1]]
    if s.entity_type == 1:
        return [rec["name"], rec.get("domain") or ""]
    return [rec["name"]]


def _term(
    ctx: Ctx, search: Any, fields: dict[str, tuple[str, Any]]
) -> Callable[[_Subject], bool] | None:
    if search is None:
        return None
    if not isinstance(search, dict):
        raise ApiError(400, "search must be an object", "search")
    extra = sorted(set(search) - {"term", "fieldIds"})
    if extra:
        raise ApiError(400, f"Unknown search property: {extra[0]}", "search")
    term = search.get("term")
    if not isinstance(term, str) or len(term.strip()) < MIN_TERM:
        raise ApiError(400, f"search.term must be at least {MIN_TERM} characters", "search.term")
    ids = search.get("fieldIds")
    extra_fields = []
    if ids is not None:
        if not isinstance(ids, list) or not 1 <= len(ids) <= MAX_VALUES:
            raise ApiError(400, "search.fieldIds must hold 1 to 100 field ids", "search.fieldIds")
        for fid in ids:
            value_type, field = _field(fields, fid, "search.fieldIds")
            if value_type != "datetime":  # "silently ignored" (spec)
                extra_fields.append((value_type, field))
    needle = term.strip().lower()

    def matches(s: _Subject) -> bool:
        texts = _identity(s)
        for value_type, field in extra_fields:
            texts += [_text(ctx, value_type, field, r) for r in s.raw_values(field)]
        return any(needle in t.lower() for t in texts)

    return matches


def _text(ctx: Ctx, value_type: str, field: Any, raw: Any) -> str:
    """A stored value as the text a user sees (names, option texts, location parts)."""
    w = ctx.world
    base = value_type.removesuffix("-multi")
    if base == "person" and raw in w.persons:
        p = w.persons[raw]
        return f"{p['first_name']} {p['last_name'] or ''}"
    if base == "company" and raw in w.organizations:
        return str(w.organizations[raw]["name"])
    if base in ("dropdown", "ranked-dropdown") and raw in ctx.state.index.options:
        return str(ctx.state.index.options[raw][1]["text"])
    if isinstance(raw, dict):
        return " ".join(str(v) for v in raw.values() if v)
    return str(raw)


# -- sorts -------------------------------------------------------------------------------
def _sorts(
    ctx: Ctx, sorts: Any, fields: dict[str, tuple[str, Any]]
) -> list[tuple[Callable[[_Subject], Any], bool]]:
    if sorts is None:
        return []
    if not isinstance(sorts, list) or not 1 <= len(sorts) <= MAX_SORTS:
        raise ApiError(400, f"sorts must hold 1 to {MAX_SORTS} items", "sorts")
    out: list[tuple[Callable[[_Subject], Any], bool]] = []
    for i, item in enumerate(sorts):
        param = f"sorts[{i}]"
        if not isinstance(item, dict) or set(item) - {"fieldId", "direction", "attributeId"}:
            raise ApiError(400, "a sort is {fieldId, direction}", param)
        value_type, field = _field(fields, item.get("fieldId"), f"{param}.fieldId")
        if value_type not in field_meta.SORTABLE:
            raise ApiError(400, f"{item['fieldId']} is not sortable", f"{param}.fieldId")
        if item.get("direction") not in ("asc", "desc"):
            raise ApiError(400, "direction must be asc or desc", f"{param}.direction")

        def key(s: _Subject, vt: str = value_type, f: Any = field) -> Any:
            raws = s.raw_values(f)
            return (
                _text(ctx, vt, f, raws[-1]).lower()
                if vt in _BY_TEXT and raws
                else (raws[-1] if raws else None)
            )

        out.append((key, item["direction"] == "desc"))
    return out


_BY_TEXT = frozenset({"person", "company", "dropdown", "text"})
"""Sorted by what the user reads; ranked dropdowns sort by rank (their option ids are in rank
order in the seed and new options are appended last), numbers and dates by value."""


def _ordered(subjects: list[_Subject], sorts: list[tuple[Callable[[_Subject], Any], bool]]) -> Any:
    for key, descending in reversed(sorts):  # stable sorts, last criterion first
        present = [s for s in subjects if key(s) is not None]
        missing = [s for s in subjects if key(s) is None]
        present.sort(key=key, reverse=descending)
        subjects = present + missing  # no value sorts last either way
    return subjects


# -- endpoints ---------------------------------------------------------------------------
def _run(
    ctx: Ctx,
    subjects: list[_Subject],
    entity_type: int,
    list_id: int | None,
    allowed_types: tuple[str, ...],
) -> tuple[list[_Subject], Any]:
    if ctx.request.args.getlist("fieldIds") and ctx.request.args.getlist("fieldTypes"):
        raise ApiError(400, "Use fieldIds or fieldTypes, not both", "fieldIds")
    selection = _check_ids(ctx, _selection(ctx, allowed_types), entity_type, list_id)
    criteria = _criteria(ctx)
    fields = _field_types(ctx, list_id, entity_type)
    keep = (
        _group(criteria["filters"], fields, "filters")
        if criteria.get("filters") is not None
        else None
    )
    term = _term(ctx, criteria.get("search"), fields)
    sorts = _sorts(ctx, criteria.get("sorts"), fields)
    chosen = [s for s in subjects if (term is None or term(s)) and (keep is None or keep(s))]
    return _ordered(chosen, sorts), selection


def _entity_search(ctx: Ctx, entity_type: int) -> Any:
    table = ctx.world.persons if entity_type == 0 else ctx.world.organizations
    shape = render.v2_person if entity_type == 0 else render.v2_company
    subjects = [_Subject(ctx, entity_type, r, None) for r in table.values()]
    chosen, selection = _run(ctx, subjects, entity_type, None, ENTITY_FIELD_TYPES)
    page = v2_page(ctx, chosen, total_count=_total_count(ctx))
    page["data"] = [_entity(ctx, s.rec, entity_type, shape, selection) for s in page["data"]]
    return json_response(page, 201)


def search_persons(ctx: Ctx) -> Any:
    return _entity_search(ctx, 0)


def search_companies(ctx: Ctx) -> Any:
    return _entity_search(ctx, 1)


def search_entries(ctx: Ctx, list_id: int) -> Any:
    rec = ctx.visible_list(list_id)
    w = ctx.world
    table = {0: w.persons, 1: w.organizations, 8: w.opportunities}[rec["type"]]
    subjects = []
    for eid in ctx.state.index.entries_by_list[list_id]:
        e = w.list_entries[eid]
        subjects.append(_Subject(ctx, rec["type"], table[e["entity_id"]], e))
    chosen, selection = _run(ctx, subjects, rec["type"], list_id, ENTRY_FIELD_TYPES)
    page = v2_page(ctx, chosen, total_count=_total_count(ctx))
    page["data"] = [_entry_with_entity(ctx, s.entry, selection) for s in page["data"]]
    return json_response(page, 201)


ROUTES = [
    ("/v2/persons/search", ["POST"], search_persons),
    ("/v2/companies/search", ["POST"], search_companies),
    ("/v2/lists/<seg:list_id>/list-entries/search", ["POST"], search_entries),
]
