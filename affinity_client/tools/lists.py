"""List tools: the lists this key can see, and adding a person or organization to one."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Literal

from ..errors import ToolInputError
from ..normalize import list_type, person_name
from .base import SKIP, Tool, exactly_one, id_prop, obj
from .common import all_lists, list_meta, user_refs
from .results import AddToListResult, EntityRef, ListListsResult, TypedListRef

if TYPE_CHECKING:
    from ..client import AffinityClient

ADD = "affinity_add_to_list"


def list_lists(client: AffinityClient, inp: dict[str, Any]) -> ListListsResult:
    lists = list(all_lists(client).values())
    wanted = inp.get("type")
    if wanted:
        lists = [item for item in lists if list_type(item.get("type")) == wanted]
    owners = user_refs(client, [item["owner_id"] for item in lists if item.get("owner_id")])
    return {
        "lists": [
            {
                "id": item["id"],
                "name": item.get("name"),
                "type": list_type(item.get("type")),
                "size": item.get("list_size"),
                "public": bool(item.get("public")),
                "owner": owners.get(item["owner_id"]) if item.get("owner_id") else None,
            }
            for item in lists
        ]
    }


def add_to_list(client: AffinityClient, inp: dict[str, Any]) -> AddToListResult:
    list_id = inp["list_id"]
    field = exactly_one(ADD, inp, ("person_id", "organization_id"))
    kind: Literal["person", "organization"] = "person" if field == "person_id" else "organization"
    entity_id = inp[field]
    meta = list_meta(client, list_id)
    if meta.type == "opportunity":
        raise ToolInputError(
            f"List {list_id} ('{meta.name}') is an opportunity list; create a deal on it with "
            "affinity_create_opportunity instead.",
            field="list_id",
            tool=ADD,
        )
    if meta.type != kind:
        raise ToolInputError(
            f"List {list_id} ('{meta.name}') holds {meta.type}s, so it takes "
            f"{meta.type}_id, not {field}.",
            field=field,
            tool=ADD,
        )
    path = f"/persons/{entity_id}" if kind == "person" else f"/organizations/{entity_id}"
    entity = client.get(path, resource=f"{kind} {entity_id}")
    name = person_name(entity) if kind == "person" else entity.get("name")
    list_ref: TypedListRef = {"id": meta.id, "name": meta.name, "type": meta.type}
    entity_ref: EntityRef = {"id": entity_id, "name": name, "type": kind}
    existing = [e for e in entity.get("list_entries") or [] if e.get("list_id") == list_id]
    if existing:
        first = min(existing, key=lambda e: e["id"])
        return {
            "list": list_ref,
            "entity": entity_ref,
            "list_entry_id": first["id"],
            "created_at": first.get("created_at"),
            "already_on_list": True,
        }
    entry = client.post(
        f"/lists/{list_id}/list-entries",
        {"entity_id": entity_id},
        resource=f"list {list_id}",
        operation=f"add {kind} to list {list_id}",
    )
    client.forget(("lists",))  # list sizes changed
    return {
        "list": list_ref,
        "entity": entity_ref,
        "list_entry_id": entry["id"],
        "created_at": entry.get("created_at"),
        "already_on_list": False,
    }


TOOLS = [
    Tool(
        name="affinity_list_lists",
        description=(
            "All Affinity lists this user can see: id, name, type (person, organization or "
            "opportunity - opportunity lists are deal pipelines), number of entries, whether it "
            "is public, and its owner. Optionally only one type. Use the ids with "
            "affinity_list_opportunities, affinity_create_opportunity and affinity_add_to_list."
        ),
        input_schema=obj(
            {
                "type": {
                    "type": "string",
                    "enum": ["person", "organization", "opportunity"],
                    "description": "Only lists of this type.",
                },
                "skip": SKIP,
            }
        ),
        writes=False,
        function=list_lists,
        page_items="lists",
    ),
    Tool(
        name=ADD,
        description=(
            "Add a person (person_id) or an organization (organization_id) - exactly one - to a "
            "person or organization list (list_id from affinity_list_lists; the kind must match "
            "the list's type). If it is already on the list, nothing is added and the existing "
            "entry is returned with already_on_list=true. Deals go on opportunity lists with "
            "affinity_create_opportunity instead."
        ),
        input_schema=obj(
            {
                "list_id": id_prop("Id of a person or organization list."),
                "person_id": id_prop("Person to add (from affinity_search_persons)."),
                "organization_id": id_prop(
                    "Organization to add (from affinity_search_organizations)."
                ),
            },
            required=["list_id"],
        ),
        writes=True,
        function=add_to_list,
    ),
]
