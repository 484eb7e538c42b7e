"""V1 routes (paths at the root): snake_case bodies, `{"message": ...}` errors, 422 on bad input."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from typing import Any

from . import events, render, seed
from .store import ORG_LIMIT_PER_MONTH, seconds_to_month_end
from .web import (
    LIST_DENIED,
    OPPORTUNITY_DENIED,
    ApiError,
    Ctx,
    as_int,
    int_list,
    json_response,
    parse_date,
    v1_bool,
    v1_int,
    v1_page,
)

# -- auth and rate limit -----------------------------------------------------------


def whoami(ctx: Ctx) -> Any:
    u = ctx.user
    return {
        "tenant": dict(seed.TENANT),
        "user": {
            "id": u["person_id"],
            "firstName": u["first_name"],
            "lastName": u["last_name"],
            "email": u["email"],
        },
        "grant": {
            "type": "api_key",
            "scope": "external_api",
            "createdAt": "2025-03-04T09:12:44.000-08:00",
        },
    }


def rate_limit(ctx: Ctx) -> Any:
    c = ctx.state.controls
    used, reset = ctx.state.minute_window(ctx.user["api_key"])
    # Without a monthly cap, limit and remaining are the string "unlimited" (affinity-api.md §3).
    limit: int | str = ORG_LIMIT_PER_MONTH if c.monthly_cap else "unlimited"
    remaining: int | str = (
        "unlimited"
        if not c.monthly_cap
        else 0
        if c.monthly_quota_used_up
        else ORG_LIMIT_PER_MONTH - c.org_used
    )
    return {
        "rate": {
            "org_monthly": {
                "limit": limit,
                "remaining": remaining,
                "reset": seconds_to_month_end(),
                "used": c.org_used,
            },
            "api_key_per_minute": {
                "limit": c.user_limit_per_minute,
                "remaining": max(0, c.user_limit_per_minute - used),
                "reset": reset,
                "used": used,
            },
        }
    }


# -- persons and organizations ------------------------------------------------------
DATE_FILTERS = [
    "first_email",
    "last_email",
    "last_interaction",
    "last_event",
    "first_event",
    "next_event",
]


def _date_filters(ctx: Ctx) -> list[tuple[str, str, datetime]]:
    out = []
    for key in DATE_FILTERS:
        for bound in ("min", "max"):
            raw = ctx.request.args.get(f"{bound}_{key}_date")
            if raw is None:
                continue
            parsed = parse_date(raw)
            if parsed is None:
                raise ApiError(422, f"{bound}_{key}_date must be an ISO 8601 date")
            out.append((bound, key, parsed))
    return out


def _passes_dates(rec: dict[str, Any], filters: list[tuple[str, str, datetime]]) -> bool:
    for bound, key, limit in filters:
        item = (rec.get("interactions") or {}).get(key)
        if item is None:
            return False
        if (bound == "min" and item["date"] < limit) or (bound == "max" and item["date"] > limit):
            return False
    return True


def _flags(ctx: Ctx) -> dict[str, bool]:
    flags = {
        name: v1_bool(ctx, name)
        for name in (
            "with_interaction_dates",
            "with_interaction_persons",
            "with_opportunities",
            "with_current_organizations",
        )
    }
    if flags["with_interaction_persons"] and not flags["with_interaction_dates"]:
        raise ApiError(422, "with_interaction_persons requires with_interaction_dates")
    return flags


def _decorate(
    ctx: Ctx, out: dict[str, Any], rec: dict[str, Any], flags: dict[str, Any], kind: str
) -> dict[str, Any]:
    if flags["with_interaction_dates"]:
        out.update(render.v1_interactions(rec, flags["with_interaction_persons"]))
    if flags["with_opportunities"]:
        index = ctx.state.index.opps_by_person if kind == "person" else ctx.state.index.opps_by_org
        hidden = set(ctx.hidden_opportunity_ids(index[rec["id"]]))
        out["opportunity_ids"] = [i for i in index[rec["id"]] if i not in hidden]
    if kind == "person" and flags["with_current_organizations"]:
        former = set(rec.get("former_organization_ids") or ())
        out["current_organization_ids"] = [i for i in rec["organization_ids"] if i not in former]
    return out


def _matches_person(p: dict[str, Any], term: str) -> bool:
    full = f"{p['first_name']} {p['last_name']}".lower()
    return term in full or any(term in e.lower() for e in p["emails"])


def _matches_organization(o: dict[str, Any], term: str) -> bool:
    return term in o["name"].lower() or any(term in d for d in o["domains"])


def _search(
    ctx: Ctx,
    records: Iterable[dict[str, Any]],
    matches: Callable[[dict[str, Any], str], bool],
    brief: Callable[[dict[str, Any]], dict[str, Any]],
    kind: str,
) -> tuple[list[dict[str, Any]], Any]:
    """A page of the records matching `term` (and the date filters), and the next page token."""
    flags = _flags(ctx)
    filters = _date_filters(ctx)
    term = (ctx.request.args.get("term") or "").strip().lower()
    found = []
    for rec in records:
        if term and not matches(rec, term):
            continue
        if (flags["with_interaction_dates"] or filters) and rec.get("interactions") is None:
            continue
        if filters and not _passes_dates(rec, filters):
            continue
        found.append(rec)
    page, nxt = v1_page(ctx, found)
    return [_decorate(ctx, brief(rec), rec, flags, kind) for rec in page], nxt


def _get_entity(
    ctx: Ctx,
    rec: dict[str, Any] | None,
    what: str,
    entity_type: int,
    kind: str,
    brief: Callable[[dict[str, Any]], dict[str, Any]],
    related: dict[str, list[int]],
) -> Any:
    """A person or organization with its `related` ids and list entries; 404 when there is none."""
    if rec is None:
        raise ApiError(404, f"{what} not found")
    flags = _flags(ctx)
    out = {**brief(rec), **related}
    out["list_entries"] = [
        render.v1_entry(ctx, e) for e in render.visible_entries(ctx, entity_type, rec["id"])
    ]
    return _decorate(ctx, out, rec, flags, kind)


def search_persons(ctx: Ctx) -> Any:
    found, nxt = _search(
        ctx, ctx.world.persons.values(), _matches_person, render.v1_person_brief, "person"
    )
    return {"persons": found, "next_page_token": nxt}


def get_person(ctx: Ctx, person_id: int) -> Any:
    p = ctx.world.persons.get(person_id)
    related = {"organization_ids": list(p["organization_ids"])} if p else {}
    return _get_entity(ctx, p, "Person", 0, "person", render.v1_person_brief, related)


def search_organizations(ctx: Ctx) -> Any:
    found, nxt = _search(
        ctx, ctx.world.organizations.values(), _matches_organization, render.v1_org_brief, "org"
    )
    return {"organizations": found, "next_page_token": nxt}


def get_organization(ctx: Ctx, organization_id: int) -> Any:
    o = ctx.world.organizations.get(organization_id)
    related = {"person_ids": list(ctx.state.index.persons_by_org[o["id"]])} if o else {}
    return _get_entity(ctx, o, "Organization", 1, "org", render.v1_org_brief, related)


EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def create_person(ctx: Ctx) -> Any:
    """`POST /persons {first_name, last_name, emails, organization_ids?}` -> the person. An email
    someone already has is refused the way Affinity does: 422 with a bare array of messages
    (reference/affinity-api.md §2, "There exists a contact …")."""
    body = ctx.body()
    first, last = body.get("first_name"), body.get("last_name")
    if not isinstance(first, str) or not first.strip():
        raise ApiError(422, "first_name is required")
    if not isinstance(last, str):
        raise ApiError(422, "last_name is required")
    emails = body.get("emails")
    if not isinstance(emails, list) or not all(
        isinstance(e, str) and EMAIL.match(e.strip()) for e in emails
    ):
        raise ApiError(422, "emails must be an array of email addresses")
    emails = list(dict.fromkeys(e.strip() for e in emails))
    taken = {e.lower() for p in ctx.world.persons.values() for e in p["emails"]}
    clashes = [e for e in emails if e.lower() in taken]
    if clashes:
        return json_response([f"There exists a contact with the email {clashes[0]}"], 422)
    orgs = _checked_ids(ctx, body, "organization_ids", ctx.world.organizations) or []
    w = ctx.world
    person: dict[str, Any] = {
        "id": w.new_id("person"),
        "type": 0,
        "first_name": first.strip(),
        "last_name": last.strip(),
        "emails": emails,
        "organization_ids": orgs,
        "phone_numbers": [],
        "interactions": None,
        "created_at": datetime.now(UTC),
    }
    w.persons[person["id"]] = person
    for oid in orgs:
        ctx.state.index.persons_by_org[oid].append(person["id"])
    ctx.state.emit("person.created", {"id": person["id"]})
    return {**render.v1_person_brief(person), "organization_ids": orgs}


HOSTNAME = re.compile(r"^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")


def create_organization(ctx: Ctx) -> Any:
    """`POST /organizations {name, domain?, person_ids?}` -> the organization resource."""
    body = ctx.body()
    name = body.get("name")
    if not isinstance(name, str) or not name.strip():
        raise ApiError(422, "name is required")
    domain = body.get("domain")
    if domain is not None:
        if not isinstance(domain, str) or not HOSTNAME.match(domain.strip().lower()):
            raise ApiError(422, "domain must be a domain name, like example.com")
        domain = domain.strip().lower()
    persons = _checked_ids(ctx, body, "person_ids", ctx.world.persons) or []
    w = ctx.world
    org: dict[str, Any] = {
        "id": w.new_id("organization"),
        "name": name.strip(),
        "domain": domain,
        "domains": [domain] if domain else [],
        "global": False,
        "crunchbase_uuid": None,
        "created_at": datetime.now(UTC),
        "interactions": None,
    }
    w.organizations[org["id"]] = org
    for pid in persons:
        w.persons[pid]["organization_ids"].append(org["id"])
        ctx.state.index.persons_by_org[org["id"]].append(pid)
    ctx.state.emit("organization.created", {"id": org["id"]})
    return {**render.v1_org_brief(org), "person_ids": persons}


# -- opportunities -------------------------------------------------------------------
def search_opportunities(ctx: Ctx) -> Any:
    term = (ctx.request.args.get("term") or "").strip().lower()
    found = [
        o
        for o in ctx.world.opportunities.values()
        if term in o["name"].lower() and ctx.can_see_opportunity(o)
    ]
    page, nxt = v1_page(ctx, found)
    return {"opportunities": [render.v1_opportunity(ctx, o) for o in page], "next_page_token": nxt}


def get_opportunity(ctx: Ctx, opportunity_id: int) -> Any:
    return render.v1_opportunity(ctx, ctx.visible_opportunity(opportunity_id))


def _checked_ids(
    ctx: Ctx, body: dict[str, Any], name: str, table: dict[int, dict[str, Any]]
) -> list[int] | None:
    if name not in body:
        return None
    ids = int_list(body[name], name)
    missing = [i for i in ids if i not in table]
    if missing:
        raise ApiError(422, f"{name} contains unknown ids: {missing}")
    return ids


def create_opportunity(ctx: Ctx) -> Any:
    body = ctx.body()
    name = body.get("name")
    if not isinstance(name, str) or not name.strip():
        raise ApiError(422, "name is required")
    list_id = as_int(body.get("list_id"))
    if list_id is None:
        raise ApiError(422, "list_id is required")
    list_rec = ctx.world.lists.get(list_id)
    if list_rec is None:
        raise ApiError(422, "list_id does not refer to a list")
    if list_rec["type"] != 8:
        raise ApiError(422, "list_id must refer to an opportunity list")
    if not ctx.can_see_list(list_rec):
        raise ApiError(403, LIST_DENIED)
    persons = _checked_ids(ctx, body, "person_ids", ctx.world.persons) or []
    orgs = _checked_ids(ctx, body, "organization_ids", ctx.world.organizations) or []
    w = ctx.world
    opp: dict[str, Any] = {
        "id": w.new_id("opportunity"),
        "name": name.strip(),
        "person_ids": persons,
        "organization_ids": orgs,
        "list_id": list_id,
    }
    w.opportunities[opp["id"]] = opp
    ctx.state.index.add_opportunity(opp)
    entry = {
        "id": w.new_id("list_entry"),
        "list_id": list_id,
        "creator_id": ctx.user["person_id"],
        "entity_id": opp["id"],
        "entity_type": 8,
        "created_at": datetime.now(UTC),
    }
    w.list_entries[entry["id"]] = entry
    ctx.state.index.add_entry(entry)
    ctx.state.created_through_v1("opportunity", opp["id"])
    ctx.state.created_through_v1("list_entry", entry["id"])
    ctx.state.emit("opportunity.created", events.opportunity(opp))
    ctx.state.emit("list_entry.created", render.v1_entry(ctx, entry, with_entity=True))
    return render.v1_opportunity(ctx, opp)


def update_opportunity(ctx: Ctx, opportunity_id: int) -> Any:
    opp = ctx.visible_opportunity(opportunity_id)
    body = ctx.body()
    name = body.get("name")
    if "name" in body and (not isinstance(name, str) or not name.strip()):
        raise ApiError(422, "name must be a non-empty string")
    persons = _checked_ids(ctx, body, "person_ids", ctx.world.persons)
    orgs = _checked_ids(ctx, body, "organization_ids", ctx.world.organizations)
    ctx.state.index.remove_opportunity(opp)
    if name is not None:
        opp["name"] = name.strip()
    if persons is not None:
        opp["person_ids"] = persons  # arrays replace, as in the real API
    if orgs is not None:
        opp["organization_ids"] = orgs
    ctx.state.index.add_opportunity(opp)
    ctx.state.emit("opportunity.updated", events.opportunity(opp))
    return render.v1_opportunity(ctx, opp)


def _delete_entry(ctx: Ctx, e: dict[str, Any]) -> None:
    """Remove a list entry and its list-specific field values."""
    w, index = ctx.world, ctx.state.index
    for vid in list(index.values_by_entry[e["id"]]):
        index.remove_value(w.field_values.pop(vid))
    index.remove_entry(e)
    del w.list_entries[e["id"]]
    ctx.state.emit("list_entry.deleted", render.v1_entry(ctx, e))


def _delete_opportunity(ctx: Ctx, opp: dict[str, Any]) -> None:
    w = ctx.world
    for eid in list(ctx.state.index.entries_by_entity[(8, opp["id"])]):
        _delete_entry(ctx, w.list_entries[eid])
    ctx.state.index.remove_opportunity(opp)
    del w.opportunities[opp["id"]]
    ctx.state.emit("opportunity.deleted", {"id": opp["id"], "name": opp["name"]})


def delete_opportunity(ctx: Ctx, opportunity_id: int) -> Any:
    _delete_opportunity(ctx, ctx.visible_opportunity(opportunity_id))
    return {"success": True}


# -- notes ---------------------------------------------------------------------------
def list_notes(ctx: Ctx) -> Any:
    filters = {
        name: v1_int(ctx, name)
        for name in ("person_id", "organization_id", "opportunity_id", "creator_id")
    }
    if filters["opportunity_id"] in ctx.world.opportunities:  # a deal on a hidden list: 403
        ctx.visible_opportunity(filters["opportunity_id"])
    fields = {
        "person_id": "person_ids",
        "organization_id": "organization_ids",
        "opportunity_id": "opportunity_ids",
    }
    found = []
    for n in ctx.world.notes.values():
        if not ctx.can_see_note(n):
            continue
        if filters["creator_id"] is not None and n["creator_id"] != filters["creator_id"]:
            continue
        if any(filters[k] is not None and filters[k] not in n[f] for k, f in fields.items()):
            continue
        found.append(n)
    page, nxt = v1_page(ctx, found)
    return {"notes": [render.v1_note(ctx, n) for n in page], "next_page_token": nxt}


def get_note(ctx: Ctx, note_id: int) -> Any:
    return render.v1_note(ctx, ctx.visible_note(note_id))


def create_note(ctx: Ctx) -> Any:
    body = ctx.body()
    w = ctx.world
    content = body.get("content")
    if not isinstance(content, str) or not content.strip():
        raise ApiError(422, "content is required")
    note_type = as_int(body.get("type", 0))
    if note_type not in (0, 2):
        raise ApiError(422, "type must be 0 (plain text) or 2 (HTML)")
    parent_id = as_int(body.get("parent_id")) if body.get("parent_id") is not None else None
    persons = _checked_ids(ctx, body, "person_ids", w.persons) or []
    orgs = _checked_ids(ctx, body, "organization_ids", w.organizations) or []
    opps = _checked_ids(ctx, body, "opportunity_ids", w.opportunities) or []
    if parent_id is not None:
        parent = w.notes.get(parent_id)
        if parent is None or parent["parent_id"] is not None:
            raise ApiError(422, "parent_id must refer to a note that is not itself a reply")
        ctx.visible_note(parent_id)
        persons, orgs, opps = [], [], []  # entity ids are ignored on replies
    elif not (persons or orgs or opps):
        raise ApiError(
            422,
            "At least one of person_ids, organization_ids, opportunity_ids "
            "or parent_id is required",
        )
    elif ctx.hidden_opportunity_ids(opps):
        raise ApiError(403, OPPORTUNITY_DENIED)
    creator = ctx.user["person_id"]
    if body.get("creator_id") is not None:
        creator = as_int(body.get("creator_id"))
        if creator not in w.persons or w.persons[creator]["type"] != 1:
            raise ApiError(422, "creator_id must be a person who can access Affinity")
    created: datetime | None = datetime.now(UTC)
    if body.get("created_at") is not None:
        created = parse_date(body.get("created_at"))
        if created is None:
            raise ApiError(422, "created_at must be an ISO 8601 date")
        if created > datetime.now(UTC):
            raise ApiError(422, "created_at cannot be in the future")
    note = {
        "id": w.new_id("note"),
        "creator_id": creator,
        "person_ids": persons,
        "organization_ids": orgs,
        "opportunity_ids": opps,
        "parent_id": parent_id,
        "content": content,
        "type": note_type,
        "created_at": created,
        "updated_at": None,
    }
    w.notes[note["id"]] = note
    ctx.state.created_through_v1("note", note["id"])
    ctx.state.emit("note.created", events.note(note))
    return render.v1_note(ctx, note)


def _own_note(ctx: Ctx, note_id: int) -> dict[str, Any]:
    n = ctx.visible_note(note_id)
    if n["creator_id"] != ctx.user["person_id"]:
        raise ApiError(403, "Only the creator of a note can change or delete it")
    return n


def update_note(ctx: Ctx, note_id: int) -> Any:
    n = _own_note(ctx, note_id)
    body = ctx.body()
    content = body.get("content")
    if not isinstance(content, str) or not content.strip():
        raise ApiError(422, "content is required")
    if "type" in body and as_int(body["type"]) != n["type"]:
        raise ApiError(422, "The type of a note cannot be changed")
    n["content"] = content
    n["updated_at"] = datetime.now(UTC)
    ctx.state.emit("note.updated", events.note(n))
    return render.v1_note(ctx, n)


def delete_note(ctx: Ctx, note_id: int) -> Any:
    note = _own_note(ctx, note_id)
    del ctx.world.notes[note_id]
    ctx.state.emit("note.deleted", events.note(note))
    return {"success": True}


# -- lists and list entries -------------------------------------------------------------
def get_lists(ctx: Ctx) -> Any:
    return [render.v1_list(ctx, rec) for rec in ctx.world.lists.values() if ctx.can_see_list(rec)]


def get_list(ctx: Ctx, list_id: int) -> Any:
    rec = ctx.visible_list(list_id)
    fields = [ctx.world.fields[f] for f in ctx.state.index.fields_by_list[list_id]]
    return {**render.v1_list(ctx, rec), "fields": [render.v1_field(f, full=False) for f in fields]}


def get_list_entries(ctx: Ctx, list_id: int) -> Any:
    ctx.visible_list(list_id)
    entries = [ctx.world.list_entries[i] for i in ctx.state.index.entries_by_list[list_id]]
    if ctx.request.args.get("page_size") is None:
        return [render.v1_entry(ctx, e, with_entity=True) for e in entries]
    page, nxt = v1_page(ctx, entries)
    return {
        "list_entries": [render.v1_entry(ctx, e, with_entity=True) for e in page],
        "next_page_token": nxt,
    }


def get_list_entry(ctx: Ctx, list_id: int, entry_id: int) -> Any:
    ctx.visible_list(list_id)
    e = ctx.world.list_entries.get(entry_id)
    if e is None or e["list_id"] != list_id:
        raise ApiError(404, "List entry not found")
    return render.v1_entry(ctx, e, with_entity=True)


def delete_list_entry(ctx: Ctx, list_id: int, entry_id: int) -> Any:
    """Deleting an opportunity list's entry deletes the opportunity, as in Affinity."""
    e = ctx.world.list_entries.get(entry_id)
    ctx.visible_list(list_id)
    if e is None or e["list_id"] != list_id:
        raise ApiError(404, "List entry not found")
    if e["entity_type"] == 8:
        _delete_opportunity(ctx, ctx.world.opportunities[e["entity_id"]])
    else:
        _delete_entry(ctx, e)
    return {"success": True}


