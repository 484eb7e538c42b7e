"""Reminders: V2 (2026-07-15) list, create, get and delete, and V1's update, which is how a
reminder is completed.

The 2026-07-15 spec has no reminder update (`POST /v2/reminders/{id}` arrives in 2026-09-18);
V1 has always completed reminders with `PUT /reminders/{reminder_id}` and `is_completed`, so the
sandbox serves that in V1's shapes, on the same records. Due dates follow the 2026 date rule:
the time is ignored and the date is stored at midnight Pacific time.

Visibility: a reminder is visible to the whole team, except one on a deal whose list the
caller may not see (404). Only its creator or owner may delete or complete it (403).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from werkzeug.wrappers import Response

from . import render
from .filter_language import compile_filter, prop
from .seed import affinity_now, date_field
from .v2_bodies import date_time, json_object, only, path_id, positive_id, reference
from .web import (
    ApiError,
    Ctx,
    as_int,
    json_response,
    parse_date,
    v1_date,
    v2_date,
    v2_page,
)

TYPES = ("one-time", "recurring")
RESET_TRIGGERS = ("interaction", "email", "event")
ENTITY_TYPES = ("person", "company", "opportunity")
V1_RESET_TYPES = {"interaction": 0, "email": 1, "event": 2}
V1_STATUS = {"completed": 0, "active": 1, "overdue": 2}
"""V1's reminder codes: type 0 one-time / 1 recurring; reset_type 0 interaction, 1 email,
2 event; status 0 completed, 1 active, 2 overdue."""


# -- records ------------------------------------------------------------------------------
def status(rec: dict[str, Any], now: datetime | None = None) -> str:
    """Derived as the spec says: completed if completedAt is set, overdue if due in the past."""
    if rec["completed_at"] is not None:
        return "completed"
    return "overdue" if rec["due_date"] < (now or datetime.now(UTC)) else "active"


def v2_reminder(rec: dict[str, Any]) -> dict[str, Any]:
    def ref(ident: int | None) -> dict[str, int] | None:
        return None if ident is None else {"id": ident}

    kind = rec["entity_type"]
    return {
        "id": rec["id"],
        "type": "recurring" if rec["recurrence"] else "one-time",
        "content": rec["content"],
        "dueDate": v2_date(rec["due_date"]),
        "creator": {"id": rec["creator_id"]},
        "owner": {"id": rec["owner_id"]},
        "completer": ref(rec["completer_id"]),
        "company": ref(rec["entity_id"] if kind == "company" else None),
        "person": ref(rec["entity_id"] if kind == "person" else None),
        "opportunity": ref(rec["entity_id"] if kind == "opportunity" else None),
        "createdAt": v2_date(rec["created_at"]),
        "updatedAt": v2_date(rec["updated_at"]),
        "status": status(rec),
        "completedAt": v2_date(rec["completed_at"]),
        "recurrence": dict(rec["recurrence"]) if rec["recurrence"] else None,
    }


def can_see(ctx: Ctx, rec: dict[str, Any]) -> bool:
    if rec["entity_type"] != "opportunity":
        return True
    opp = ctx.world.opportunities.get(rec["entity_id"])
    return opp is None or ctx.can_see_opportunity(opp)


def _visible(ctx: Ctx, reminder_id: int) -> dict[str, Any]:
    rec = ctx.world.reminders.get(reminder_id)
    if rec is None or not can_see(ctx, rec):
        raise ApiError(404, "Reminder not found")
    return rec


def _creator_or_owner(ctx: Ctx, rec: dict[str, Any], action: str) -> None:
    if ctx.user["person_id"] not in (rec["creator_id"], rec["owner_id"]):
        raise ApiError(403, f"Only the reminder's creator or owner may {action} it")


# -- the filter language ------------------------------------------------------------------
_DATES = (">", "<", ">=", "<=")


def _entity_id(kind: str) -> Callable[[dict[str, Any]], int | None]:
    return lambda rec: rec["entity_id"] if rec["entity_type"] == kind else None


REMINDER_FILTER = {
    "id": prop("int", "id", "="),
    "type": prop(
        "enum", lambda r: "recurring" if r["recurrence"] else "one-time", "=", values=TYPES
    ),
    "status": prop("enum", status, "=", values=("active", "overdue", "completed")),
    "resetTrigger": prop(
        "enum",
        lambda r: r["recurrence"]["resetTrigger"] if r["recurrence"] else None,
        "=",
        values=RESET_TRIGGERS,
    ),
    "dueDate": prop("datetime", "due_date", *_DATES),
    "completedAt": prop("datetime", "completed_at", *_DATES),
    "createdAt": prop("datetime", "created_at", *_DATES),
    "updatedAt": prop("datetime", "updated_at", *_DATES),
    "owner.id": prop("int", "owner_id", "=", "!="),
    "creator.id": prop("int", "creator_id", "="),
    "completer.id": prop("int", "completer_id", "="),
    "company.id": prop("int", _entity_id("company"), "="),
    "person.id": prop("int", _entity_id("person"), "="),
    "opportunity.id": prop("int", _entity_id("opportunity"), "="),
}
"""The properties and operators of the spec's `GET /v2/reminders` table."""


