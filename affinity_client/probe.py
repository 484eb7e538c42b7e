"""Which tools can this key use? A handful of cheap reads (limit 1), for the connect flow.

Each check is a read of an endpoint a tool actually calls. A tool "needs" the checks it cannot
work without; what it reads with a fallback (V2 person/company batches fall back to V1 reads)
or shows as an unavailable section (an organization's deals) is only "degraded": the tool is
still ok, with a `reason` saying what will be missing. The directory checks also tell person
and company search whether to use V2 search (tools/directory.py).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from .errors import AffinityError, AuthenticationError, PermissionDeniedError

if TYPE_CHECKING:
    from .client import AffinityClient

# Each permission the tools rely on, and the cheapest read that proves it.
Check = Callable[["AffinityClient"], Any]


def _first_list_entries(client: AffinityClient) -> Any:
    lists = client.get("/lists") or []
    if not lists:
        return None  # nothing to export: not a permission problem
    # A public list, so that a private list the user cannot open is not mistaken for a
    # missing export permission.
    chosen = next((item for item in lists if item.get("public")), lists[0])
    return client.get(f"/v2/lists/{chosen['id']}/list-entries", {"limit": 1})


CHECKS: dict[str, tuple[str, Check]] = {
    "persons": ("search people", lambda c: c.get("/persons", {"term": "a", "page_size": 1})),
    "people_directory": (
        "export the people directory",
        lambda c: c.get("/v2/persons", {"limit": 1}),
    ),
    "organizations_directory": (
        "export the organizations directory",
        lambda c: c.search("/v2/companies/search", {}, {"limit": 1}),
    ),
    "organizations": (
        "search organizations",
        lambda c: c.get("/organizations", {"term": "a", "page_size": 1}),
    ),
    "lists": ("see lists", lambda c: c.get("/lists")),
    "list_export": ("export data from lists (Export data from Lists)", _first_list_entries),
    "notes": ("read notes", lambda c: c.get("/notes", {"page_size": 1})),
}

NEEDS: dict[str, tuple[str, ...]] = {
    "affinity_search_persons": ("persons",),
    "affinity_get_person": ("persons", "lists"),
    "affinity_search_organizations": ("organizations",),
    "affinity_get_organization": ("organizations", "lists"),
    "affinity_list_lists": ("lists",),
    "affinity_list_opportunities": ("lists", "list_export"),
    "affinity_get_opportunity": ("lists", "list_export"),
    "affinity_create_opportunity": ("lists", "list_export"),
    "affinity_update_opportunity": ("lists", "list_export"),
    "affinity_create_note": ("notes",),
    "affinity_list_notes": ("notes",),
    "affinity_add_to_list": ("lists",),
    "affinity_get_relationship_strength": ("persons",),
    "affinity_get_field_history": ("lists",),
    "affinity_update_note": ("notes",),
    "affinity_delete_note": ("notes",),
    # Reminders and meetings need no permission beyond a working key (2026-07-15 spec).
    "affinity_list_reminders": (),
    "affinity_create_reminder": (),
    "affinity_complete_reminder": (),
    "affinity_list_meetings": (),
}

# What a tool loses, still working, without a check: (check, what the user will miss).
DEGRADED: dict[str, tuple[tuple[str, str], ...]] = {
    "affinity_get_person": (
        ("people_directory", "Names of related people are read one by one (the first 25)."),
    ),
    "affinity_get_organization": (
        ("list_export", "Its deals section will be unavailable."),
        ("people_directory", "Only the first 25 of its people will have names."),
    ),
    "affinity_list_lists": (("people_directory", "List owners' names may be missing."),),
}


def probe_permissions(client: AffinityClient) -> dict[str, dict[str, Any]]:
    """``{tool_name: {"ok": bool, "reason": str | None}}``; raises AuthenticationError on 401.

    Each check's definite outcome (done, or refused) is also kept in ``client.capabilities``,
    where tools read it to choose their endpoints (person and company search, for one)."""
    results: dict[str, str | None] = {}
    for key, (what, check) in CHECKS.items():
        try:
            check(client)
            results[key] = None
            client.capabilities[key] = True
        except AuthenticationError:
            raise
        except PermissionDeniedError:
            results[key] = f"This Affinity user may not {what}."
            client.capabilities[key] = False
        except AffinityError as exc:
            results[key] = f"Could not check whether this user may {what}: {exc}"
    out: dict[str, dict[str, Any]] = {}
    for tool, needs in NEEDS.items():
        reasons = [reason for n in needs if (reason := results.get(n))]
        if reasons:
            out[tool] = {"ok": False, "reason": " ".join(reasons)}
            continue
        partial = [
            f"{results[n]} {missing}" for n, missing in DEGRADED.get(tool, ()) if results.get(n)
        ]
        out[tool] = {"ok": True, "reason": " ".join(partial) or None}
    return out