def create_list_entry(ctx: Ctx, list_id: int) -> Any:
    rec = ctx.visible_list(list_id)
    body = ctx.body()
    w = ctx.world
    if rec["type"] == 8:
        raise ApiError(
            422, "Opportunities cannot be added to a list this way; use POST /opportunities"
        )
    entity_id = as_int(body.get("entity_id"))
    if entity_id is None:
        raise ApiError(422, "entity_id is required")
    table = w.persons if rec["type"] == 0 else w.organizations
    if entity_id not in table:
        kind = "person" if rec["type"] == 0 else "organization"
        raise ApiError(422, f"entity_id must be the id of a {kind} for this list")
    creator = ctx.user["person_id"]
    if body.get("creator_id") is not None:
        creator = as_int(body.get("creator_id"))
        if creator not in w.persons or w.persons[creator]["type"] != 1:
            raise ApiError(422, "creator_id must be an internal person")
    entry = {
        "id": w.new_id("list_entry"),
        "list_id": list_id,
        "creator_id": creator,
        "entity_id": entity_id,
        "entity_type": rec["type"],
        "created_at": datetime.now(UTC),
    }
    w.list_entries[entry["id"]] = entry
    ctx.state.index.add_entry(entry)
    ctx.state.created_through_v1("list_entry", entry["id"])
    out = render.v1_entry(ctx, entry, with_entity=True)
    ctx.state.emit("list_entry.created", out)
    return out


