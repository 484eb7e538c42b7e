"""Person and company search: V2 search where the key may export the directory, V1 otherwise.

``POST /v2/persons/search`` and ``/v2/companies/search`` (2026-07-15) need "Export All People
directory" and "Export All Organizations directory"; V1's ``GET /persons`` and
``/organizations`` need neither. Which one a key uses is decided once per key, not per call:
the capability probe records it (``capabilities.py``), and a key that was never probed learns
it from its first V2 search (a refusal is remembered, and that search is answered through V1 at
once).

V1 also answers where V2 search cannot give the same page: terms under V2's 3-character
minimum, pages over its 100 per page, interaction dates (V1 returns them in the same request),
page tokens V1 handed out, and a client pinned to a version without search (2024-01-01).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..capabilities import ORGANIZATIONS_DIRECTORY, PEOPLE_DIRECTORY, allows, learn
from ..errors import NotFoundError, PermissionDeniedError
from ..pagination import Page, decode_page_token, page_token_version

if TYPE_CHECKING:
    from ..client import AffinityClient

MIN_TERM = 3
MAX_PAGE = 100
FIRST_VERSION_WITH_SEARCH = "2026-07-15"


@dataclass(frozen=True)
class Directory:
    """One searchable directory: the tool, the capability it needs, the two endpoints."""

    tool: str
    capability: str
    v1_path: str
    v1_items: str
    v2_path: str


PEOPLE = Directory(
    "affinity_search_persons", PEOPLE_DIRECTORY, "/persons", "persons", "/v2/persons/search"
)
ORGANIZATIONS = Directory(
    "affinity_search_organizations",
    ORGANIZATIONS_DIRECTORY,
    "/organizations",
    "organizations",
    "/v2/companies/search",
)


def search_page(
    client: AffinityClient,
    directory: Directory,
    inp: dict[str, Any],
    v1_params: dict[str, Any],
    *,
    v1_only: bool = False,
) -> tuple[Page, str]:
    """One page of ``inp["term"]``'s matches and the API version ("v1" or "v2") it came from
    (the records are that version's shape)."""
    token = inp.get("page_token")
    version = page_token_version(token)
    use_v2 = version == "v2" or (
        version is None
        and not v1_only
        and len(inp["term"].strip()) >= MIN_TERM
        and inp["page_size"] <= MAX_PAGE
        and client.api_version >= FIRST_VERSION_WITH_SEARCH
        and allows(client, directory.capability)
    )
    if use_v2:
        cursor = decode_page_token(token, directory.tool, inp, path=directory.v2_path)
        try:
            page = client.search(
                directory.v2_path,
                {"search": {"term": inp["term"].strip()}},
                {"limit": inp["page_size"]},
                cursor=cursor,
            )
        except (PermissionDeniedError, NotFoundError):
            if cursor is not None:
                raise  # a V2 page token is only ever answered by V2
            learn(client, directory.capability, False)
        else:
            return page, "v2"
    cursor = decode_page_token(token, directory.tool, inp, path=directory.v1_path)
    page = client.page(directory.v1_path, v1_params, items_key=directory.v1_items, cursor=cursor)
    return page, "v1"
