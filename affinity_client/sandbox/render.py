"""Turning stored records into V1 (snake_case, integer enums) and V2 (camelCase) JSON shapes."""

from __future__ import annotations

import html
import re
from datetime import timedelta
from typing import Any

from . import seed
from .web import Ctx, v1_date, v2_date

INTERACTION_KEYS = [
    "first_email",
    "last_email",
    "first_event",
    "last_event",
    "next_event",
    "last_chat_message",
    "last_interaction",
]
LIST_TYPES_V2 = {0: "person", 1: "company", 8: "opportunity"}
VALUE_TYPES_V2 = {
    seed.PERSON: "person",
    seed.ORGANIZATION: "company",
    seed.DROPDOWN: "dropdown",
    seed.NUMBER: "number",
    seed.DATE: "datetime",
    seed.LOCATION: "location",
    seed.TEXT: "text",
    seed.RANKED: "ranked-dropdown",
}
MULTI_V2 = {
    "person": "person-multi",
    "company": "company-multi",
    "dropdown": "dropdown-multi",
    "number": "number-multi",
    "location": "location-multi",
    "text": "filterable-text-multi",
}
COLORS_V2 = {
    0: None,
    1: "blue",
    2: "green",
    3: "white",  # the 2026-07-15 option palette: white, gray, blue, green, purple, orange, red
    4: "orange",
    5: "red",
    6: "purple",
    7: "gray",
}


# -- V1 ------------------------------------------------------------------------
def v1_person_brief(p: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": p["id"],
        "type": p["type"],
        "first_name": p["first_name"],
        "last_name": p["last_name"],
        "primary_email": p["emails"][0] if p["emails"] else None,
        "emails": list(p["emails"]),
    }


def v1_org_brief(o: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": o["id"],
        "name": o["name"],
        "domain": o["domain"],
        "domains": list(o["domains"]),
        "global": o["global"],
    }


def v1_interactions(rec: dict[str, Any], with_persons: bool) -> dict[str, Any]:
    inter = rec.get("interactions") or {}
    dates: dict[str, Any] = {}
    objs: dict[str, Any] = {}
    for key in INTERACTION_KEYS:
        item = inter.get(key)
        dates[f"{key}_date"] = v1_date(item["date"]) if item else None
        if item is None:
            objs[key] = None
        else:
            objs[key] = {"date": v1_date(item["date"])}
            if with_persons:
                objs[key]["person_ids"] = list(item["person_ids"])
    return {"interaction_dates": dates, "interactions": objs}


def v1_entry(ctx: Ctx, e: dict[str, Any], *, with_entity: bool = False) -> dict[str, Any]:
    out = {
        "id": e["id"],
        "list_id": e["list_id"],
        "creator_id": e["creator_id"],
        "entity_id": e["entity_id"],
        "entity_type": e["entity_type"],
        "created_at": v1_date(e["created_at"]),
    }
    if with_entity:
        out["entity"] = v1_entry_entity(ctx, e)
    return out


def v1_entry_entity(ctx: Ctx, e: dict[str, Any]) -> dict[str, Any]:
    w = ctx.world
    if e["entity_type"] == 0:
        return v1_person_brief(w.persons[e["entity_id"]])
    if e["entity_type"] == 1:
        org = w.organizations[e["entity_id"]]
        return {**v1_org_brief(org), "crunchbase_uuid": org["crunchbase_uuid"]}
    opp = w.opportunities[e["entity_id"]]
    return {"id": opp["id"], "name": opp["name"]}


def visible_entries(ctx: Ctx, entity_type: int, entity_id: int) -> list[dict[str, Any]]:
    w = ctx.world
    entries = (
        w.list_entries[i] for i in ctx.state.index.entries_by_entity[(entity_type, entity_id)]
    )
    return [e for e in entries if ctx.can_see_list(w.lists[e["list_id"]])]


def v1_opportunity(ctx: Ctx, o: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": o["id"],
        "name": o["name"],
        "person_ids": list(o["person_ids"]),
        "organization_ids": list(o["organization_ids"]),
        "list_entries": [v1_entry(ctx, e) for e in visible_entries(ctx, 8, o["id"])],
    }


def v1_list(ctx: Ctx, rec: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": rec["id"],
        "type": rec["type"],
        "name": rec["name"],
        "public": rec["public"],
        "owner_id": rec["owner_id"],
        "list_size": len(ctx.state.index.entries_by_list[rec["id"]]),
    }


def v1_field(f: dict[str, Any], *, full: bool = True) -> dict[str, Any]:
    out = {"id": f["id"], "name": f["name"]}
    if full:
        out.update(list_id=f["list_id"], enrichment_source=f["enrichment_source"])
    out.update(value_type=f["value_type"], allows_multiple=f["allows_multiple"])
    if full:
        out["track_changes"] = f["track_changes"]
    out["dropdown_options"] = [dict(opt) for opt in f["dropdown_options"]]
    return out


