"""V2 relationships (2026-07-15): `GET /v2/persons/{personId}/relationships` and
`GET /v2/companies/{companyId}/relationships`.

Built from the same strengths V1's `GET /relationships-strengths` answers from, so the two
versions agree: each V1 row `{internal_id, external_id, strength}` is one `Relationship` with
`person1` the internal team member, `person2` the external person and `interactionScore` the
strength. A person's relationships are its rows on either side; a company's are the rows of its
people. `filter` takes `interactionScore` with `>`, `<`, `>=`, `<=` (filter_language.py);
`orderBy` is `interactionScore` or `-interactionScore` (the default); `limit` defaults to 20;
`totalCount` adds the collection's size. Some pairs are also LinkedIn connections
(`linkedIn.connectedOn`).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from . import v2
from .filter_language import compile_filter, prop
from .web import ApiError, Ctx, v2_enum_list, v2_page

ORDERS = ("interactionScore", "-interactionScore")
FILTER = {"interactionScore": prop("number", "interactionScore", ">", "<", ">=", "<=")}


def _person(p: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": p["id"],
        "firstName": p["first_name"],
        "lastName": p["last_name"],
        "primaryEmailAddress": p["emails"][0] if p["emails"] else None,
    }


def _linked_in(internal_id: int, external_id: int) -> dict[str, str] | None:
    """A deterministic fifth of the pairs are LinkedIn connections."""
    if (internal_id + external_id) % 5:
        return None
    day = date(2018 + external_id % 7, 1 + internal_id % 12, 1 + external_id % 28)
    return {"connectedOn": day.isoformat()}


def _relationship(ctx: Ctx, row: dict[str, Any]) -> dict[str, Any] | None:
    persons = ctx.world.persons
    internal, external = persons.get(row["internal_id"]), persons.get(row["external_id"])
    if internal is None or external is None:
        return None
    return {
        "person1": _person(internal),
        "person2": _person(external),
        "interactionScore": float(row["strength"]),
        "linkedIn": _linked_in(internal["id"], external["id"]),
    }


def _page(ctx: Ctx, rows: list[dict[str, Any]]) -> Any:
    matches = compile_filter(ctx.request.args.get("filter"), FILTER)
    orders = v2_enum_list(ctx, "orderBy", ORDERS) or ["-interactionScore"]
    if len(orders) > 1:
        raise ApiError(400, "orderBy takes one of: " + ", ".join(ORDERS), "orderBy")
    found = [
        rel for rel in (_relationship(ctx, row) for row in rows) if rel is not None and matches(rel)
    ]
    descending = orders[0].startswith("-")
    found.sort(key=lambda r: (r["person1"]["id"], r["person2"]["id"]))
    found.sort(key=lambda r: r["interactionScore"], reverse=descending)
    return v2_page(ctx, found, default_limit=20, total_count=v2._total_count(ctx))


def person_relationships(ctx: Ctx, person_id: int) -> Any:
    p = ctx.world.persons.get(person_id)
    if p is None:
        raise ApiError(404, "Person not found")
    if p["type"] == 1:
        rows = [
            row
            for rows in ctx.world.strengths.values()
            for row in rows
            if row["internal_id"] == person_id
        ]
    else:
        rows = list(ctx.world.strengths.get(person_id, []))
    return _page(ctx, rows)


def company_relationships(ctx: Ctx, company_id: int) -> Any:
    if company_id not in ctx.world.organizations:
        raise ApiError(404, "Company not found")
    rows = [
        row
        for pid in ctx.state.index.persons_by_org[company_id]
        for row in ctx.world.strengths.get(pid, [])
    ]
    return _page(ctx, rows)


ROUTES = [
    ("/v2/persons/<seg:person_id>/relationships", ["GET"], person_relationships),
    ("/v2/companies/<seg:company_id>/relationships", ["GET"], company_relationships),
]
