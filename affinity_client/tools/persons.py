"""Person tools: search and full profile."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..capabilities import PEOPLE_DIRECTORY, allows, learn
from ..errors import NotFoundError, PermissionDeniedError
from ..normalize import interaction_dates, person_name, person_type
from ..pagination import encode_page_token
from .base import PAGE_TOKEN, SKIP, Tool, id_prop, obj, page_size
from .common import list_memberships, org_refs
from .directory_search import PEOPLE, search_page
from .relationships import relationships_of
from .results import PersonResult, PersonRow, SearchPersonsResult

if TYPE_CHECKING:
    from ..client import AffinityClient

SEARCH = "affinity_search_persons"
TOP_RELATIONSHIPS = 5


def search_persons(client: AffinityClient, inp: dict[str, Any]) -> SearchPersonsResult:
    with_dates = bool(inp.get("with_interaction_dates"))
    params = {
        "term": inp["term"],
        "page_size": inp["page_size"],
        "with_interaction_dates": True if with_dates else None,
    }
    page, version = search_page(client, PEOPLE, inp, params, v1_only=with_dates)
    v2 = version == "v2"
    persons: list[PersonRow] = []
    for p in page.items:
        row: PersonRow = {
            "id": p["id"],
            "name": person_name(p),
            "first_name": p.get("firstName" if v2 else "first_name"),
            "last_name": p.get("lastName" if v2 else "last_name"),
            "primary_email": p.get("primaryEmailAddress" if v2 else "primary_email"),
            "emails": p.get("emailAddresses" if v2 else "emails") or [],
        }
        if with_dates:
            row["interaction_dates"] = interaction_dates(p)
        persons.append(row)
    return {"persons": persons, "next_page_token": encode_page_token(page.next, SEARCH, inp)}


def get_person(client: AffinityClient, inp: dict[str, Any]) -> PersonResult:
    person_id = inp["person_id"]
    p = client.get(
        f"/persons/{person_id}",
        {"with_interaction_dates": True, "with_current_organizations": True},
        resource=f"person {person_id}",
    )
    kind = person_type(p)
    every = p.get("organization_ids") or []
    # V1 `organization_ids` includes former employers; `current_organization_ids` (asked for
    # above) only the current ones. Without it, all are taken as current.
    current = p.get("current_organization_ids")
    current = every if current is None else current
    refs = {r["id"]: r for r in org_refs(client, [*current, *every])}
    phones, phones_unavailable = _phones(client, person_id)
    result: PersonResult = {
        "id": p["id"],
        "name": person_name(p),
        "first_name": p.get("first_name"),
        "last_name": p.get("last_name"),
        "type": kind,
        "primary_email": p.get("primary_email"),
        "emails": p.get("emails") or [],
        "phone_numbers": phones,
        "organizations": [refs[i] for i in current if i in refs],
        "former_organizations": [refs[i] for i in every if i not in set(current) and i in refs],
        "lists": list_memberships(client, p.get("list_entries") or []),
        "interaction_dates": interaction_dates(p),
        "relationships": (
            relationships_of(client, person_id, None, TOP_RELATIONSHIPS)
            if kind == "external"
            else []
        ),
    }
    if phones_unavailable:
        result["phone_numbers_unavailable"] = phones_unavailable
    return result


PHONE_FIELD = "affinity-data-phone-number"


def _phones(client: AffinityClient, person_id: int) -> tuple[list[str], str | None]:
    """Phone numbers from V2's enriched "Phone Number" field (V1's person has none); when
    the key may not export the people directory, ``[]`` and why they are unavailable."""
    if not allows(client, PEOPLE_DIRECTORY):  # known for this key: no refusal to ask for
        return [], (
            "Phone numbers unavailable: your Affinity user may not export the people directory "
            '(the "Export All People directory" permission).'
        )
    try:
        body = client.get(
            f"/v2/persons/{person_id}", {"fieldIds": [PHONE_FIELD]}, resource=f"person {person_id}"
        )
    except PermissionDeniedError as exc:
        learn(client, PEOPLE_DIRECTORY, False)
        return [], f"Phone numbers unavailable: {exc.message}"
    except NotFoundError as exc:
        return [], f"Phone numbers unavailable: {exc.message}"
    for field in body.get("fields") or []:
        if field.get("id") == PHONE_FIELD:
            data = (field.get("value") or {}).get("data")
            return [str(p) for p in data or [] if p], None
    return [], None


TOOLS = [
    Tool(
        name=SEARCH,
        description=(
            "Search Affinity people (contacts and colleagues) by part of a name or an email "
            "address. Returns id, name and emails per person, 25 per page by default, and a "
            "next_page_token for more. With with_interaction_dates=true each person also gets "
            "first/last email, meeting and chat dates - but Affinity then leaves out people with "
            "no interactions at all. Use the ids with affinity_get_person, affinity_list_notes, "
            "affinity_get_relationship_strength or affinity_create_note."
        ),
        input_schema=obj(
            {
                "term": {
                    "type": "string",
                    "minLength": 1,
                    "maxLength": 200,
                    "description": "Part of a first name, last name or email address.",
                },
                "with_interaction_dates": {
                    "type": "boolean",
                    "default": False,
                    "description": "Add interaction dates (see above).",
                },
                "page_size": page_size(500, 25),
                "page_token": PAGE_TOKEN,
                "skip": SKIP,
            },
            required=["term"],
        ),
        writes=False,
        function=search_persons,
        page_items="persons",
    ),
    Tool(
        name="affinity_get_person",
        description=(
            "Full profile of one Affinity person by person_id (get it from "
            "affinity_search_persons): emails, phone numbers, organizations, the lists they are "
            "on, interaction dates (first/last email, meetings, next meeting), and for external "
            "contacts the 5 colleagues with the strongest relationship to them."
        ),
        input_schema=obj({"person_id": id_prop("Affinity person id.")}, required=["person_id"]),
        writes=False,
        function=get_person,
    ),
]
