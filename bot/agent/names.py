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


def _walk(node: Any, kind: str | None, into: NameMap, page_list: Any = None) -> None:
    """``page_list``: the list of the page being walked, which the model is given once for the
    page rather than in each of its deals (bot/agent/compact.py)."""
    if isinstance(node, list):
        for item in node:
            _walk(item, kind, into, page_list)
        return
    if not isinstance(node, dict):
        return
    own_kind = node.get("type") if node.get("type") in ("person", "organization") else kind
    if node.get("entity_type") in ("person", "organization", "opportunity"):
        own_kind = node["entity_type"]  # a row of affinity_search_list_entries
    ident, name = node.get("id"), node.get("name")
    deal_list = node.get("list") if isinstance(node.get("list"), dict) else page_list
    if own_kind and isinstance(ident, int) and isinstance(name, str) and name:
        entry = {"name": name}
        if own_kind == "opportunity" and isinstance(deal_list, dict) and deal_list.get("name"):
            entry["list"] = str(deal_list["name"])
        if own_kind == "opportunity":
            entry.update(_seen_values(node))
        into[(own_kind, ident)] = entry
    for key, value in node.items():
        if key in _KEY_KINDS:
            _walk(value, _KEY_KINDS[key], into, deal_list)
        elif key in ("entity", "entries"):
            _walk(value, None, into, deal_list)


def old_value_key(field: str) -> str:
    """How a field's last seen value is kept in the map (``stage`` and ``Status`` alike)."""
    word = " ".join(str(field).casefold().split())
    return "old:" + {"stage": "status", "owner": "owners", "value": "amount"}.get(word, word)


def _seen_values(deal: dict[str, Any]) -> dict[str, str]:
    """A deal's stage, value and any field values read this turn (`old:status`, …), so that a
    proposed field write can show old -> new without another read."""
    seen: dict[str, str] = {}
    stage = deal.get("stage")
    if isinstance(stage, dict) and stage.get("text"):
        seen[old_value_key("status")] = str(stage["text"])
    if isinstance(deal.get("value"), int | float) and not isinstance(deal.get("value"), bool):
        seen[old_value_key("amount")] = str(deal["value"])
    for field in deal.get("matched") or deal.get("fields") or []:
        if isinstance(field, dict) and field.get("name") and field.get("value") is not None:
            seen[old_value_key(str(field["name"]))] = str(field["value"])
    return seen
