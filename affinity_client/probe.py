"""Which tools can this key use? A handful of cheap reads (limit 1), for the connect flow."""

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
    "people_directory": ("export the people directory",
                         lambda c: c.get("/v2/persons", {"limit": 1})),
    "organizations": ("search organizations",
                      lambda c: c.get("/v2/companies", {"limit": 1})),
    "lists": ("see lists", lambda c: c.get("/lists")),
    "list_export": ("export data from lists (Export data from Lists)", _first_list_entries),
    "notes": ("read notes", lambda c: c.get("/notes", {"page_size": 1})),
}

NEEDS: dict[str, tuple[str, ...]] = {
    "affinity_search_persons": ("persons",),
    "affinity_get_person": ("persons", "people_directory", "organizations", "lists"),
    "affinity_search_organizations": ("organizations",),
    "affinity_get_organization": ("organizations", "people_directory", "lists", "list_export"),
    "affinity_list_lists": ("lists", "people_directory"),
    "affinity_list_opportunities": ("lists", "list_export"),
    "affinity_get_opportunity": ("lists", "list_export"),
    "affinity_create_opportunity": ("lists", "list_export"),
    "affinity_update_opportunity": ("lists", "list_export"),
    "affinity_create_note": ("notes",),
    "affinity_list_notes": ("notes",),
    "affinity_add_to_list": ("lists",),
    "affinity_get_relationship_strength": ("people_directory",),
}


def probe_permissions(client: AffinityClient) -> dict[str, dict[str, Any]]:
    """``{tool_name: {"ok": bool, "reason": str | None}}``; raises AuthenticationError on 401."""
    results: dict[str, str | None] = {}
    for key, (what, check) in CHECKS.items():
        try:
            check(client)
            results[key] = None
        except AuthenticationError:
            raise
        except PermissionDeniedError:
            results[key] = f"This Affinity user may not {what}."
        except AffinityError as exc:
            results[key] = f"Could not check whether this user may {what}: {exc}"
    out: dict[str, dict[str, Any]] = {}
    for tool, needs in NEEDS.items():
        reasons = [r for n in needs if (r := results.get(n))]
        out[tool] = {"ok": not reasons, "reason": " ".join(reasons) or None}
    return out
