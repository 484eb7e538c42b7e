"""Which V2 version a request is answered in, and the per-version limits on path ids.

Affinity binds a "Default API Version" to each key and lets a request name another in the
`X-Affinity-Api-Version` header; every V2 answer echoes the version it was answered in, and an
unsupported value is a validation error (reference/affinity-api.md §1.2). The sandbox answers in
the two versions whose specs it has: 2024-01-01 and 2026-07-15. `current` means the newest of
those. Versions Affinity has that the sandbox does not model (2026-09-17) and values nobody knows
get the same 400, naming the versions the sandbox answers in (docs/sandbox.md, "API versions").
"""

from __future__ import annotations

import re

from .seed import API_VERSION, LEGACY_API_VERSION
from .web import ApiError

HEADER = "X-Affinity-Api-Version"
KNOWN = (LEGACY_API_VERSION, API_VERSION)
"""The versions the sandbox answers in, oldest first."""
NEWEST = KNOWN[-1]
ALIASES = {"current": NEWEST}

INT64_MAX = {LEGACY_API_VERSION: 2**63 - 1, API_VERSION: 2**53 - 1}
"""The `maximum` of int64 path ids: 2026-07-15 bounds them at JavaScript's safe integer."""
INT32_PARAMS = frozenset({"noteId", "transcriptId", "userId"})
"""Path ids the specs declare int32 (maximum 2^31 - 1) in every version."""


def answer_version(requested: str | None, key_default: str) -> str:
    """The version to answer in: the header's, else the key's default; 400 when not served."""
    if requested is None:
        return key_default
    wanted = requested.strip()
    if wanted in KNOWN:
        return wanted
    if wanted in ALIASES:
        return ALIASES[wanted]
    served = ", ".join(KNOWN)
    raise ApiError(
        400,
        f"Unsupported API version {wanted!r}: this sandbox answers in {served} "
        f"(and 'current', meaning {NEWEST})",
        HEADER,
    )


OPERATIONS_2024 = frozenset(
    {
        ("GET", "/v2/auth/whoami"),
        *(("GET", f"/v2/{kind}") for kind in ("persons", "companies", "opportunities", "lists")),
        *(("GET", f"/v2/{kind}/fields") for kind in ("persons", "companies")),
        *(
            ("GET", f"/v2/{kind}/{{}}{tail}")
            for kind in ("persons", "companies")
            for tail in ("", "/list-entries", "/lists", "/notes")
        ),
        ("GET", "/v2/opportunities/{}"),
        ("GET", "/v2/opportunities/{}/notes"),
        *(
            ("GET", f"/v2/lists/{{}}{tail}")
            for tail in (
                "",
                "/fields",
                "/list-entries",
                "/list-entries/{}",
                "/list-entries/{}/fields",
                "/list-entries/{}/fields/{}",
                "/saved-views",
                "/saved-views/{}",
                "/saved-views/{}/list-entries",
            )
        ),
        ("PATCH", "/v2/lists/{}/list-entries/{}/fields"),
        ("POST", "/v2/lists/{}/list-entries/{}/fields/{}"),
        ("GET", "/v2/meetings"),
        ("GET", "/v2/emails"),
        ("GET", "/v2/notes"),
        *(
            ("GET", f"/v2/notes/{{}}{tail}")
            for tail in (
                "",
                "/attached-companies",
                "/attached-opportunities",
                "/attached-persons",
                "/replies",
            )
        ),
        *(("GET", f"/v2/{kind}-merges") for kind in ("company", "person")),
        *(("POST", f"/v2/{kind}-merges") for kind in ("company", "person")),
        *(("GET", f"/v2/{kind}-merges/{{}}") for kind in ("company", "person")),
        *(("GET", f"/v2/tasks/{kind}-merges") for kind in ("company", "person")),
        *(("GET", f"/v2/tasks/{kind}-merges/{{}}") for kind in ("company", "person")),
    }
)
"""The 46 operations of the 2024-01-01 spec, path parameters written `{}`."""


def defining_version(version: str, method: str, path_rule: str | None) -> str:
    """The version an answer is given in: an operation the 2024-01-01 spec does not define
    (added later) has only the newer definition, so a 2024-01-01 request for it is answered,
    and labelled, 2026-07-15."""
    if version != LEGACY_API_VERSION or path_rule is None:
        return version
    operation = (method.upper(), re.sub(r"<[^>]+>", "{}", path_rule))
    return version if operation in OPERATIONS_2024 else NEWEST


def path_id(raw: str, spec_name: str, version: str) -> int:
    """A V2 path id as an integer within its spec bounds, or a 400 naming the parameter."""
    maximum = 2**31 - 1 if spec_name in INT32_PARAMS else INT64_MAX[version]
    if not raw.isdigit() or not 1 <= int(raw) <= maximum:
        raise ApiError(400, f"{spec_name} must be an integer from 1 to {maximum}", spec_name)
    return int(raw)