def parse_filter(raw: str | None) -> Callable[[dict[str, Any]], bool]:
    """The `filter` parameter as a predicate, in the sandbox's shared filter language."""
    return compile_filter(raw, REMINDER_FILTER)


# -- V2 -----------------------------------------------------------------------------------
def list_reminders(ctx: Ctx) -> Any:
    keep = parse_filter(ctx.request.args.get("filter"))
    raw_total = ctx.request.args.get("totalCount")
    if raw_total not in (None, "true", "false"):
        raise ApiError(400, "totalCount must be true or false", "totalCount")
    chosen = sorted(
        (r for r in ctx.world.reminders.values() if can_see(ctx, r) and keep(r)),
        key=lambda r: (r["due_date"], r["id"]),
    )
    page = v2_page(ctx, chosen, total_count=raw_total == "true")
    page["data"] = [v2_reminder(r) for r in page["data"]]
    return page


def _owner(ctx: Ctx, body: dict[str, Any]) -> int:
    ident = reference(body.get("owner"), "owner")["id"]
    person = ctx.world.persons.get(ident)
    if person is None:
        raise ApiError(404, f"Person {ident} not found")
    if person["type"] != 1:
        raise ApiError(400, "owner must be an internal user", "owner.id")
    return int(ident)


def _entity(ctx: Ctx, body: dict[str, Any]) -> tuple[str, int]:
    ref = reference(body.get("entity"), "entity", ("type", "id"))
    kind = ref.get("type")
    if kind not in ENTITY_TYPES:
        raise ApiError(400, f"entity.type must be one of: {', '.join(ENTITY_TYPES)}", "entity.type")
    w = ctx.world
    table = {"person": w.persons, "company": w.organizations, "opportunity": w.opportunities}[kind]
    rec = table.get(ref["id"])
    if rec is None:
        raise ApiError(404, f"{kind.capitalize()} {ref['id']} not found")
    if kind == "person" and rec["type"] == 1:
        raise ApiError(400, "entity must be an external person or collaborator", "entity.id")
    if kind == "opportunity":
        ctx.visible_opportunity(ref["id"])
    return kind, int(ref["id"])


def _recurrence(body: dict[str, Any]) -> dict[str, Any]:
    rec = body.get("recurrence")
    if not isinstance(rec, dict):
        raise ApiError(400, "recurrence is required for a recurring reminder", "recurrence")
    only(rec, ("resetTrigger", "periodDays"), "recurrence.")
    if rec.get("resetTrigger") not in RESET_TRIGGERS:
        raise ApiError(
            400,
            f"recurrence.resetTrigger must be one of: {', '.join(RESET_TRIGGERS)}",
            "recurrence.resetTrigger",
        )
    days = positive_id(rec.get("periodDays"), "recurrence.periodDays", 2**31 - 1)
    return {"resetTrigger": rec["resetTrigger"], "periodDays": days}


def create_reminder(ctx: Ctx) -> Any:
    body = json_object(ctx)
    kind = body.get("type")
    if kind not in TYPES:
        raise ApiError(400, f"type must be one of: {', '.join(TYPES)}", "type")
    common = ("type", "content", "entity", "owner", "dueDate")
    only(body, (*common, "recurrence") if kind == "recurring" else common)
    content = body.get("content")
    if content is not None and not isinstance(content, str):
        raise ApiError(400, "content must be a string", "content")
    recurrence = _recurrence(body) if kind == "recurring" else None
    if "dueDate" in body:
        due = date_field(date_time(body["dueDate"], "dueDate"))
    elif recurrence is not None:
        due = date_field(affinity_now() + timedelta(days=recurrence["periodDays"]))
    else:
        raise ApiError(400, "dueDate is required for a one-time reminder", "dueDate")
    owner = _owner(ctx, body)
    entity_type, entity_id = _entity(ctx, body)
    w = ctx.world
    rec = {
        "id": w.new_id("reminder"),
        "content": content,
        "due_date": due,
        "creator_id": ctx.user["person_id"],
        "owner_id": owner,
        "completer_id": None,
        "completed_at": None,
        "entity_type": entity_type,
        "entity_id": entity_id,
        "recurrence": recurrence,
        "created_at": datetime.now(UTC),
        "updated_at": None,
    }
    w.reminders[rec["id"]] = rec
    ctx.state.emit("reminder.created", v1_reminder(ctx, rec))
    return json_response(v2_reminder(rec), 201)


