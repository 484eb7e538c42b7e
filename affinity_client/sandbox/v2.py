"""V2 routes (under /v2): camelCase bodies, `{"errors": [...]}`, cursor pagination."""

from __future__ import annotations

from typing import Any

from . import seed
from .web import Ctx


def whoami(ctx: Ctx) -> Any:
    u = ctx.user
    return {"tenant": dict(seed.TENANT),
            "user": {"id": u["person_id"], "firstName": u["first_name"],
                     "lastName": u["last_name"], "emailAddress": u["email"]},
            "grant": {"type": "api-key", "scopes": ["api"], "createdAt": "2025-03-04T17:12:44Z"}}


ROUTES = [
    ("/v2/auth/whoami", ["GET"], whoami),
]
