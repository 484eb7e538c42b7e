"""Reminder tools: list, create and complete follow-up reminders on people, organizations and
deals.

Listing and creating use V2 (`GET`/`POST /v2/reminders`, 2026-07-15). Completing uses V1's
`PUT /reminders/{id}` with `is_completed`: the 2026-07-15 spec has no reminder update (V2's
`POST /v2/reminders/{id}` is newer than the version the client speaks), and V1's answer
carries every name the result needs, so completion is one request.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Any, Literal

from ..errors import AffinityError, NotFoundError, PermissionDeniedError, ToolInputError
from ..normalize import person_name, user_ref
from ..pagination import decode_page_token, encode_page_token
from .base import PAGE_TOKEN, Tool, id_prop, obj, page_size
from .common import calendar_date, companies_by_id, persons_by_id
from .results import ListRemindersResult, Recurrence, Reminder, ReminderEntity, UserRef

if TYPE_CHECKING:
    from ..client import AffinityClient

LIST = "affinity_list_reminders"
CREATE = "affinity_create_reminder"
COMPLETE = "affinity_complete_reminder"
ENTITY_INPUTS = {
    "person_id": "person",
    "organization_id": "company",
    "opportunity_id": "opportunity",
}
ENTITY_TYPES: dict[str, Literal["person", "organization", "opportunity"]] = {
    "person": "person",
    "company": "organization",
    "opportunity": "opportunity",
}
V1_STATUS: dict[Any, str] = {0: "completed", 1: "active", 2: "overdue"}
V1_RESET: dict[Any, str] = {0: "interaction", 1: "email", 2: "event"}
WHOAMI_TTL = 300.0  # seconds a key's own user id is reused within one client
NAME_LOOKUPS = 25  # one-by-one deal reads allowed when the V2 batch is refused
DATE = {
    "type": "string",
    "pattern": r"^\d{4}-\d{2}-\d{2}$",
    "description": "A date, YYYY-MM-DD.",
}


def me(client: AffinityClient) -> UserRef:
    """The key's own user (whoami, remembered on the client for a while)."""
    user = client.memo(("whoami",), WHOAMI_TTL, client.whoami)["user"]
    return {"id": int(user["id"]), "name": user.get("name")}


def my_id(client: AffinityClient) -> int:
    return me(client)["id"]