def v1_value(ctx: Ctx, f: dict[str, Any], value: Any) -> Any:
    vt = f["value_type"]
    if vt == seed.RANKED:
        return dict(ctx.state.index.options[value][1])
    if vt == seed.DROPDOWN:
        return ctx.state.index.options[value][1]["text"]
    if vt == seed.DATE:
        return v1_date(value)
    if vt == seed.LOCATION:
        return dict(value)
    return value


def v1_field_value(ctx: Ctx, v: dict[str, Any]) -> dict[str, Any]:
    f = ctx.world.fields[v["field_id"]]
    return {
        "id": v["id"],
        "field_id": v["field_id"],
        "list_entry_id": v["list_entry_id"],
        "entity_id": v["entity_id"],
        "created_at": v1_date(v["created_at"]),
        "updated_at": v1_date(v["updated_at"]),
        "value": v1_value(ctx, f, v["value"]),
    }


def visible_opportunity_ids(ctx: Ctx, n: dict[str, Any]) -> list[int]:
    """A note's deals without those on lists the caller may not see."""
    hidden = set(ctx.hidden_opportunity_ids(n["opportunity_ids"]))
    return [i for i in n["opportunity_ids"] if i not in hidden]


V1_INTERACTION_TYPES = {"meeting": 0, "call": 1, "chat-message": 2, "email": 3}
"""V1's interaction type codes (reference §5), for a note anchored through V2."""


def v1_note(ctx: Ctx, n: dict[str, Any]) -> dict[str, Any]:
    interaction = n.get("interaction") or {}
    return {
        "id": n["id"],
        "creator_id": n["creator_id"],
        "person_ids": list(n["person_ids"]),
        "associated_person_ids": list(n["person_ids"]),
        "interaction_person_ids": [],
        "interaction_id": interaction.get("id"),
        "interaction_type": V1_INTERACTION_TYPES.get(str(interaction.get("type"))),
        "is_meeting": interaction.get("type") in ("meeting", "call"),
        "mentioned_person_ids": list(n.get("mentioned_person_ids", [])),
        "organization_ids": list(n["organization_ids"]),
        "opportunity_ids": visible_opportunity_ids(ctx, n),
        "parent_id": n["parent_id"],
        "content": markdownify(n["content"]) if n["type"] == 2 else n["content"],
        "type": n["type"],
        "created_at": v1_date(n["created_at"]),
        "updated_at": v1_date(n["updated_at"]),
    }


_BLOCK_TAGS = re.compile(r"</?(p|div|ul|ol)[^>]*>", re.I)


def markdownify(markup: str) -> str:
    """HTML note content the way V1 reads it back: Markdown-like, underscores escaped."""
    text = markup.replace("_", "\\_")
    text = re.sub(
        r"<(strong|b)>\s*<(em|i)>(.*?)</(em|i)>\s*</(strong|b)>",
        r"***\3***",
        text,
        flags=re.I | re.S,
    )
    text = re.sub(r"<(strong|b)>(.*?)</(strong|b)>", r"**\2**", text, flags=re.I | re.S)
    text = re.sub(r"<(em|i)>(.*?)</(em|i)>", r"*\2*", text, flags=re.I | re.S)
    text = re.sub(r"<u>(.*?)</u>", r"\1", text, flags=re.I | re.S)
    text = re.sub(r"<br\s*/?>", "\n", text, flags=re.I)
    text = re.sub(r"<li[^>]*>(.*?)</li>", r"\n\n* \1\n\n", text, flags=re.I | re.S)
    text = _BLOCK_TAGS.sub("\n\n", text)
    text = re.sub(r"<[^>]+>", "", text)
    text = html.unescape(text)
    return re.sub(r"\n{3,}", "\n\n", text).strip()


# -- V2 ------------------------------------------------------------------------
def v2_person_data(p: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": p["id"],
        "firstName": p["first_name"],
        "lastName": p["last_name"],
        "primaryEmailAddress": p["emails"][0] if p["emails"] else None,
        "type": "internal" if p["type"] == 1 else "external",
    }


def v2_person(p: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": p["id"],
        "firstName": p["first_name"],
        "lastName": p["last_name"],
        "primaryEmailAddress": p["emails"][0] if p["emails"] else None,
        "emailAddresses": list(p["emails"]),
        "type": "internal" if p["type"] == 1 else "external",
    }


def v2_company_data(o: dict[str, Any]) -> dict[str, Any]:
    return {"id": o["id"], "name": o["name"], "domain": o["domain"]}