def get_reminder(ctx: Ctx, reminder_id: str) -> Any:
    return v2_reminder(_visible(ctx, path_id(reminder_id, "reminderId")))


def delete_reminder(ctx: Ctx, reminder_id: str) -> Any:
    rec = _visible(ctx, path_id(reminder_id, "reminderId"))
    _creator_or_owner(ctx, rec, "delete")
    body = v1_reminder(ctx, rec)
    del ctx.world.reminders[rec["id"]]
    ctx.state.emit("reminder.deleted", body)
    return Response(status=204)


# -- V1 -----------------------------------------------------------------------------------
def v1_reminder(ctx: Ctx, rec: dict[str, Any]) -> dict[str, Any]:
    w = ctx.world

    def person(ident: int | None) -> dict[str, Any] | None:
        return None if ident is None else render.v1_person_brief(w.persons[ident])

    kind, ident = rec["entity_type"], rec["entity_id"]
    opp = w.opportunities.get(ident) if kind == "opportunity" else None
    org = w.organizations.get(ident) if kind == "company" else None
    recurrence = rec["recurrence"]
    return {
        "id": rec["id"],
        "type": 1 if recurrence else 0,
        "created_at": v1_date(rec["created_at"]),
        "completed_at": v1_date(rec["completed_at"]),
        "content": rec["content"],
        "due_date": v1_date(rec["due_date"]),
        "reset_type": V1_RESET_TYPES[recurrence["resetTrigger"]] if recurrence else None,
        "reminder_days": recurrence["periodDays"] if recurrence else None,
        "status": V1_STATUS[status(rec)],
        "creator": person(rec["creator_id"]),
        "owner": person(rec["owner_id"]),
        "completer": person(rec["completer_id"]),
        "person": person(ident) if kind == "person" else None,
        "organization": render.v1_org_brief(org) if org else None,
        "opportunity": {"id": opp["id"], "name": opp["name"]} if opp else None,
    }


def _v1_bool(value: Any) -> bool | None:
    if value in (True, 1, "true", "1"):
        return True
    if value in (False, 0, "false", "0"):
        return False
    return None


def v1_get_reminder(ctx: Ctx, reminder_id: int) -> Any:
    return v1_reminder(ctx, _visible(ctx, reminder_id))


def v1_update_reminder(ctx: Ctx, reminder_id: int) -> Any:
    """Completing (`is_completed`), reopening, or changing content, due date or owner.

    Completing a one-time reminder sets `completed_at`; completing a recurring one moves its
    due date `reminder_days` on from today and leaves it open, as V2 describes recurring ones.
    """
    rec = _visible(ctx, reminder_id)
    _creator_or_owner(ctx, rec, "change")
    body = ctx.body()
    changes: dict[str, Any] = {}
    if "content" in body:
        if body["content"] is not None and not isinstance(body["content"], str):
            raise ApiError(422, "content must be a string")
        changes["content"] = body["content"]
    if "due_date" in body:
        due = parse_date(body["due_date"])
        if due is None:
            raise ApiError(422, "due_date must be an ISO 8601 date")
        changes["due_date"] = date_field(due)
    if "owner_id" in body:
        owner = as_int(body["owner_id"])
        person = ctx.world.persons.get(owner) if owner is not None else None
        if person is None or person["type"] != 1:
            raise ApiError(422, "owner_id must be an internal person")
        changes["owner_id"] = owner
    completed = None
    if "is_completed" in body:
        completed = _v1_bool(body["is_completed"])
        if completed is None:
            raise ApiError(422, "is_completed must be true or false")
    now = datetime.now(UTC)
    rec.update(changes)
    if completed is True and rec["recurrence"]:
        rec["due_date"] = date_field(
            affinity_now() + timedelta(days=rec["recurrence"]["periodDays"])
        )
        rec["completer_id"] = ctx.user["person_id"]
    elif completed is True and rec["completed_at"] is None:
        rec["completed_at"] = now
        rec["completer_id"] = ctx.user["person_id"]
    elif completed is False:
        rec["completed_at"] = None
        rec["completer_id"] = None
    rec["updated_at"] = now
    out = v1_reminder(ctx, rec)
    ctx.state.emit("reminder.updated", out)
    return out


ROUTES = [
    ("/v2/reminders", ["GET"], list_reminders),
    ("/v2/reminders", ["POST"], create_reminder),
    ("/v2/reminders/<seg:reminder_id>", ["GET"], get_reminder),
    ("/v2/reminders/<seg:reminder_id>", ["DELETE"], delete_reminder),
]
V1_ROUTES = [
    ("/reminders/<int:reminder_id>", ["GET"], v1_get_reminder),
    ("/reminders/<int:reminder_id>", ["PUT"], v1_update_reminder),
]
