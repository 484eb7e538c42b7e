"""`FieldMetadata` as each version answers it, and the 2026-07-15 `filter`/`includes` params
of the three fields endpoints (`/v2/persons/fields`, `/v2/companies/fields` and
`/v2/lists/{listId}/fields`).

2026-07-15 adds `createdAt` (required, `null` for built-in fields such as relationship
intelligence and opportunity associations), `filterability` and `sortability` (present only
when `includes` asks for them, `null` when the field cannot be used that way) and the `filter`
query parameter (`name=` exact, `name=~` case-insensitive substring). A 2024-01-01 answer keeps
the 2024 shape and ignores those parameters, as that version does not define them.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from .web import ApiError, Ctx, v2_date, v2_enum_list, v2_page

INCLUDES = ("filterability", "sortability")
_CHOICE = ("is-any-of", "is-none-of", "is-empty", "is-not-empty")
_MULTI = ("has-any-of", "has-all-of", "has-none-of", "is-empty", "is-not-empty")
_DATE = (
    "is-on",
    "is-not-on",
    "is-before",
    "is-after",
    "is-on-or-before",
    "is-on-or-after",
    "is-between",
    "is-empty",
    "is-not-empty",
)
OPERATORS: dict[str, tuple[str, ...]] = {
    "person": _CHOICE,
    "company": _CHOICE,
    "dropdown": _CHOICE,
    "ranked-dropdown": _CHOICE,
    "filterable-text": _CHOICE,
    "location": _CHOICE,
    "person-multi": _MULTI,
    "company-multi": _MULTI,
    "dropdown-multi": _MULTI,
    "filterable-text-multi": _MULTI,
    "location-multi": _MULTI,
    "number": (
        "is-equal-to",
        "is-not-equal-to",
        "is-greater-than",
        "is-greater-than-or-equal-to",
        "is-less-than",
        "is-less-than-or-equal-to",
        "is-between",
        "is-empty",
        "is-not-empty",
    ),
    "datetime": _DATE,
    "text": (
        "contains",
        "does-not-contain",
        "starts-with",
        "ends-with",
        "is-empty",
        "is-not-empty",
    ),
}
"""Operators per value type, as the 2026-07-15 spec's `ValueFilter` variants allow them."""
SORTABLE = frozenset(
    {"person", "company", "dropdown", "ranked-dropdown", "number", "datetime", "text"}
)
"""Single-value types sort by their value; multi-values do not sort."""
ACTIVITY = {"id": "date-of-activity", "name": "Date of Activity"}
"""Interaction (relationship-intelligence) fields filter and sort on when they happened."""


def _operator(op: str) -> dict[str, Any]:
    count = (
        "none"
        if op in ("is-empty", "is-not-empty")
        else "two"
        if op == "is-between"
        else "multi"
        if op.startswith("has-") or op in ("is-any-of", "is-none-of")
        else "one"
    )
    return {"id": op, "name": op.replace("-", " ").capitalize(), "numberOfValuesRequired": count}


def filterability(value_type: str) -> dict[str, Any] | None:
    if value_type == "interaction":
        return {
            "filterableFieldType": "attribute-on-field",
            "attributes": [
                {**ACTIVITY, "valueType": "date", "operators": [_operator(o) for o in _DATE]}
            ],
        }
    ops = OPERATORS.get(value_type)
    if ops is None:
        return None
    return {"filterableFieldType": "field-only", "operators": [_operator(o) for o in ops]}


def sortability(value_type: str) -> dict[str, Any] | None:
    if value_type == "interaction":
        return {
            "sortableFieldType": "attribute-on-field",
            "attributes": [{**ACTIVITY, "valueType": "date"}],
        }
    return {"sortableFieldType": "field-only"} if value_type in SORTABLE else None


_FILTER = re.compile(r'^\s*name\s*(=~|=)\s*(?:"([^"]*)"|(.*?))\s*$')


def _name_filter(ctx: Ctx) -> Any:
    raw = ctx.request.args.get("filter")
    if raw is None or raw.strip() == "":
        return lambda name: True
    match = _FILTER.match(raw)
    if not match:
        raise ApiError(400, 'Unsupported filter: use name="..." or name=~...', "filter")
    op, quoted, bare = match.groups()
    wanted = quoted if quoted is not None else bare
    if op == "=":
        return lambda name: name == wanted
    return lambda name: wanted.lower() in name.lower()


def fields_page(ctx: Ctx, metas: list[tuple[dict[str, Any], datetime | None]]) -> Any:
    """A `FieldMetadataPaged` from (version-independent metadata, created at) pairs."""
    if ctx.legacy:
        return v2_page(ctx, [dict(meta) for meta, _ in metas])
    includes = v2_enum_list(ctx, "includes", INCLUDES)
    keep = _name_filter(ctx)
    out = []
    for meta, created in metas:
        if not keep(meta["name"]):
            continue
        item = {**meta, "createdAt": v2_date(created)}
        if "filterability" in includes:
            item["filterability"] = filterability(meta["valueType"])
        if "sortability" in includes:
            item["sortability"] = sortability(meta["valueType"])
        out.append(item)
    return v2_page(ctx, out)