def parse_day(tool: str, field: str, text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise ToolInputError(
            f"{field}: {text!r} is not a real date (YYYY-MM-DD).", field=field, tool=tool
        ) from None


def _one_entity(tool: str, inp: dict[str, Any], *, required: bool) -> tuple[str, int] | None:
    given = [k for k in ENTITY_INPUTS if inp.get(k) is not None]
    if len(given) > 1 or (required and not given):
        raise ToolInputError(
            "Give exactly one of person_id, organization_id or opportunity_id.",
            field=given[1] if len(given) > 1 else "person_id",
            tool=tool,
        )
    return (ENTITY_INPUTS[given[0]], inp[given[0]]) if given else None


# ---- names ---------------------------------------------------------------------------------------


def _deal_names(client: AffinityClient, ids: list[int]) -> dict[int, str | None]:
    if not ids:
        return {}
    try:
        body = client.get("/v2/opportunities", {"ids": ids[:100], "limit": 100})
        return {o["id"]: o.get("name") for o in body.get("data") or []}
    except PermissionDeniedError:
        names: dict[int, str | None] = {}
        for ident in ids[:NAME_LOOKUPS]:
            try:
                names[ident] = client.get(f"/opportunities/{ident}").get("name")
            except (NotFoundError, PermissionDeniedError):
                continue
        return names


def _names(
    client: AffinityClient, items: list[dict[str, Any]], me: UserRef | None = None
) -> dict[tuple[str, int], Any]:
    """Names of the users, people, companies and deals the reminders name: users and people in
    one batch (users are people too), then companies, then deals; `me` needs no read."""
    wanted: dict[str, set[int]] = {"person": set(), "company": set(), "opportunity": set()}
    users: set[int] = set()
    for r in items:
        for kind in wanted:
            if r.get(kind):
                wanted[kind].add(r[kind]["id"])
        for role in ("owner", "creator", "completer"):
            if r.get(role):
                users.add(r[role]["id"])
    out: dict[tuple[str, int], Any] = {}
    if me is not None:
        out[("user", me["id"])] = me
        users.discard(me["id"])
    try:
        people = persons_by_id(client, users | wanted["person"])
        out.update({("user", i): user_ref(p) for i, p in people.items() if i in users})
        out.update({("person", i): person_name(p) for i, p in people.items()})
        companies = companies_by_id(client, wanted["company"])
        out.update({("company", i): c.get("name") for i, c in companies.items()})
        deals = _deal_names(client, sorted(wanted["opportunity"]))
        out.update({("opportunity", i): n for i, n in deals.items()})
    except AffinityError:
        pass  # names are a nicety: the reminders themselves are the answer
    return out


def _user(names: dict[tuple[str, int], Any], ref: dict[str, Any] | None) -> UserRef | None:
    if not ref:
        return None
    known: UserRef | None = names.get(("user", ref["id"]))
    return known or {"id": ref["id"], "name": None}


def v2_reminder_row(r: dict[str, Any], names: dict[tuple[str, int], Any]) -> Reminder:
    entity: ReminderEntity | None = None
    for kind, label in ENTITY_TYPES.items():
        if r.get(kind):
            ident = r[kind]["id"]
            entity = {"type": label, "id": ident, "name": names.get((kind, ident))}
    recurrence = r.get("recurrence")
    return {
        "id": r["id"],
        "content": r.get("content"),
        "type": r.get("type") or "one-time",
        "status": r.get("status") or "active",
        "due_date": calendar_date(r["dueDate"]) if r.get("dueDate") else None,
        "entity": entity,
        "owner": _user(names, r.get("owner")),
        "creator": _user(names, r.get("creator")),
        "completed_at": r.get("completedAt"),
        "recurrence": (
            {"period_days": recurrence["periodDays"], "reset_trigger": recurrence["resetTrigger"]}
            if recurrence
            else None
        ),
    }


# ---- list ----------------------------------------------------------------------------------------


def _filter(client: AffinityClient, inp: dict[str, Any]) -> str:
    clauses = []
    entity = _one_entity(LIST, inp, required=False)
    if entity is not None:
        clauses.append(f"{entity[0]}.id={entity[1]}")
    owner = inp.get("owner_id")
    if owner is None and _asks_for_mine(inp):
        owner = my_id(client)
    if owner is not None:
        clauses.append(f"owner.id={owner}")
    if inp.get("status") == "open":
        clauses.append("(status=active|status=overdue)")
    elif inp.get("status"):
        clauses.append(f"status={inp['status']}")
    bounds = []
    for field, op in (("due_from", ">="), ("due_until", "<=")):
        if inp.get(field):
            day = parse_day(LIST, field, inp[field])
            bounds.append(day)
            # due dates are midnight Pacific; a day's window runs from 00:00 to 23:59 UTC of
            # the Pacific day's midnight, which covers it whatever the offset
            moment = datetime(day.year, day.month, day.day, tzinfo=UTC)
            edge = moment if op == ">=" else moment.replace(hour=23, minute=59, second=59)
            clauses.append(f"dueDate{op}{edge:%Y-%m-%dT%H:%M:%SZ}")
    if len(bounds) == 2 and bounds[0] > bounds[1]:
        raise ToolInputError("due_from is after due_until.", field="due_from", tool=LIST)
    return "&".join(clauses)


def _asks_for_mine(inp: dict[str, Any]) -> bool:
    """Whether the list is the user's own (then whoami, already read, names them)."""
    entity = any(inp.get(k) is not None for k in ENTITY_INPUTS)
    return inp.get("owner_id") is None and bool(inp.get("mine", not entity))


def list_reminders(client: AffinityClient, inp: dict[str, Any]) -> ListRemindersResult:
    """One ``GET /v2/reminders`` with a filter (soonest due first), then one batch of names
    per kind (users, people, companies, deals)."""
    cursor = decode_page_token(inp.get("page_token"), LIST, inp, path="/v2/reminders")
    params: dict[str, Any] = {"limit": inp["page_size"]}
    condition = _filter(client, inp) if cursor is None else ""
    if condition:
        params["filter"] = condition
    page = client.page("/v2/reminders", params, cursor=cursor, resource="reminders")
    entity = _one_entity(LIST, inp, required=False)
    if not page.items and cursor is None and entity is not None:
        _confirm_entity(client, *entity)
    names = _names(client, page.items, me(client) if _asks_for_mine(inp) else None)
    return {
        "reminders": [v2_reminder_row(r, names) for r in page.items],
        "next_page_token": encode_page_token(page.next, LIST, inp),
    }


_ENTITY_PATHS = {"person": "/persons/{}", "company": "/organizations/{}"}


def _confirm_entity(client: AffinityClient, kind: str, ident: int) -> None:
    """A filter on an id that names nothing finds nothing; say "not found" instead."""
    path = _ENTITY_PATHS.get(kind, "/opportunities/{}")
    client.get(path.format(ident), resource=f"{ENTITY_TYPES[kind]} {ident}")


# ---- create --------------------------------------------------------------------------------------


def create_reminder(client: AffinityClient, inp: dict[str, Any]) -> Reminder:
    """``POST /v2/reminders`` (plus whoami when no owner is given, and the names)."""
    entity = _one_entity(CREATE, inp, required=True)
    assert entity is not None
    recurring = inp.get("repeat_every_days")
    if recurring is None and not inp.get("due_date"):
        raise ToolInputError(
            "due_date is required for a one-time reminder.", field="due_date", tool=CREATE
        )
    body: dict[str, Any] = {
        "type": "recurring" if recurring else "one-time",
        "entity": {"type": entity[0], "id": entity[1]},
        "content": inp["content"].strip(),
    }
    if inp.get("due_date"):
        day = parse_day(CREATE, "due_date", inp["due_date"])
        body["dueDate"] = f"{day.isoformat()}T12:00:00Z"  # Affinity keeps the date, not the time
    if recurring:
        body["recurrence"] = {
            "periodDays": recurring,
            "resetTrigger": inp.get("reset_on") or "interaction",
        }
    user = me(client)
    body["owner"] = {"id": inp.get("owner_id") or user["id"]}
    created = client.post("/v2/reminders", body, operation="create reminder")
    return v2_reminder_row(created, _names(client, [created], user))


# ---- complete ------------------------------------------------------------------------------------


def _v1_user(record: dict[str, Any] | None) -> UserRef | None:
    return {"id": record["id"], "name": person_name(record)} if record else None


def v1_reminder_row(r: dict[str, Any]) -> Reminder:
    entity: ReminderEntity | None = None
    if r.get("person"):
        entity = {"type": "person", "id": r["person"]["id"], "name": person_name(r["person"])}
    elif r.get("organization"):
        org = r["organization"]
        entity = {"type": "organization", "id": org["id"], "name": org.get("name")}
    elif r.get("opportunity"):
        opp = r["opportunity"]
        entity = {"type": "opportunity", "id": opp["id"], "name": opp.get("name")}
    recurring = r.get("type") == 1
    recurrence: Recurrence | None = (
        {
            "period_days": r.get("reminder_days") or 0,
            "reset_trigger": V1_RESET.get(r.get("reset_type"), "interaction"),
        }
        if recurring
        else None
    )
    return {
        "id": r["id"],
        "content": r.get("content"),
        "type": "recurring" if recurring else "one-time",
        "status": V1_STATUS.get(r.get("status"), "active"),
        "due_date": calendar_date(r["due_date"]) if r.get("due_date") else None,
        "entity": entity,
        "owner": _v1_user(r.get("owner")),
        "creator": _v1_user(r.get("creator")),
        "completed_at": r.get("completed_at"),
        "recurrence": recurrence,
    }


def complete_reminder(client: AffinityClient, inp: dict[str, Any]) -> Reminder:
    """One V1 ``PUT /reminders/{id}`` with ``is_completed``. A recurring reminder stays open
    and moves on to its next due date; a one-time one becomes completed."""
    ident = inp["reminder_id"]
    answer = client.put(
        f"/reminders/{ident}",
        {"is_completed": True},
        idempotent=True,  # completing twice leaves it completed
        resource=f"reminder {ident}",
        operation="complete reminder",
    )
    return v1_reminder_row(answer)


ENTITY_PROPS = {
    "person_id": id_prop("A person (from affinity_search_persons)."),
    "organization_id": id_prop("An organization (from affinity_search_organizations)."),
    "opportunity_id": id_prop("A deal (from affinity_list_opportunities)."),
}

TOOLS = [
    Tool(
        name=LIST,
        description=(
            "Follow-up reminders, soonest due first: the user's own by default, or those on one "
            "person, organization or deal (give at most one id), or another user's (owner_id). "
            "Filter by status (open, active, overdue, completed) and due date range. Each has its "
            "text, due date (YYYY-MM-DD), status, what it is about, owner and creator."
        ),
        input_schema=obj(
            {
                **ENTITY_PROPS,
                "owner_id": id_prop("Only reminders owned by this internal user."),
                "mine": {
                    "type": "boolean",
                    "description": "Only the user's own reminders (default: true unless a "
                    "person, organization or deal is given).",
                },
                "status": {
                    "type": "string",
                    "enum": ["open", "active", "overdue", "completed"],
                    "description": "open: not completed (active or overdue); active: due "
                    "later; overdue: past due; completed: done.",
                },
                "due_from": {**DATE, "description": "Due on or after this date (YYYY-MM-DD)."},
                "due_until": {**DATE, "description": "Due on or before this date (YYYY-MM-DD)."},
                "page_size": page_size(100, 25),
                "page_token": PAGE_TOKEN,
            }
        ),
        writes=False,
        function=list_reminders,
    ),
    Tool(
        name=CREATE,
        description=(
            "Create a follow-up reminder on exactly one person, organization or deal. One-time: "
            "give due_date (YYYY-MM-DD; Affinity keeps the day, not a time). Recurring: give "
            "repeat_every_days (due_date optional, default that many days from today). The "
            "owner is the user unless owner_id (an internal user) is given."
        ),
        input_schema=obj(
            {
                **ENTITY_PROPS,
                "content": {
                    "type": "string",
                    "minLength": 1,
                    "maxLength": 2000,
                    "description": "What to do, e.g. 'Follow up on the term sheet'.",
                },
                "due_date": {**DATE, "description": "When it is due (YYYY-MM-DD)."},
                "repeat_every_days": {
                    "type": "integer",
                    "minimum": 1,
                    "maximum": 3650,
                    "description": "Make it recurring: days between due dates.",
                },
                "reset_on": {
                    "type": "string",
                    "enum": ["interaction", "email", "event"],
                    "description": "For a recurring reminder: what resets its clock (default "
                    "any interaction).",
                },
                "owner_id": id_prop("The internal user responsible (default: the user)."),
            },
            required=["content"],
        ),
        writes=True,
        function=create_reminder,
    ),
    Tool(
        name=COMPLETE,
        description=(
            "Mark a reminder done (ids from affinity_list_reminders). A one-time reminder "
            "becomes completed; a recurring one moves on to its next due date. Only its creator "
            "or owner may complete it. Returns the reminder after the change."
        ),
        input_schema=obj(
            {"reminder_id": id_prop("The reminder to complete.")}, required=["reminder_id"]
        ),
        writes=True,
        function=complete_reminder,
    ),
]