# -- fields and field values -----------------------------------------------------------
def get_fields(ctx: Ctx) -> Any:
    list_id = v1_int(ctx, "list_id")
    value_type = v1_int(ctx, "value_type")
    entity_type = v1_int(ctx, "entity_type")
    exclude = v1_bool(ctx, "exclude_dropdown_options")
    if list_id is not None:
        ctx.visible_list(list_id)
    out = []
    for f in ctx.world.fields.values():
        if list_id is not None and f["list_id"] != list_id:
            continue
        if f["list_id"] is not None and not ctx.can_see_list(ctx.world.lists[f["list_id"]]):
            continue
        if value_type is not None and f["value_type"] != value_type:
            continue
        if entity_type is not None and f["entity_type"] != entity_type:
            continue
        item = render.v1_field(f)
        if exclude:
            item["dropdown_options"] = []
        out.append(item)
    return out


def _value_visible(ctx: Ctx, v: dict[str, Any]) -> bool:
    f = ctx.world.fields[v["field_id"]]
    return f["list_id"] is None or ctx.can_see_list(ctx.world.lists[f["list_id"]])


def get_field_values(ctx: Ctx) -> Any:
    given = {
        name: v1_int(ctx, name)
        for name in ("person_id", "organization_id", "opportunity_id", "list_entry_id")
    }
    chosen = [(k, v) for k, v in given.items() if v is not None]
    if len(chosen) != 1:
        raise ApiError(
            422,
            "Exactly one of person_id, organization_id, opportunity_id or "
            "list_entry_id is required",
        )
    name, ident = chosen[0]
    w, index = ctx.world, ctx.state.index
    if name == "list_entry_id":
        entry = w.list_entries.get(ident)
        if entry is None:
            raise ApiError(404, "List entry not found")
        ctx.visible_list(entry["list_id"])
        ids = index.values_by_entry[ident]
    else:
        table = {
            "person_id": w.persons,
            "organization_id": w.organizations,
            "opportunity_id": w.opportunities,
        }[name]
        if ident not in table:
            raise ApiError(404, f"{name.split('_')[0].capitalize()} not found")
        if name == "opportunity_id":
            ctx.visible_opportunity(ident)
        etype = {"person_id": 0, "organization_id": 1, "opportunity_id": 8}[name]
        ids = [
            i
            for i in index.values_by_entity[ident]
            if w.fields[w.field_values[i]["field_id"]]["entity_type"] == etype
        ]
    values = [w.field_values[i] for i in ids]
    return [render.v1_field_value(ctx, v) for v in values if _value_visible(ctx, v)]


