"""Field history: when a field of a deal, a list entry, a person or an organization changed,
from what to what, and by whom (``affinity_get_field_history``).

Read from V2 field value changes (2026-07-15). Each change names its field, its changer and its
value (option text, person or company name, or the text a deleted one had), so no request is
spent on names. A change carries only the value set (or, for a removal, the value removed); the
value before it is the field's previous change, which is why a field's whole history is read
before the newest changes are returned.

- A deal: V1 ``GET /opportunities/{id}`` for its list entry, then the entry's changes.
- A list entry: ``GET /v2/lists/{listId}/list-entries/{listEntryId}/field-value-changes``.
- A person or organization (a global field, by name): the field's id from
  ``GET /v2/{persons|companies}/fields``, then ``GET /v2/field-value-changes`` filtered on that
  field, newest first, keeping the entity's changes (at most ``MAX_PAGES`` pages are read; the
  result says when older history was not reached).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..errors import NotFoundError, ToolInputError
from ..normalize import user_ref
from .base import Tool, id_prop, obj
from .common import calendar_date
from .opportunities import visible_opportunity
from .results import FieldHistoryChange, FieldHistoryResult, HistoryTarget

if TYPE_CHECKING:
    from ..client import AffinityClient

NAME = "affinity_get_field_history"
MAX_PAGES = 5
"""At most 500 changes read per call (100 a page)."""
MULTI = frozenset(
    {
        "person-multi",
        "company-multi",
        "dropdown-multi",
        "number-multi",
        "location-multi",
        "filterable-text-multi",
    }
)
"""Multi-value fields only ever add or remove one value (spec: never `update`)."""
ACTIONS = {
    (False, "add"): "set",
    (False, "update"): "changed",
    (False, "delete"): "cleared",
    (True, "add"): "added",
    (True, "delete"): "removed",
}


def get_field_history(client: AffinityClient, inp: dict[str, Any]) -> FieldHistoryResult:
    target = _target(inp)
    wanted = (inp.get("field") or "").strip().lower() or None
    if target["type"] in ("person", "organization"):
        raw, truncated = _entity_changes(client, target, wanted)
    else:
        if target["type"] == "opportunity":
            entry = visible_opportunity(client, target["id"])["list_entries"][0]
            target["list_id"], target["list_entry_id"] = entry["list_id"], entry["id"]
        raw, truncated = _entry_changes(client, target)
        if wanted is not None:
            raw = [c for c in raw if str(c["field"].get("name", "")).lower() == wanted]
    changes = _with_before(raw)
    changes.reverse()  # newest first
    limit = inp["limit"]
    return {
        "target": target,
        "changes": changes[:limit],
        "truncated": truncated or len(changes) > limit,
    }


def _target(inp: dict[str, Any]) -> HistoryTarget:
    """Exactly one of: opportunity_id, list_id with list_entry_id, person_id, organization_id."""
    given = [
        k
        for k in ("opportunity_id", "list_entry_id", "person_id", "organization_id")
        if inp.get(k) is not None
    ]
    if len(given) != 1:
        raise ToolInputError(
            "Give exactly one of opportunity_id, list_entry_id (with list_id), person_id or "
            "organization_id.",
            field=given[1] if len(given) > 1 else "opportunity_id",
            tool=NAME,
        )
    key = given[0]
    if key == "list_entry_id" and inp.get("list_id") is None:
        raise ToolInputError("list_id is required with list_entry_id.", field="list_id", tool=NAME)
    if key != "list_entry_id" and inp.get("list_id") is not None:
        raise ToolInputError("list_id goes only with list_entry_id.", field="list_id", tool=NAME)
    if key in ("person_id", "organization_id") and not (inp.get("field") or "").strip():
        raise ToolInputError(
            "field (the field's name) is required for a person's or organization's history.",
            field="field",
            tool=NAME,
        )
    kind = {"list_entry_id": "list_entry", "opportunity_id": "opportunity"}.get(
        key, key.removesuffix("_id")
    )
    return {
        "type": kind,  # type: ignore[typeddict-item]
        "id": inp[key],
        "list_id": inp.get("list_id"),
        "list_entry_id": inp.get("list_entry_id"),
    }


def _pages(client: AffinityClient, path: str, params: dict[str, Any]) -> tuple[list[Any], bool]:
    """Up to MAX_PAGES pages of a V2 collection; True when more were left unread."""
    items: list[Any] = []
    cursor = None
    for _ in range(MAX_PAGES):
        page = client.page(path, params, cursor=cursor, resource=path)
        items += page.items
        cursor = page.next
        if cursor is None:
            return items, False
    return items, True


def _entry_changes(client: AffinityClient, target: HistoryTarget) -> tuple[list[Any], bool]:
    path = (
        f"/v2/lists/{target['list_id']}/list-entries/{target['list_entry_id']}/field-value-changes"
    )
    try:
        return _pages(client, path, {"limit": 100})  # oldest first: newer ones may be unread
    except NotFoundError:
        raise NotFoundError(
            resource=f"list entry {target['list_entry_id']}",
            message=f"List entry {target['list_entry_id']} was not found on list "
            f"{target['list_id']}.",
        ) from None


def _entity_changes(
    client: AffinityClient, target: HistoryTarget, wanted: str | None
) -> tuple[list[Any], bool]:
    kind = "persons" if target["type"] == "person" else "companies"
    fields = client.get(f"/v2/{kind}/fields", {"limit": 100}) or {}
    match = [
        f
        for f in fields.get("data") or []
        if str(f.get("name", "")).lower() == wanted and f.get("type") == "global"
    ]
    if not match:
        names = sorted(f.get("name") for f in fields.get("data") or [] if f.get("type") == "global")
        raise ToolInputError(
            f"No global {target['type']} field is named {wanted!r}; the fields are: "
            + ", ".join(str(n) for n in names),
            field="field",
            tool=NAME,
        )
    changes, truncated = _pages(
        client,
        "/v2/field-value-changes",
        {"filter": f"field.id={match[0]['id']}", "orderBy": "-changedAt", "limit": 100},
    )
    mine = [c for c in changes if (c.get("entity") or {}).get("id") == target["id"]]
    mine.reverse()  # oldest first, as the entry endpoint answers
    return mine, truncated


def _text(change: dict[str, Any]) -> str | None:
    """A change's value as the text a user reads."""
    value = change.get("value")
    kind = str(change.get("type", ""))
    if value is None:
        return None
    if isinstance(value, dict):
        if value.get("referenceType") == "deleted-entity":
            return str(value.get("displayValue"))
        if "text" in value:
            return str(value["text"])
        if "firstName" in value:
            return " ".join(p for p in (value.get("firstName"), value.get("lastName")) if p)
        if "name" in value:
            return str(value["name"])
        parts = ("streetAddress", "city", "state", "country")
        return ", ".join(str(value[p]) for p in parts if value.get(p)) or None
    if kind == "datetime" and isinstance(value, str):
        return calendar_date(value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _with_before(changes: list[Any]) -> list[FieldHistoryChange]:
    """Each change with the field's value before it (oldest first in, oldest first out)."""
    current: dict[str, str | None] = {}
    out: list[FieldHistoryChange] = []
    for c in changes:
        field = c.get("field") or {}
        field_id = str(field.get("id"))
        multi = str(c.get("type")) in MULTI
        action = str(c.get("actionType"))
        value = _text(c)
        if multi:
            before, after = (value, None) if action == "delete" else (None, value)
        else:
            before = current.get(field_id) if action != "delete" else value
            after = None if action == "delete" else value
            current[field_id] = after
        out.append(
            {
                "field": {"id": field_id, "name": str(field.get("name"))},
                "action": ACTIONS.get((multi, action), action),  # type: ignore[typeddict-item]
                "from": before,
                "to": after,
                "changed_by": user_ref(c.get("changer")),
                "changed_at": str(c.get("changedAt")),
            }
        )
    return out


TOOLS = [
    Tool(
        name=NAME,
        description=(
            "When a field changed, from what to what, and who changed it: the history of a "
            "deal's fields (opportunity_id), of a list entry's fields (list_id and "
            "list_entry_id), or of one global field of a person or organization (person_id or "
            "organization_id, with field). Give field (a field name such as Status) to keep "
            "one field. Newest first, at most limit changes. Only fields with change tracking "
            "in Affinity have a history; 'from' is null where the earlier value is not known."
        ),
        input_schema=obj(
            {
                "opportunity_id": id_prop("A deal's id (its list entry's history)."),
                "list_id": id_prop("The list of list_entry_id."),
                "list_entry_id": id_prop("A list entry's id (with list_id)."),
                "person_id": id_prop("A person's id (give field too)."),
                "organization_id": id_prop("An organization's id (give field too)."),
                "field": {
                    "type": "string",
                    "minLength": 1,
                    "maxLength": 200,
                    "description": "A field's name, e.g. Status or Owners (any case).",
                },
                "limit": {
                    "type": "integer",
                    "minimum": 1,
                    "maximum": 100,
                    "default": 20,
                    "description": "Most changes to return, newest first (default 20).",
                },
            }
        ),
        writes=False,
        function=get_field_history,
    ),
]
