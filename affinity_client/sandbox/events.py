"""The bodies of webhook events, in Affinity's V1 terms (the V1 "Supported Webhook Events" page
and the help centre's examples, which the V2 spec's `webhooks.SubscriptionType` shares)."""

from __future__ import annotations

from typing import Any

_FIELD_VALUE_EVENTS = {"add": "created", "update": "updated", "delete": "deleted"}


def opportunity(opp: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": opp["id"],
        "name": opp["name"],
        "person_ids": list(opp["person_ids"]),
        "organization_ids": list(opp["organization_ids"]),
    }


def note(n: dict[str, Any]) -> dict[str, Any]:
    """The note's id, author and what it is attached to (never its content)."""
    return {
        "id": n["id"],
        "creator_id": n["creator_id"],
        "person_ids": list(n["person_ids"]),
        "organization_ids": list(n["organization_ids"]),
        "opportunity_ids": list(n["opportunity_ids"]),
        "parent_id": n["parent_id"],
    }


def field_value(change: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """(event type, body) of one recorded field value change."""
    return f"field_value.{_FIELD_VALUE_EVENTS[change['action']]}", {
        "field_id": change["field_id"],
        "entity_id": change["entity_id"],
        "entity_type": change["entity_type"],
        "list_entry_id": change["list_entry_id"],
        "value": change["value"],
        "changer_id": change["changer_id"],
        "changed_at": change["changed_at"].isoformat(),
    }
