"""Which Affinity URLs the app previews: a person, an organization, a deal or a list, on
`affinity.co` or a tenant's `<subdomain>.affinity.co`."""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urlsplit

PATHS = {
    "persons": "person",
    "companies": "organization",
    "organizations": "organization",
    "opportunities": "opportunity",
    "lists": "list",
}
HOST = re.compile(r"^(?:[a-z0-9-]+\.)?affinity\.co$")


@dataclass(frozen=True)
class AffinityLink:
    url: str
    kind: str  # person | organization | opportunity | list
    id: int


def parse_link(url: str) -> AffinityLink | None:
    """`https://northwind.affinity.co/companies/5001` -> organization 5001; None otherwise."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    if parts.scheme not in ("http", "https") or not HOST.match((parts.hostname or "").lower()):
        return None
    segments = [s for s in parts.path.split("/") if s]
    if len(segments) < 2 or segments[0] not in PATHS or not segments[1].isdigit():
        return None
    return AffinityLink(url, PATHS[segments[0]], int(segments[1]))
