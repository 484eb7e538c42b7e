"""V2 users (2026-07-15, beta): `GET /v2/users` and `GET /v2/users/{userId}`.

Users are the instance's internal persons (a user's id is its person id). `emailAddresses` and
`role` are only in the answer for a caller granted "Manage Users" (the seeded admin); everyone
else gets the rest of `UserData`. `term` matches first name, last name or primary email
(case-insensitive substring); `filter` takes `id=` and `status=` (filter_language.py).
"""

from __future__ import annotations

from typing import Any

from . import seed
from .filter_language import compile_filter, prop
from .versions import path_id
from .web import ApiError, Ctx, v2_page

STATUSES = ("active", "invited", "deactivated")
FILTER = {"id": prop("int", "id", "="), "status": prop("enum", "status", "=", values=STATUSES)}
SANDBOX_ROLES = {"revoked": "standard"}
"""A seeded role that is a key state, not an Affinity role, answers as the role it stands for."""


def can_manage_users(user: dict[str, Any]) -> bool:
    return seed.MANAGE_USERS in (user.get("grants") or [])


def _user_data(ctx: Ctx, p: dict[str, Any]) -> dict[str, Any]:
    account = next((u for u in seed.USERS if u["person_id"] == p["id"]), None)
    out: dict[str, Any] = {
        "id": p["id"],
        "firstName": p["first_name"],
        "lastName": p["last_name"],
        "primaryEmailAddress": p["emails"][0] if p["emails"] else None,
        "photoUrl": None,
        "status": "active",
    }
    if can_manage_users(ctx.user):
        role = account["role"] if account else "standard"
        out["emailAddresses"] = list(p["emails"])
        out["role"] = SANDBOX_ROLES.get(role, role)
    return out


def _users(ctx: Ctx) -> list[dict[str, Any]]:
    return [p for _, p in sorted(ctx.world.persons.items()) if p["type"] == 1]


def list_users(ctx: Ctx) -> Any:
    term = (ctx.request.args.get("term") or "").strip().lower()
    matches = compile_filter(ctx.request.args.get("filter"), FILTER)
    found = []
    for p in _users(ctx):
        data = _user_data(ctx, p)
        words = (data["firstName"], data["lastName"] or "", data["primaryEmailAddress"] or "")
        if term and not any(term in w.lower() for w in words):
            continue
        if matches(data):
            found.append(data)
    return v2_page(ctx, found)


def get_user(ctx: Ctx, user_id: str) -> Any:
    uid = path_id(user_id, "userId", ctx.version)
    p = ctx.world.persons.get(uid)
    if p is None or p["type"] != 1:
        raise ApiError(404, "User not found")
    return _user_data(ctx, p)


ROUTES = [
    ("/v2/users", ["GET"], list_users),
    ("/v2/users/<seg:user_id>", ["GET"], get_user),
]
