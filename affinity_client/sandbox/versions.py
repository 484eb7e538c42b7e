"""Which V2 version a request is answered in, and the per-version limits on path ids.

Affinity binds a "Default API Version" to each key and lets a request name another in the
`X-Affinity-Api-Version` header; every V2 answer echoes the version it was answered in, and an
unsupported value is a validation error (reference/affinity-api.md §1.2). The sandbox answers in
the two versions whose specs it has: 2024-01-01 and 2026-07-15. `current` means the newest of
those. Versions Affinity has that the sandbox does not model (2026-09-17) and values nobody knows
get the same 400, naming the versions the sandbox answers in (docs/sandbox.md, "API versions").
"""

from __future__ import annotations

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


def path_id(raw: str, spec_name: str, version: str) -> int:
    """A V2 path id as an integer within its spec bounds, or a 400 naming the parameter."""
    maximum = 2**31 - 1 if spec_name in INT32_PARAMS else INT64_MAX[version]
    if not raw.isdigit() or not 1 <= int(raw) <= maximum:
        raise ApiError(400, f"{spec_name} must be an integer from 1 to {maximum}", spec_name)
    return int(raw)