def _coerce_value(ctx: Ctx, f: dict[str, Any], value: Any) -> Any:
    """Validate a V1 write value for field `f` and return what is stored."""
    w, vt = ctx.world, f["value_type"]
    if vt in (seed.RANKED, seed.DROPDOWN):
        options = {o["id"]: o for o in f["dropdown_options"]}
        by_text = {o["text"].lower(): o["id"] for o in f["dropdown_options"]}
        number = as_int(value)
        if number in options:
            return number
        if vt == seed.DROPDOWN and isinstance(value, str) and value.lower() in by_text:
            return by_text[value.lower()]
        raise ApiError(422, "value must be the id of one of the field's dropdown options")
    if vt == seed.PERSON:
        if as_int(value) not in w.persons:
            raise ApiError(422, "value must be a person id")
        return as_int(value)
    if vt == seed.ORGANIZATION:
        if as_int(value) not in w.organizations:
            raise ApiError(422, "value must be an organization id")
        return as_int(value)
    if vt == seed.NUMBER:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ApiError(422, "value must be a number")
        return value
    if vt == seed.DATE:
        parsed = parse_date(value)
        if parsed is None:
            raise ApiError(422, "value must be an ISO 8601 date")
        return seed.date_field(parsed)
    if vt == seed.LOCATION:
        if not isinstance(value, dict):
            raise ApiError(422, "value must be a location object")
        keys = ("street_address", "city", "state", "country", "continent")
        return {k: value.get(k) for k in keys}
    if not isinstance(value, str):
        raise ApiError(422, "value must be a string")
    return value


