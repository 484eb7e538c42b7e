"""``affinity_remove_from_list``: take a person, an organization or a deal off a list (V1
``DELETE /lists/{id}/list-entries/{entryId}``; V2 has no list-entry delete).

The entry is found from the record itself (V1 ``GET /persons|organizations|opportunities/{id}``
lists its entries), so the caller never needs an entry id. On a deal list the entry *is* the
deal: removing it deletes the deal, which the description and the result say.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..errors import PermissionDeniedError, ToolInputError, deal_list_denied
from ..normalize import person_name
from .base import Tool, exactly_one, id_prop, obj
from .common import list_meta
from .pipeline import typed_ref
from .results import RemoveFromListResult

if TYPE_CHECKING:
    from ..client import AffinityClient

REMOVE = "affinity_remove_from_list"
_PLURAL = {"person": "people", "organization": "organizations", "opportunity": "deals"}
_KINDS = {
    "person_id": ("person", "/persons"),
    "organization_id": ("organization", "/organizations"),
    "opportunity_id": ("opportunity", "/opportunities"),
}


def remove_from_list(client: AffinityClient, inp: dict[str, Any]) -> RemoveFromListResult:
    which = exactly_one(REMOVE, inp, tuple(_KINDS))
    kind, path = _KINDS[which]
    record_id = inp[which]
    meta = list_meta(client, inp["list_id"])
    if meta.type != kind:
        raise ToolInputError(
            f"The list {meta.name} holds {_PLURAL.get(meta.type or '', 'other records')}, "
            f"not {_PLURAL[kind]}.",
            field=which,
            tool=REMOVE,
        )
    try:
        record = client.get(f"{path}/{record_id}", resource=f"{kind} {record_id}")
    except PermissionDeniedError as exc:
        if kind == "opportunity":
            raise deal_list_denied([record_id], cause=exc) from None
        raise
    name = person_name(record) if kind == "person" else record.get("name")
    entity = {"id": record_id, "name": name, "type": kind}
    entries = [e for e in record.get("list_entries") or [] if e.get("list_id") == meta.id]
    if not entries:
        return {
            "list": typed_ref(meta),
            "list_entry_id": None,
            "entity": entity,
            "removed": False,
            "deal_deleted": False,
        }
    entry_ids = sorted(e["id"] for e in entries)  # a person or organization list may hold
    for entry_id in entry_ids:  # the same record more than once: all of them go
        client.request(
            "DELETE",
            f"/lists/{meta.id}/list-entries/{entry_id}",
            idempotent=False,
            resource=f"list {meta.id}",
            operation=f"remove {kind} {record_id} from list {meta.id}",
        )
    client.forget(("lists",))  # list sizes changed
    return {
        "list": typed_ref(meta),
        "list_entry_id": entry_ids[0],
        "entity": entity,
        "removed": True,
        "deal_deleted": kind == "opportunity",
    }


TOOLS = [
    Tool(
        name=REMOVE,
        description=(
            "Remove a person (person_id), an organization (organization_id) or a deal "
            "(opportunity_id) - exactly one - from a list (list_id from affinity_list_lists), "
            "with its list field values (every entry, if it is on the list more than once). "
            "On a deal (opportunity) list this DELETES the deal itself. If the record is not "
            "on the list nothing is removed and removed=false is returned."
        ),
        input_schema=obj(
            {
                "list_id": id_prop("Id of the list."),
                "person_id": id_prop("Person to remove."),
                "organization_id": id_prop("Organization to remove."),
                "opportunity_id": id_prop("Deal to remove (deletes the deal)."),
            },
            required=["list_id"],
        ),
        writes=True,
        function=remove_from_list,
    ),
]
