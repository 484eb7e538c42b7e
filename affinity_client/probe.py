"""Which tools can this key use? A handful of cheap reads (limit 1), for the connect flow.

Each check is a read of an endpoint a tool actually calls, its fallbacks included. A tool
"needs" the checks it cannot work without (a tuple in NEEDS: any one of them, e.g. V2 list
entries or their V1 fallback); what it reads with a fallback or shows as an unavailable section
is only "degraded": the tool is still ok, with a `reason` saying what will be missing.

The probe also records on the client which V2 export permissions the key has
(``capabilities.py``), so that the tools pick V2 or its V1 fallback from the start.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from . import capabilities
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


def _first_deals_v1(client: AffinityClient) -> Any:
    """V1 list entries of an opportunity list: how deals are read without the export."""
    deal_lists = [item for item in client.get("/lists") or [] if item.get("type") == 8]
    if not deal_lists:
        return None
    chosen = next((item for item in deal_lists if item.get("public")), deal_lists[0])
    return client.get(f"/lists/{chosen['id']}/list-entries", {"page_size": 1})


CHECKS: dict[str, tuple[str, Check]] = {
    "persons": ("search people", lambda c: c.get("/persons", {"term": "a", "page_size": 1})),
    "people_directory": (
        "export the people directory",
        lambda c: c.get("/v2/persons", {"limit": 1}),
    ),
    "organizations_directory": (
        "export the organizations directory",
        lambda c: c.get("/v2/companies", {"limit": 1}),
    ),
    "organizations": (
        "search organizations",
        lambda c: c.get("/organizations", {"term": "a", "page_size": 1}),
    ),
    "lists": ("see lists", lambda c: c.get("/lists")),
    "list_export": ("export data from lists (Export data from Lists)", _first_list_entries),
    "deals_v1": ("read deals on lists", _first_deals_v1),
    "notes": ("read notes", lambda c: c.get("/notes", {"page_size": 1})),
}

# The probe's checks that are V2 export permissions the tools choose their fallbacks by.
CAPABILITIES = {
    "list_export": capabilities.LIST_EXPORT,
    "people_directory": capabilities.PEOPLE_DIRECTORY,
    "organizations_directory": capabilities.ORGANIZATIONS_DIRECTORY,
}
DEALS = ("list_export", "deals_v1")  # V2 list entries, or the V1 fallback

NEEDS: dict[str, tuple[str | tuple[str, ...], ...]] = {
    "affinity_search_persons": ("persons",),
    "affinity_get_person": ("persons", "lists"),
    "affinity_search_organizations": ("organizations",),
    "affinity_get_organization": ("organizations", "lists"),
    "affinity_list_lists": ("lists",),
    "affinity_list_opportunities": ("lists", DEALS),
    "affinity_get_opportunity": ("lists", DEALS),
    "affinity_create_opportunity": ("lists", DEALS),
    "affinity_update_opportunity": ("lists", DEALS),
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
    "affinity_create_person": ("persons",),
    "affinity_create_organization": ("organizations",),
    "affinity_list_fields": ("lists",),
    "affinity_list_saved_views": ("lists",),
    "affinity_search_opportunities": ("lists",),
    "affinity_remove_from_list": ("lists",),
    # V2 list entries, or every entry's V1 field values (saved views need V2).
    "affinity_search_list_entries": ("lists", DEALS),
    "affinity_update_field_values": ("lists",),  # V1 field values without the export
}

# What a tool loses, still working, without a check: (check, what the user will miss).
DEGRADED: dict[str, tuple[tuple[str, str], ...]] = {
    "affinity_get_person": (
        ("people_directory", "Names of related people are read one by one (the first 25)."),
    ),
    "affinity_list_opportunities": (
        ("list_export", "Deals are read through Affinity's V1 API instead, 10 a page."),
    ),
    "affinity_get_organization": (
        ("list_export", "Only its 10 most recent deals are read, through Affinity's V1 API."),
        ("people_directory", "Only the first 25 of its people will have names."),
    ),
    "affinity_list_lists": (("people_directory", "List owners' names may be missing."),),
    "affinity_search_list_entries": (
        (
            "list_export",
            "Entries are read through Affinity's V1 API instead (one request each, the first "
            "500 of a list); a saved view's entries cannot be read.",
        ),
    ),
}


def probe_permissions(client: AffinityClient) -> dict[str, dict[str, Any]]:
    """``{tool_name: {"ok": bool, "reason": str | None}}``; raises AuthenticationError on 401."""
    results: dict[str, str | None] = {}
    failures: set[str] = set()  # refused, as opposed to not checkable
    for key, (what, check) in CHECKS.items():
        try:
            check(client)
            results[key] = None
        except AuthenticationError:
            raise
        except PermissionDeniedError:
            results[key] = f"This Affinity user may not {what}."
            failures.add(key)
        except AffinityError as exc:
            results[key] = f"Could not check whether this user may {what}: {exc}"
    for key, capability in CAPABILITIES.items():
        if key in failures:
            capabilities.learn(client, capability, False)
        elif results.get(key) is None:
            capabilities.learn(client, capability, True)
    out: dict[str, dict[str, Any]] = {}
    for tool, needs in NEEDS.items():
        reasons = [reason for need in needs if (reason := _unmet(need, results))]
        if reasons:
            out[tool] = {"ok": False, "reason": " ".join(reasons)}
            continue
        partial = [
            f"{results[n]} {missing}" for n, missing in DEGRADED.get(tool, ()) if results.get(n)
        ]
        out[tool] = {"ok": True, "reason": " ".join(partial) or None}
    return out


def _unmet(need: str | tuple[str, ...], results: dict[str, str | None]) -> str | None:
    """Why ``need`` (a check, or a tuple of alternatives) is not met, or None."""
    options = need if isinstance(need, tuple) else (need,)
    reasons = [results.get(option) for option in options]
    if any(reason is None for reason in reasons):
        return None
    return " ".join(r for r in reasons if r)