def store_value(
    ctx: Ctx, f: dict[str, Any], entity_id: int, list_entry_id: int | None, value: Any
) -> dict[str, Any]:
    """Write a field value; a single-valued field's old value is replaced by a new record."""
    w, index = ctx.world, ctx.state.index
    if not f["allows_multiple"]:
        for vid in list(index.values_by_entity[entity_id]):
            old = w.field_values[vid]
            if old["field_id"] == f["id"] and old["list_entry_id"] == list_entry_id:
                index.remove_value(old)
                del w.field_values[vid]
    rec = {
        "id": w.new_id("field_value"),
        "field_id": f["id"],
        "entity_id": entity_id,
        "list_entry_id": list_entry_id,
        "created_at": datetime.now(UTC),
        "updated_at": None,
        "value": value,
        "entity_type": f["entity_type"],
    }
    w.field_values[rec["id"]] = rec
    index.add_value(rec)
    return rec


def create_field_value(ctx: Ctx) -> Any:
    body = ctx.body()
    w = ctx.world
    field_id = as_int(body.get("field_id"))
    f = w.fields.get(field_id) if field_id is not None else None
    if f is None:
        raise ApiError(422, "field_id must refer to a field")
    entity_id = as_int(body.get("entity_id"))
    table = {0: w.persons, 1: w.organizations, 8: w.opportunities}[f["entity_type"]]
    if entity_id not in table:
        raise ApiError(422, "entity_id does not match the field's entity type")
    if f["entity_type"] == 8:
        ctx.visible_opportunity(entity_id)
    list_entry_id = as_int(body.get("list_entry_id")) if body.get("list_entry_id") else None
    if f["list_id"] is not None:
        ctx.visible_list(f["list_id"])
        entry = w.list_entries.get(list_entry_id) if list_entry_id else None
        if entry is None or entry["list_id"] != f["list_id"] or entry["entity_id"] != entity_id:
            raise ApiError(
                422,
                "list_entry_id is required for a list-specific field and must "
                "be the entity's entry on that list",
            )
    elif list_entry_id is not None:
        raise ApiError(422, "list_entry_id must be omitted for a global field")
    if "value" not in body:
        raise ApiError(422, "value is required")
    stored = _coerce_value(ctx, f, body["value"])
    with ctx.state.field_write(f, entity_id, list_entry_id, ctx.user["person_id"]):
        rec = store_value(ctx, f, entity_id, list_entry_id, stored)
    return render.v1_field_value(ctx, rec)


