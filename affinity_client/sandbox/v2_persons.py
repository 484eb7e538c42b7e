"""V2 person writes (2026-07-15, beta): `POST /v2/persons` and `DELETE /v2/persons/{personId}`.

Create validates `persons.PersonToCreate` (no other keys; `firstName` a non-empty string;
`lastName` and `primaryEmailAddress` required but nullable; emails well-formed, at most 100) and
answers 201 with the `Person`. An email that already belongs to a person is a 400 `validation`
error on the property that carries it, as Affinity rejects a clashing email (reference/
affinity-api.md §4.2). Setting `fields` needs "Edit Global Field Values" (403 otherwise).
Delete answers 204, or 403 for an internal person (a user, or someone at the firm's own domain:
"internal or inferred internal"); the person leaves its lists, deals, notes, meetings and
relationships, and reminders on the person go with it.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

from werkzeug.wrappers import Response

from . import render, seed, v2
from .web import ApiError, Ctx, json_response

EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
CREATE_KEYS = {"firstName", "lastName", "primaryEmailAddress", "emailAddresses", "fields"}


def _email(value: Any, param: str) -> str:
    if not isinstance(value, str) or not EMAIL.match(value.strip()):
        raise ApiError(400, f"{param} must be a valid email address", param)
    return value.strip()


def _emails(body: dict[str, Any]) -> list[str]:
    """The new person's emails, primary first, each checked and unique in the instance."""
    primary = body["primaryEmailAddress"]
    emails = [] if primary is None else [_email(primary, "primaryEmailAddress")]
    extra = body.get("emailAddresses")
    if extra is not None:
        if not isinstance(extra, list) or len(extra) > 100:
            raise ApiError(400, "emailAddresses must be an array of at most 100", "emailAddresses")
        emails += [_email(e, "emailAddresses") for e in extra]
    return list(dict.fromkeys(emails))


def _check_unique(ctx: Ctx, emails: list[str], primary: str | None) -> None:
    taken = {e.lower() for p in ctx.world.persons.values() for e in p["emails"]}
    for email in emails:
        if email.lower() in taken:
            param = "primaryEmailAddress" if email == primary else "emailAddresses"
            raise ApiError(400, f"A person with the email {email} already exists", param)


def _field_updates(ctx: Ctx, body: dict[str, Any]) -> list[tuple[dict[str, Any], list[Any]]]:
    """Checked `fields` (global person fields only), before anything is written."""
    updates = body.get("fields")
    if updates is None:
        return []
    if not isinstance(updates, list) or len(updates) > 100:
        raise ApiError(400, "fields must be an array of at most 100", "fields")
    if updates and seed.EDIT_GLOBAL_FIELDS in (ctx.user.get("lacks") or []):
        raise ApiError(403, f'Requires the "{seed.EDIT_GLOBAL_FIELDS}" permission')
    out = []
    for update in updates:
        if not isinstance(update, dict) or set(update) != {"id", "value"}:
            raise ApiError(400, "each of fields needs exactly id and value", "fields")
        match = re.fullmatch(r"field-(\d+)", str(update["id"]))
        f = ctx.world.fields.get(int(match.group(1))) if match else None
        if f is None or f["list_id"] is not None or f["entity_type"] != 0:
            raise ApiError(400, f"Unknown person field {update['id']!r}", "fields")
        out.append((f, v2._parse_update(ctx, f, update["value"], "fields")))
    return out


def create_person(ctx: Ctx) -> Any:
    body = ctx.body()
    unknown = sorted(set(body) - CREATE_KEYS)
    if unknown:
        raise ApiError(400, f"Unknown property {unknown[0]}", unknown[0])
    for name in ("firstName", "lastName", "primaryEmailAddress"):
        if name not in body:
            raise ApiError(400, f"{name} is required", name)
    first = body["firstName"]
    if not isinstance(first, str) or not first.strip():
        raise ApiError(400, "firstName must be a non-empty string", "firstName")
    last = body["lastName"]
    if last is not None and not isinstance(last, str):
        raise ApiError(400, "lastName must be a string or null", "lastName")
    emails = _emails(body)
    primary = emails[0] if body["primaryEmailAddress"] is not None else None
    _check_unique(ctx, emails, primary)
    updates = _field_updates(ctx, body)
    w = ctx.world
    pid = w.new_id("person")
    rec = {
        "id": pid,
        "type": 0,
        "first_name": first.strip(),
        "last_name": last.strip() if isinstance(last, str) else None,
        "emails": emails,
        "organization_ids": [],
        "phone_numbers": [],
        "interactions": None,
        "created_at": datetime.now(UTC),
    }
    w.persons[pid] = rec
    for f, raws in updates:
        v2._apply(ctx, {"id": None, "entity_id": pid}, f, raws)
    ctx.state.emit("person.created", render.v2_person(rec))
    return json_response(render.v2_person(rec), 201)


FIRM_DOMAINS = frozenset(u["email"].split("@")[1] for u in seed.USERS)


def _internal(p: dict[str, Any]) -> bool:
    """A user of the instance, or inferred internal: an email at the firm's own domain."""
    return p["type"] == 1 or any(e.lower().split("@")[-1] in FIRM_DOMAINS for e in p["emails"])


def delete_person(ctx: Ctx, person_id: int) -> Any:
    w, index = ctx.world, ctx.state.index
    p = w.persons.get(person_id)
    if p is None:
        raise ApiError(404, "Person not found")
    if _internal(p):
        raise ApiError(403, "Internal persons cannot be deleted")
    for eid in list(index.entries_by_entity[(0, person_id)]):
        index.remove_entry(w.list_entries[eid])
        for vid in list(index.values_by_entry[eid]):
            index.remove_value(w.field_values.pop(vid))
        del w.list_entries[eid]
    for vid in list(index.values_by_entity[person_id]):
        v = w.field_values[vid]
        if v.get("entity_type", 0) == 0 and v["list_entry_id"] is None:
            index.remove_value(w.field_values.pop(vid))
    for oid in list(index.opps_by_person[person_id]):
        opp = w.opportunities[oid]
        index.remove_opportunity(opp)
        opp["person_ids"] = [i for i in opp["person_ids"] if i != person_id]
        index.add_opportunity(opp)
    for org_id in p["organization_ids"]:
        if person_id in index.persons_by_org[org_id]:
            index.persons_by_org[org_id].remove(person_id)
    for note in w.notes.values():
        for key in ("person_ids", "mentioned_person_ids"):
            if person_id in note.get(key, ()):
                note[key] = [i for i in note[key] if i != person_id]
    for meeting in w.meetings.values():
        if person_id in meeting.get("person_ids", ()):
            meeting["person_ids"] = [i for i in meeting["person_ids"] if i != person_id]
    for rid in [
        r["id"]
        for r in w.reminders.values()
        if r["entity_type"] == "person" and r["entity_id"] == person_id
    ]:
        del w.reminders[rid]
    w.strengths.pop(person_id, None)
    del w.persons[person_id]
    ctx.state.emit("person.deleted", {"id": person_id})
    return Response(status=204)


ROUTES = [
    ("/v2/persons", ["POST"], create_person),
    ("/v2/persons/<seg:person_id>", ["DELETE"], delete_person),
]
