"""One-line summaries of what an executed write did, for the card and the model's memory."""

from __future__ import annotations

from typing import Any


def summarise_result(tool: str, result: Any) -> str:
    if not isinstance(result, dict):
        return "Done."
    if tool == "affinity_create_note" and result.get("id") is not None:
        return f"Note {result['id']} created."
    if tool == "affinity_update_note" and result.get("id") is not None:
        return f"Note {result['id']} updated."
    if tool == "affinity_delete_note":
        return f"Note {(result.get('note') or {}).get('id')} deleted."
    if tool in ("affinity_create_reminder", "affinity_complete_reminder"):
        verb = "set" if tool.endswith("create_reminder") else "completed"
        due = f", due {result['due_date']}" if result.get("due_date") else ""
        return f"Reminder {result.get('id')} {verb}{due}."
    if tool == "affinity_add_to_list":
        entity = (result.get("entity") or {}).get("name") or "The record"
        target = (result.get("list") or {}).get("name") or "the list"
        if result.get("already_on_list"):
            return f"{entity} was already on {target}."
        return f"{entity} added to {target}."
    if tool in ("affinity_create_person", "affinity_create_organization"):
        record = result.get("person") or result.get("organization") or {}
        name = record.get("name") or "The record"
        if result.get("already_existed"):
            return f"{name} was already in Affinity (id {record.get('id')}): nothing created."
        return f"{name} added to Affinity (id {record.get('id')})."
    if tool in ("affinity_create_opportunity", "affinity_update_opportunity"):
        name = result.get("name") or f"#{result.get('id')}"
        verb = "created" if tool.endswith("create_opportunity") else "updated"
        listed = (result.get("list") or {}).get("name")
        if result.get("changed") is False:
            return f"Deal {name} unchanged: it was already as asked."
        warning = result.get("owner_not_set") or ""
        return (
            f"Deal {name} {verb}"
            + (f" in {listed}." if listed else ".")
            + (f" {warning}" if warning else "")
        )
    if tool == "affinity_update_field_values":
        return field_changes_summary(result)
    if tool == "affinity_remove_from_list":
        entity = (result.get("entity") or {}).get("name") or "The record"
        target = (result.get("list") or {}).get("name") or "the list"
        if not result.get("removed"):
            return f"{entity} was not on {target}; nothing removed."
        deleted = " (the deal is deleted)" if result.get("deal_deleted") else ""
        return f"{entity} removed from {target}{deleted}."
    if result.get("id") is not None:
        return f"Done (id {result['id']})."
    return "Done."


def field_changes_summary(result: dict) -> str:
    """`Acme: Status: Diligence → IC; Amount: 500000 → 7500000.`"""
    name = (result.get("entity") or {}).get("name") or "The record"
    changes = result.get("changes") or []
    if not changes:
        return f"{name} unchanged: every field already had that value."
    parts = "; ".join(
        f"{c.get('field')}: {c.get('old') or 'empty'} → {c.get('new') or 'empty'}" for c in changes
    )
    return f"{name}: {parts}."
