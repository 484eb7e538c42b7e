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

BOTH = ("2024-01-01", "2026-07-15")
ONLY_2024 = ("2024-01-01",)
ONLY_2026 = ("2026-07-15",)

REQUIRED_BY_VERSION: list[tuple[str, str, str, tuple[str, ...]]] = [
    ("GET", "/v2/companies", EXPORT_ORGANIZATIONS, BOTH),
    ("GET", "/v2/companies/{companyId}", EXPORT_ORGANIZATIONS, ONLY_2024),
    ("GET", "/v2/companies/{companyId}/list-entries", EXPORT_LISTS, ONLY_2024),
    ("GET", "/v2/lists/{listId}/list-entries", EXPORT_LISTS, BOTH),
    ("GET", "/v2/lists/{listId}/list-entries/{listEntryId}", EXPORT_LISTS, ONLY_2024),
    ("GET", "/v2/lists/{listId}/list-entries/{listEntryId}/fields", EXPORT_LISTS, ONLY_2024),
    ("PATCH", "/v2/lists/{listId}/list-entries/{listEntryId}/fields", EXPORT_LISTS, BOTH),
    (
        "GET",
        "/v2/lists/{listId}/list-entries/{listEntryId}/fields/{fieldId}",
        EXPORT_LISTS,
        ONLY_2024,
    ),
    ("POST", "/v2/lists/{listId}/list-entries/{listEntryId}/fields/{fieldId}", EXPORT_LISTS, BOTH),
    ("GET", "/v2/lists/{listId}/saved-views/{viewId}/list-entries", EXPORT_LISTS, BOTH),
    ("GET", "/v2/opportunities", EXPORT_LISTS, BOTH),
    ("GET", "/v2/opportunities/{opportunityId}", EXPORT_LISTS, ONLY_2024),
    ("GET", "/v2/persons", EXPORT_PEOPLE, BOTH),
    ("GET", "/v2/persons/{personId}", EXPORT_PEOPLE, ONLY_2024),
    ("GET", "/v2/persons/{personId}/list-entries", EXPORT_LISTS, ONLY_2024),
    ("POST", "/v2/persons/search", EXPORT_PEOPLE, ONLY_2026),
    ("POST", "/v2/companies/search", EXPORT_ORGANIZATIONS, ONLY_2026),
    ("POST", "/v2/lists/{listId}/list-entries/search", EXPORT_LISTS, ONLY_2026),
]
"""(method, path, permission, the versions whose spec asks for it). The 2026-07-15 spec no
longer names a permission on single-record reads (a person, a company, a deal, one list entry
and its fields, a person's or company's list entries): answered in 2026-07-15 they are open to
any role; answered in 2024-01-01 they keep 2024's rule."""

REQUIRED = sorted({(method, path, perm) for method, path, perm, _v in REQUIRED_BY_VERSION})
"""Every row of either spec (tests/sandbox/test_permissions.py checks it against both)."""

_PATTERNS = [
    (method, re.compile("^" + re.sub(r"\{[^}]+\}", _ID, path) + "/?$"), permission, versions)
    for method, path, permission, versions in REQUIRED_BY_VERSION
]


def missing_permission(
    user: dict[str, object], method: str, path: str, version: str = "2026-07-15"
) -> str | None:
    """The permission `user` lacks for this V2 request answered in `version`, or None."""
    lacks = user.get("lacks") or []
    if not isinstance(lacks, list) or not lacks:
        return None
    for want_method, pattern, permission, versions in _PATTERNS:
        if (
            want_method == method
            and version in versions
            and permission in lacks
            and pattern.match(path)
        ):
            return permission
    return None


def denied_message(permission: str) -> str:
    return f'Requires the "{permission}" permission'