def v2_company(o: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": o["id"],
        "name": o["name"],
        "domain": o["domain"],
        "domains": list(o["domains"]),
        "isGlobal": o["global"],
    }


def v2_opportunity(ctx: Ctx, o: dict[str, Any], *, with_fields: bool = False) -> dict[str, Any]:
    """An `Opportunity` (or, `with_fields`, the base of an `OpportunityWithFields`).

    2026-07-15 adds `isRestricted` and `isRedacted` (the sandbox has no restricted deals: both
    false) and, on `Opportunity` only, `listName`.
    """
    out: dict[str, Any] = {"id": o["id"], "name": o["name"], "listId": o["list_id"]}
    if ctx.legacy:
        return out
    if not with_fields:
        out["listName"] = ctx.world.lists[o["list_id"]]["name"]
    out.update(isRestricted=False, isRedacted=False)
    return out


def v2_list(ctx: Ctx, rec: dict[str, Any], *, with_type: bool = True) -> dict[str, Any]:
    """A `ListWithType` (or, without `with_type`, a `List`); `createdAt` since 2026-07-15."""
    out = {
        "id": rec["id"],
        "name": rec["name"],
        "isPublic": rec["public"],
        "ownerId": rec["owner_id"],
        "creatorId": rec["creator_id"],
    }
    if not ctx.legacy:
        out["createdAt"] = v2_date(rec["created_at"])
    if with_type:
        out["type"] = LIST_TYPES_V2[rec["type"]]
    return out


def v2_value_type(f: dict[str, Any]) -> str:
    base = VALUE_TYPES_V2[f["value_type"]]
    return MULTI_V2.get(base, base) if f["allows_multiple"] else base


def v2_field_meta(f: dict[str, Any]) -> dict[str, Any]:
    """The version-independent part of a `FieldMetadata` (see `fields.field_metadata`)."""
    return {
        "id": f"field-{f['id']}",
        "name": f["name"],
        "type": "list" if f["list_id"] is not None else "global",
        "enrichmentSource": None,
        "valueType": v2_value_type(f),
    }


def v2_one_value(ctx: Ctx, f: dict[str, Any], raw: Any) -> Any:
    vt = f["value_type"]
    w = ctx.world
    if vt == seed.PERSON:
        return v2_person_data(w.persons[raw]) if raw in w.persons else None
    if vt == seed.ORGANIZATION:
        return v2_company_data(w.organizations[raw]) if raw in w.organizations else None
    if vt in (seed.DROPDOWN, seed.RANKED):
        opt = ctx.state.index.options[raw][1]
        data = {"dropdownOptionId": opt["id"], "text": opt["text"]}
        if vt == seed.RANKED:
            data.update(rank=opt["rank"], color=COLORS_V2.get(opt["color"]))
        return data
    if vt == seed.DATE:
        return v2_date(raw)
    if vt == seed.LOCATION:
        return {
            "streetAddress": raw.get("street_address"),
            "city": raw.get("city"),
            "state": raw.get("state"),
            "country": raw.get("country"),
            "continent": raw.get("continent"),
        }
    return raw


def v2_field(ctx: Ctx, f: dict[str, Any], raws: list[Any]) -> dict[str, Any]:
    """A V2 Field with its value; empty multi-values are `null`, as the real API sends them."""
    vtype = v2_value_type(f)
    if f["allows_multiple"]:
        items = [d for d in (v2_one_value(ctx, f, r) for r in raws) if d is not None]
        value = multi_value(ctx, vtype, items)
    else:
        value = {"type": vtype, "data": v2_one_value(ctx, f, raws[-1]) if raws else None}
    meta = v2_field_meta(f)
    return {
        "id": meta["id"],
        "name": meta["name"],
        "type": meta["type"],
        "enrichmentSource": None,
        "value": value,
    }


MULTI_VALUE_CAP = 100
"""Multi-value field data holds at most 100 items (`maxItems: 100` in both specs)."""


def multi_value(ctx: Ctx, vtype: str, items: list[Any]) -> dict[str, Any]:
    """A multi-value field value: `data` capped at 100 (`null` when empty) and, since
    2026-07-15, `totalCount`, "the total number of values ... can exceed the number of items
    in `data`, which is capped at 100"."""
    value: dict[str, Any] = {"type": vtype, "data": items[:MULTI_VALUE_CAP] or None}
    if not ctx.legacy:
        value["totalCount"] = len(items)
    return value


ASSOCIATION_META = [
    {
        "id": "persons",
        "name": "People",
        "type": "list",
        "enrichmentSource": None,
        "valueType": "person-multi",
    },
    {
        "id": "companies",
        "name": "Organizations",
        "type": "list",
        "enrichmentSource": None,
        "valueType": "company-multi",
    },
]


