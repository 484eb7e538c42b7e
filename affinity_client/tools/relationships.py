"""Relationship strength between colleagues and an external contact."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..errors import NotFoundError, ToolInputError
from ..normalize import person_ref, person_type, user_ref
from .base import Tool, id_prop, obj
from .common import name_of, persons_by_id, user_refs
from .results import Relationship, RelationshipStrengthResult

if TYPE_CHECKING:
    from ..client import AffinityClient

NAME = "affinity_get_relationship_strength"


RELATIONSHIPS_PAGE = 100  # the V2 maximum


@dataclass
class _Seen:
    """What V2's relationship rows said of the person asked about: their record (as the rows
    name them) and whether they were the second person of every row. The spec's example pairs
    the firm's team member (``person1``) with the contact (``person2``), and its description
    reads each row as "the given person and their internal team member counterpart"."""

    record: dict[str, Any] | None = None
    always_second: bool = True


def relationships_of(
    client: AffinityClient,
    person_id: int,
    internal_id: int | None,
    limit: int | None,
) -> list[Relationship]:
    """An external person's relationships to colleagues, strongest first, with names, from
    V2 ``GET /v2/persons/{personId}/relationships`` (the same scores as V1's strengths, with
    both people named): one request per 100 relationships, one in all for a short ``limit``.
    ``internal_id`` keeps just that colleague (V2 cannot filter by person, so pages are read
    until it is found). Where V2 does not serve relationships (a key pinned to an API version
    before 2026-07-15 answers 404), V1's strengths and one batch of names give the same."""
    try:
        return _v2_relationships(client, person_id, internal_id, limit, _Seen())
    except NotFoundError:
        return _v1_relationships(client, person_id, internal_id, limit)


def _v2_relationships(
    client: AffinityClient, person_id: int, internal_id: int | None, limit: int | None, seen: _Seen
) -> list[Relationship]:
    size = min(limit, RELATIONSHIPS_PAGE) if limit and internal_id is None else RELATIONSHIPS_PAGE
    found: list[Relationship] = []
    for page in client.iter_pages(
        f"/v2/persons/{person_id}/relationships",
        {"limit": size},
        resource=f"person {person_id}",
    ):
        for rel in page.items:
            one, two = rel.get("person1") or {}, rel.get("person2") or {}
            colleague = one if two.get("id") == person_id else two
            seen.always_second = seen.always_second and two.get("id") == person_id
            seen.record = seen.record or (two if two.get("id") == person_id else one)
            if internal_id is not None and colleague.get("id") != internal_id:
                continue
            found.append(
                {
                    "internal_id": colleague["id"],
                    "name": name_of(user_ref(colleague)),
                    "strength": float(rel.get("interactionScore") or 0),
                }
            )
        if (limit is not None and len(found) >= limit) or (internal_id is not None and found):
            break
    found.sort(key=lambda r: r["strength"], reverse=True)
    return found[:limit] if limit is not None else found


def _v1_relationships(
    client: AffinityClient, person_id: int, internal_id: int | None, limit: int | None
) -> list[Relationship]:
    rows = (
        client.get(
            "/relationships-strengths",
            {"external_id": person_id, "internal_id": internal_id},
            resource=f"person {person_id}",
        )
        or []
    )
    rows = sorted(rows, key=lambda r: r.get("strength") or 0, reverse=True)[:limit]
    names = user_refs(client, [r["internal_id"] for r in rows]) if rows else {}
    return [
        {
            "internal_id": r["internal_id"],
            "name": name_of(names.get(r["internal_id"])),
            "strength": float(r.get("strength") or 0),
        }
        for r in rows
    ]


def get_relationship_strength(
    client: AffinityClient, inp: dict[str, Any]
) -> RelationshipStrengthResult:
    """One request for a contact with relationships: V2's rows name both sides and put the
    contact second, which says the contact is external and gives their name. The contact is
    read (one more request) only when the rows cannot say so: no rows, the person first in a
    row (a colleague's id answers with the colleague's own contacts), or no V2 relationships
    (404: a person who does not exist, or an API version without them; V1 then answers)."""
    external_id, internal_id = inp["external_id"], inp.get("internal_id")
    seen = _Seen()
    try:
        relationships = _v2_relationships(client, external_id, internal_id, None, seen)
    except NotFoundError:
        person = _external(client, external_id)
        relationships = _v1_relationships(client, external_id, internal_id, None)
        return {"person": person_ref(person), "relationships": relationships}
    if seen.record is not None and seen.always_second:
        return {"person": person_ref(seen.record), "relationships": relationships}
    return {"person": person_ref(_external(client, external_id)), "relationships": relationships}


def _external(client: AffinityClient, person_id: int) -> dict[str, Any]:
    """The person, or NotFoundError, or a ToolInputError for a colleague."""
    person = persons_by_id(client, [person_id]).get(person_id)
    if person is None:
        raise NotFoundError(
            resource=f"person {person_id}",
            message=f"Person {person_id} was not found in Affinity.",
        )
    if person_type(person) == "internal":
        raise ToolInputError(
            f"Person {person_id} is a colleague (internal user); external_id must be an "
            "external contact.",
            field="external_id",
            tool=NAME,
        )
    return person


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
