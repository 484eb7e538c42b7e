"""Which V2 endpoints need which permission, as the V2 specs (2024-01-01 and 2026-07-15) say.

Each description in reference/affinity-v2-openapi.json or affinity-v2-openapi-2026-07-15.json
that says `Requires the "…" [permission]` is one row here (tests/sandbox/test_permissions.py
checks the table against both specs). A user whose role lacks the permission gets 403 with the
spec's `AuthorizationErrors` body (`{"errors": [{"code": "authorization", "message": …}]}`).
V1 endpoints answer as V1 does.
"""

from __future__ import annotations

import re

from .seed import EXPORT_LISTS, EXPORT_ORGANIZATIONS, EXPORT_PEOPLE

_ID = r"[^/]+"

REQUIRED: list[tuple[str, str, str]] = [
    ("GET", "/v2/companies", EXPORT_ORGANIZATIONS),
    ("GET", "/v2/companies/{companyId}", EXPORT_ORGANIZATIONS),
    ("GET", "/v2/companies/{companyId}/list-entries", EXPORT_LISTS),
    ("GET", "/v2/lists/{listId}/list-entries", EXPORT_LISTS),
    ("GET", "/v2/lists/{listId}/list-entries/{listEntryId}", EXPORT_LISTS),
    ("GET", "/v2/lists/{listId}/list-entries/{listEntryId}/fields", EXPORT_LISTS),
    ("PATCH", "/v2/lists/{listId}/list-entries/{listEntryId}/fields", EXPORT_LISTS),
    ("GET", "/v2/lists/{listId}/list-entries/{listEntryId}/fields/{fieldId}", EXPORT_LISTS),
    ("POST", "/v2/lists/{listId}/list-entries/{listEntryId}/fields/{fieldId}", EXPORT_LISTS),
    ("GET", "/v2/lists/{listId}/saved-views/{viewId}/list-entries", EXPORT_LISTS),
    ("GET", "/v2/opportunities", EXPORT_LISTS),
    ("GET", "/v2/opportunities/{opportunityId}", EXPORT_LISTS),
    ("GET", "/v2/persons", EXPORT_PEOPLE),
    ("GET", "/v2/persons/{personId}", EXPORT_PEOPLE),
    ("GET", "/v2/persons/{personId}/list-entries", EXPORT_LISTS),
    ("POST", "/v2/persons/search", EXPORT_PEOPLE),
    ("POST", "/v2/companies/search", EXPORT_ORGANIZATIONS),
    ("POST", "/v2/lists/{listId}/list-entries/search", EXPORT_LISTS),
]

_PATTERNS = [
    (method, re.compile("^" + re.sub(r"\{[^}]+\}", _ID, path) + "/?$"), permission)
    for method, path, permission in REQUIRED
]


def missing_permission(user: dict[str, object], method: str, path: str) -> str | None:
    """The permission `user` lacks for this V2 request, or None."""
    lacks = user.get("lacks") or []
    if not isinstance(lacks, list) or not lacks:
        return None
    for want_method, pattern, permission in _PATTERNS:
        if want_method == method and permission in lacks and pattern.match(path):
            return permission
    return None


def denied_message(permission: str) -> str:
    return f'Requires the "{permission}" permission'