def v2_association_fields(ctx: Ctx, opp: dict[str, Any]) -> list[dict[str, Any]]:
    w = ctx.world
    people = [v2_person_data(w.persons[i]) for i in opp["person_ids"] if i in w.persons]
    orgs = [
        v2_company_data(w.organizations[i]) for i in opp["organization_ids"] if i in w.organizations
    ]
    return [
        {
            "id": "persons",
            "name": "People",
            "type": "list",
            "enrichmentSource": None,
            "value": multi_value(ctx, "person-multi", people),
        },
        {
            "id": "companies",
            "name": "Organizations",
            "type": "list",
            "enrichmentSource": None,
            "value": multi_value(ctx, "company-multi", orgs),
        },
    ]


# -- relationship intelligence (V2 views of V1 interaction dates) -------------------------
RI_FIELDS = [  # (V2 id, name, V1 interactions key, interaction kind)
    ("first-email", "First Email", "first_email", "email"),
    ("last-email", "Last Email", "last_email", "email"),
    ("first-event", "First Event", "first_event", "meeting"),
    ("last-event", "Last Event", "last_event", "meeting"),
    ("next-event", "Next Event", "next_event", "meeting"),
    ("first-chat-message", "First Chat Message", "last_chat_message", "chat-message"),
    ("last-chat-message", "Last Chat Message", "last_chat_message", "chat-message"),
    ("last-contact", "Last Contact", "last_interaction", None),
]
RI_META: list[dict[str, Any]] = [
    {
        "id": v2_id,
        "name": name,
        "type": "relationship-intelligence",
        "enrichmentSource": None,
        "valueType": "interaction",
    }
    for v2_id, name, _, _ in RI_FIELDS
]
_SUBJECTS = [
    "Intro",
    "Follow-up on our call",
    "Deck and data room",
    "Quick question",
    "Catching up",
    "Next steps",
]


def _attendee(p: dict[str, Any] | None, email: str | None = None) -> dict[str, Any]:
    if p is None:
        return {"emailAddress": email, "person": None}
    return {"emailAddress": p["emails"][0] if p["emails"] else None, "person": v2_person_data(p)}


def _last_contact(inter: dict[str, Any]) -> tuple[str, str]:
    """(interactions key, kind) of the interaction that is the last contact."""
    last = inter["last_interaction"]["date"]
    for key, kind in (
        ("last_email", "email"),
        ("last_event", "meeting"),
        ("last_chat_message", "chat-message"),
    ):
        if inter.get(key) and inter[key]["date"] == last:
            return key, kind
    return "last_email", "email"


def v2_interaction(
    ctx: Ctx, rec: dict[str, Any], external: dict[str, Any] | None, key: str, kind: str | None
) -> dict[str, Any] | None:
    """An Email, Meeting or ChatMessage object for one of the record's interaction dates."""
    inter = rec.get("interactions") or {}
    item = inter.get(key)
    if item is None:
        return None
    if kind is None:  # last contact: the same interaction object as its own field
        key, kind = _last_contact(inter)
        item = inter[key]
    w = ctx.world
    internal = w.persons[item["person_ids"][0]]
    them = _attendee(external, None if external else f"hello@{rec.get('domain') or 'example.com'}")
    when = item["date"]
    ident = rec["id"] * 10 + [k for _, _, k, _ in RI_FIELDS].index(key) + 1
    if kind == "email":
        return {
            "type": "email",
            "id": ident,
            "subject": _SUBJECTS[ident % len(_SUBJECTS)],
            "sentAt": v2_date(when),
            "from": _attendee(internal),
            "to": [them],
            "cc": [],
        }
    if kind == "meeting":
        title = f"Northwind / {rec.get('name') or rec.get('last_name')}"
        return {
            "type": "meeting",
            "id": ident,
            "title": title,
            "allDay": False,
            "startTime": v2_date(when),
            "endTime": v2_date(when + timedelta(hours=1)),
            "attendees": [_attendee(internal), them],
        }
    participants = [v2_person_data(internal)] + ([v2_person_data(external)] if external else [])
    return {
        "type": "chat-message",
        "id": ident,
        "direction": "sent",
        "manualCreator": v2_person_data(internal),
        "participants": participants,
        "sentAt": v2_date(when),
    }


def v2_ri_field(
    ctx: Ctx, rec: dict[str, Any], external: dict[str, Any] | None, v2_id: str
) -> dict[str, Any]:
    _, name, key, kind = next(f for f in RI_FIELDS if f[0] == v2_id)
    return {
        "id": v2_id,
        "name": name,
        "type": "relationship-intelligence",
        "enrichmentSource": None,
        "value": {"type": "interaction", "data": v2_interaction(ctx, rec, external, key, kind)},
    }
