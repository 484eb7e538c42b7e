"""Names of the entities the model has seen, so a proposal can say "Acme", not "org 42".

Gathered for free from the tool results of the turn (and the user's cached lists); no lookups.
"""

from __future__ import annotations

from typing import Any

NameMap = dict[tuple[str, int], dict[str, str]]
"""(kind, id) -> {"name": ..., optionally "list": deal's list name}."""

_KEY_KINDS = {
    "persons": "person",
    "people": "person",
    "person": "person",
    "organizations": "organization",
    "organization": "organization",
    "companies": "organization",
    "opportunities": "opportunity",
    "opportunity": "opportunity",
    "deals": "opportunity",
    "lists": "list",
    "list": "list",
    "notes": "note",
    # internal users: not targets of writes
    "owners": "user",
    "creator": "user",
    "relationships": "user",
    "owner": "user",
}

_TOOL_KINDS = {
    "affinity_get_person": "person",
    "affinity_get_organization": "organization",
    "affinity_get_opportunity": "opportunity",
    "affinity_create_opportunity": "opportunity",
    "affinity_update_opportunity": "opportunity",
    "affinity_create_note": "note",
}


def collect_names(tool_name: str, result: Any, into: NameMap) -> None:
    _walk(result, _TOOL_KINDS.get(tool_name), into)


def _walk(node: Any, kind: str | None, into: NameMap) -> None:
    if isinstance(node, list):
        for item in node:
            _walk(item, kind, into)
        return
    if not isinstance(node, dict):
        return
    own_kind = node.get("type") if node.get("type") in ("person", "organization") else kind
    ident, name = node.get("id"), node.get("name")
    if own_kind and isinstance(ident, int) and isinstance(name, str) and name:
        entry = {"name": name}
        deal_list = node.get("list")
        if own_kind == "opportunity" and isinstance(deal_list, dict) and deal_list.get("name"):
            entry["list"] = str(deal_list["name"])
        into[(own_kind, ident)] = entry
    for key, value in node.items():
        if key in _KEY_KINDS:
            _walk(value, _KEY_KINDS[key], into)
        elif key == "entity":
            _walk(value, None, into)
