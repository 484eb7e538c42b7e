"""Relationship strength between colleagues and an external contact."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..errors import NotFoundError, ToolInputError
from ..normalize import person_ref, person_type, user_ref
from .base import Tool, id_prop, obj
from .common import name_of, persons_by_id
from .results import RelationshipStrengthResult

if TYPE_CHECKING:
    from ..client import AffinityClient

NAME = "affinity_get_relationship_strength"


def get_relationship_strength(
    client: AffinityClient, inp: dict[str, Any]
) -> RelationshipStrengthResult:
    """Two requests: the strengths, then one batch naming the contact and every colleague."""
    external_id = inp["external_id"]
    rows = (
        client.get(
            "/relationships-strengths",
            {"external_id": external_id, "internal_id": inp.get("internal_id")},
            resource=f"person {external_id}",
        )
        or []
    )
    rows = sorted(rows, key=lambda r: r.get("strength") or 0, reverse=True)
    people = persons_by_id(client, [external_id, *(r["internal_id"] for r in rows)])
    person = people.get(external_id)
    if person is None:
        raise NotFoundError(
            resource=f"person {external_id}",
            message=f"Person {external_id} was not found in Affinity.",
        )
    if person_type(person) == "internal":
        raise ToolInputError(
            f"Person {external_id} is a colleague (internal user); external_id must be an "
            "external contact.",
            field="external_id",
            tool=NAME,
        )
    return {
        "person": person_ref(person),
        "relationships": [
            {
                "internal_id": r["internal_id"],
                "name": name_of(user_ref(people[r["internal_id"]]))
                if r["internal_id"] in people
                else None,
                "strength": float(r.get("strength") or 0),
            }
            for r in rows
        ],
    }


TOOLS = [
    Tool(
        name=NAME,
        description=(
            "Who on the team knows an external contact best: relationship strength scores "
            "(0 to 1) between the contact (external_id, a person id from "
            "affinity_search_persons) and each colleague, strongest first, with names. Give "
            "internal_id (a colleague's person id) to get just that pair. Good for finding a "
            "warm intro."
        ),
        input_schema=obj(
            {
                "external_id": id_prop("Person id of the external contact."),
                "internal_id": id_prop("Optional person id of one colleague."),
            },
            required=["external_id"],
        ),
        writes=False,
        function=get_relationship_strength,
    ),
]