def _field_value(ctx: Ctx, field_value_id: int) -> dict[str, Any]:
    v = ctx.world.field_values.get(field_value_id)
    if v is None:
        raise ApiError(404, "Field value not found")
    if not _value_visible(ctx, v):
        raise ApiError(403, "You do not have permission to access this list")
    return v


def update_field_value(ctx: Ctx, field_value_id: int) -> Any:
    v = _field_value(ctx, field_value_id)
    body = ctx.body()
    if "value" not in body:
        raise ApiError(422, "value is required")
    f = ctx.world.fields[v["field_id"]]
    stored = _coerce_value(ctx, f, body["value"])
    with ctx.state.field_write(f, v["entity_id"], v["list_entry_id"], ctx.user["person_id"]):
        v["value"] = stored
    v["updated_at"] = datetime.now(UTC)
    return render.v1_field_value(ctx, v)


def delete_field_value(ctx: Ctx, field_value_id: int) -> Any:
    v = _field_value(ctx, field_value_id)
    f = ctx.world.fields[v["field_id"]]
    with ctx.state.field_write(f, v["entity_id"], v["list_entry_id"], ctx.user["person_id"]):
        ctx.state.index.remove_value(v)
        del ctx.world.field_values[field_value_id]
    return {"success": True}


# -- relationship strengths --------------------------------------------------------------
def relationship_strengths(ctx: Ctx) -> Any:
    external = v1_int(ctx, "external_id", required=True)
    internal = v1_int(ctx, "internal_id")
    if external not in ctx.world.persons:
        raise ApiError(404, "Person not found")
    rows = ctx.world.strengths.get(external, [])
    return [dict(r) for r in rows if internal is None or r["internal_id"] == internal]


