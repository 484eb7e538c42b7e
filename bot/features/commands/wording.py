"""Validation and API input errors, reworded for the person who typed the command.

The client's messages name schema fields (`term: is too long…`) and Affinity's name request
parameters (`person_ids contains unknown ids: [2002]`); both are exact but read like a stack
trace. Here they become what was wrong in the command's own words and what to type instead.
"""

from __future__ import annotations

import re

from affinity_client.errors import InvalidRequestError, ToolInputError

# Tool input fields as the command's words name them.
FIELD_WORDS = {
    "term": "The search text",
    "content": "The note",
    "name": "The deal name",
    "list_id": "The list id",
    "opportunity_id": "The deal id",
    "person_id": "The person id",
    "organization_id": "The organization id",
    "person_ids": "The person ids",
    "organization_ids": "The organization ids",
    "opportunity_ids": "The deal ids",
    "add_person_ids": "The person to add",
    "remove_person_ids": "The person to remove",
    "add_organization_ids": "The organization to add",
    "remove_organization_ids": "The organization to remove",
    "owner_id": "The owner id",
    "page_token": "The page",
    "page_size": "The page size",
}
_KIND_WORDS = {
    "person": "person",
    "organization": "organization",
    "opportunity": "deal",
    "list": "list",
    "owner": "user",
}
_UNKNOWN_IDS = re.compile(r"\b(\w+?)_ids? contains unknown ids?: \[([\d,\s]*)\]")
_FIELD_PREFIX = re.compile(r"^([a-z_][a-z0-9_.]*): (.+)$")


def plain_input_problem(error: ToolInputError | InvalidRequestError) -> str:
    """One sentence a person can act on, never a schema path or a raw list repr."""
    message = str(error)
    unknown = _UNKNOWN_IDS.search(message)
    if unknown:
        return _unknown_ids(unknown.group(1), unknown.group(2))
    prefixed = _FIELD_PREFIX.match(message)
    if prefixed:
        field, problem = prefixed.group(1), prefixed.group(2)
        words = FIELD_WORDS.get(field.split(".")[0], "A value")
        return f"{words} {problem.rstrip('.')}."
    return message


def plain_not_found(message: str) -> str:
    """Affinity's "Opportunity 12 was not found" in the words the commands use ("Deal 12")."""
    return re.sub(r"^Opportunity ", "Deal ", message)


def _unknown_ids(kind: str, ids: str) -> str:
    numbers = [n for n in re.split(r"[,\s]+", ids) if n]
    noun = _KIND_WORDS.get(kind.removeprefix("add_").removeprefix("remove_"), "record")
    listed = ", ".join(numbers) or "given"
    plural = "ids" if len(numbers) > 1 else "id"
    return (
        f"There is no {noun} with {plural} {listed} in your Affinity. "
        f"Check the id: ids appear on every card and in Affinity links."
    )
