"""Directory writes: add a person or an organization, never a duplicate.

Each tool first looks for the record by what identifies it (any of a person's emails; an
organization's domain, or its exact name when no domain is given) and returns the match marked
``already_existed`` instead of creating a second one, so a repeated submit changes nothing.
People are created through V2 (``POST /v2/persons``, V1 ``POST /persons`` where V2 lacks it);
organizations through V1 (``POST /organizations``), since V2 has no way to create a company.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any, cast

from ..errors import InvalidRequestError, NotFoundError, ToolInputError
from ..normalize import org_ref, person_ref
from .base import Tool, obj
from .results import CreatedOrganization, CreatedPerson

if TYPE_CHECKING:
    from ..client import AffinityClient

CREATE_PERSON = "affinity_create_person"
CREATE_ORGANIZATION = "affinity_create_organization"
LOOKUP_PAGE = 100
EMAIL = re.compile(r"^[A-Za-z0-9._%+'-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}$")
DOMAIN = re.compile(r"^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")


def _name(inp: dict[str, Any], key: str, tool: str, what: str) -> str | None:
    value = inp.get(key)
    if value is None:
        return None
    if not value.strip():
        raise ToolInputError(f"{key} must not be empty: give the {what}.", field=key, tool=tool)
    return " ".join(value.split())


def clean_email(raw: str, tool: str = CREATE_PERSON) -> str:
    email = raw.strip()
    if not EMAIL.match(email):
        raise ToolInputError(
            f"email: {raw!r} is not an email address; give one like jane@example.com.",
            field="email",
            tool=tool,
        )
    return email


def clean_domain(raw: str, tool: str = CREATE_ORGANIZATION) -> str:
    """``acme.com`` from ``acme.com``, ``ACME.com``, ``https://www.acme.com/about``."""
    text = raw.strip().lower()
    text = re.sub(r"^[a-z][a-z0-9+.-]*://", "", text).split("/")[0].removeprefix("www.")
    if not DOMAIN.match(text):
        raise ToolInputError(
            f"domain: {raw!r} is not a domain name; give one like acme.com.",
            field="domain",
            tool=tool,
        )
    return text


# ---- people ----------------------------------------------------------------------------------
def find_person_by_email(client: AffinityClient, email: str) -> dict[str, Any] | None:
    """The person holding ``email`` among any of their addresses (V1 search covers them all)."""
    body = client.get("/persons", {"term": email, "page_size": LOOKUP_PAGE})
    wanted = email.lower()
    matches = [
        p
        for p in body.get("persons") or []
        if any(e.lower() == wanted for e in p.get("emails") or [])
    ]
    return min(matches, key=lambda p: p["id"]) if matches else None


def _person_result(record: dict[str, Any], existed: bool) -> CreatedPerson:
    emails = record.get("emails", record.get("emailAddresses")) or []
    return {"person": person_ref(record), "emails": list(emails), "already_existed": existed}


def _post_person(
    client: AffinityClient, first: str | None, last: str | None, email: str
) -> dict[str, Any]:
    """V2 ``POST /v2/persons``; where it is not served (404: an API version before
    2026-07-15), V1 ``POST /persons``, which creates the same person."""
    try:
        return cast(
            dict[str, Any],
            client.post(
                "/v2/persons",
                {"firstName": first, "lastName": last, "primaryEmailAddress": email},
                operation="create person",
            ),
        )
    except NotFoundError:
        body = {"first_name": first, "last_name": last or "", "emails": [email]}
        return cast(dict[str, Any], client.post("/persons", body, operation="create person"))


def create_person(client: AffinityClient, inp: dict[str, Any]) -> CreatedPerson:
    """One lookup, then one create when nobody has the email."""
    first = _name(inp, "first_name", CREATE_PERSON, "person's first name")
    last = _name(inp, "last_name", CREATE_PERSON, "person's last name")
    email = clean_email(inp["email"])
    existing = find_person_by_email(client, email)
    if existing is not None:
        return _person_result(existing, True)
    try:
        created = _post_person(client, first, last, email)
    except InvalidRequestError:
        # Refused, perhaps because someone added the email since the lookup: then that person
        # is the answer; otherwise the refusal stands.
        raced = find_person_by_email(client, email)
        if raced is not None:
            return _person_result(raced, True)
        raise
    return _person_result(created, False)


# ---- organizations -----------------------------------------------------------------------------
def find_organization(
    client: AffinityClient, name: str, domain: str | None
) -> dict[str, Any] | None:
    """The organization with ``domain`` (any of its domains), or without a domain the one whose
    name is ``name`` (ignoring case). V1 search also covers Affinity's global organizations."""
    body = client.get("/organizations", {"term": domain or name, "page_size": LOOKUP_PAGE})
    found = body.get("organizations") or []
    if domain:
        matches = [
            o
            for o in found
            if domain in {d.lower() for d in (o.get("domains") or [o.get("domain") or ""])}
        ]
    else:
        matches = [o for o in found if (o.get("name") or "").strip().lower() == name.lower()]
    return min(matches, key=lambda o: o["id"]) if matches else None


def _org_result(record: dict[str, Any], existed: bool) -> CreatedOrganization:
    domains = record.get("domains") or ([record["domain"]] if record.get("domain") else [])
    return {
        "organization": org_ref(record),
        "domains": list(domains),
        "global": bool(record.get("global")),
        "already_existed": existed,
    }


def create_organization(client: AffinityClient, inp: dict[str, Any]) -> CreatedOrganization:
    """One lookup, then one create when no organization has the domain (or the name)."""
    name = _name(inp, "name", CREATE_ORGANIZATION, "organization's name")
    assert name is not None  # required by the schema
    domain = clean_domain(inp["domain"]) if inp.get("domain") is not None else None
    existing = find_organization(client, name, domain)
    if existing is not None:
        return _org_result(existing, True)
    body: dict[str, Any] = {"name": name}
    if domain:
        body["domain"] = domain
    created = client.post("/organizations", body, operation="create organization")
    return _org_result(created, False)


def _text(description: str, max_length: int = 200) -> dict[str, Any]:
    return {"type": "string", "minLength": 1, "maxLength": max_length, "description": description}


TOOLS = [
    Tool(
        name=CREATE_PERSON,
        description=(
            "Add a person (an external contact) to Affinity by first name, last name and email. "
            "First looks for anyone who already has that email (any of their addresses) and, if "
            "found, returns that person with already_existed=true instead of creating a "
            "duplicate. Returns the person's id, name and emails; use the id with "
            "affinity_create_note, affinity_add_to_list or affinity_get_person."
        ),
        input_schema=obj(
            {
                "first_name": _text("The person's first name."),
                "last_name": _text("The person's last name, if known."),
                "email": _text("The person's email address, like jane@example.com.", 254),
            },
            required=["first_name", "email"],
        ),
        writes=True,
        function=create_person,
    ),
    Tool(
        name=CREATE_ORGANIZATION,
        description=(
            "Add an organization (a company) to Affinity by name and, preferably, its web "
            "domain (like acme.com). First looks for an organization with that domain - or, "
            "without a domain, exactly that name - including Affinity's global companies, and "
            "if found returns it with already_existed=true instead of creating a duplicate. "
            "Returns the organization's id, name and domains; use the id with "
            "affinity_get_organization, affinity_add_to_list or affinity_create_opportunity."
        ),
        input_schema=obj(
            {
                "name": _text("The organization's name."),
                "domain": _text("Its web domain, like acme.com (a URL is reduced to it).", 253),
            },
            required=["name"],
        ),
        writes=True,
        function=create_organization,
    ),
]