ROUTES = [
    ("/auth/whoami", ["GET"], whoami),
    ("/rate-limit", ["GET"], rate_limit),
    ("/persons", ["GET"], search_persons),
    ("/persons", ["POST"], create_person),
    ("/persons/<int:person_id>", ["GET"], get_person),
    ("/organizations", ["GET"], search_organizations),
    ("/organizations", ["POST"], create_organization),
    ("/organizations/<int:organization_id>", ["GET"], get_organization),
    ("/opportunities", ["GET"], search_opportunities),
    ("/opportunities", ["POST"], create_opportunity),
    ("/opportunities/<int:opportunity_id>", ["GET"], get_opportunity),
    ("/opportunities/<int:opportunity_id>", ["PUT"], update_opportunity),
    ("/opportunities/<int:opportunity_id>", ["DELETE"], delete_opportunity),
    ("/notes", ["GET"], list_notes),
    ("/notes", ["POST"], create_note),
    ("/notes/<int:note_id>", ["GET"], get_note),
    ("/notes/<int:note_id>", ["PUT"], update_note),
    ("/notes/<int:note_id>", ["DELETE"], delete_note),
    ("/lists", ["GET"], get_lists),
    ("/lists/<int:list_id>", ["GET"], get_list),
    ("/lists/<int:list_id>/list-entries", ["GET"], get_list_entries),
    ("/lists/<int:list_id>/list-entries", ["POST"], create_list_entry),
    ("/lists/<int:list_id>/list-entries/<int:entry_id>", ["GET"], get_list_entry),
    ("/lists/<int:list_id>/list-entries/<int:entry_id>", ["DELETE"], delete_list_entry),
    ("/fields", ["GET"], get_fields),
    ("/field-values", ["GET"], get_field_values),
    ("/field-values", ["POST"], create_field_value),
    ("/field-values/<int:field_value_id>", ["PUT"], update_field_value),
    ("/field-values/<int:field_value_id>", ["DELETE"], delete_field_value),
    ("/relationships-strengths", ["GET"], relationship_strengths),
]
