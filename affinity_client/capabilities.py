"""What this key's Affinity user may export, known once per client.

V2 reads need role permissions that V1 reads do not (reference/affinity-api.md §4: "Export data
from Lists" for list entries and opportunities, "Export All People directory" for persons,
"Export All Organizations directory" for companies). A tool reads through V2 where the key may,
and through its V1 fallback where it may not. Which one is chosen per key, not per call: the
connect-time probe (``probe.py``) records each permission on the client, and a tool that meets a
refusal nobody probed for records it too, so the next call goes straight to the fallback instead
of being refused again. What is recorded expires after ``TTL`` seconds, since an admin may grant
the permission later.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, TypeVar

from .errors import PermissionDeniedError

if TYPE_CHECKING:
    from .client import AffinityClient

T = TypeVar("T")

LIST_EXPORT = "list_export"
"""V2 list entries and opportunities ("Export data from Lists")."""
PEOPLE_DIRECTORY = "people_directory"
"""V2 persons ("Export All People directory")."""
ORGANIZATIONS_DIRECTORY = "organizations_directory"
"""V2 companies ("Export All Organizations directory")."""
LIST_ENTRY_SEARCH = "list_entry_search"
"""``POST /v2/lists/{id}/list-entries/search`` is served (in beta since 2026-06-19)."""

TTL = 900.0


def _key(capability: str) -> tuple[str, str]:
    return ("capability", capability)


def allows(client: AffinityClient, capability: str) -> bool:
    """False once the key is known to lack ``capability``; True while it is not known to."""
    return bool(client.memo(_key(capability), TTL, lambda: True))


def learn(client: AffinityClient, capability: str, allowed: bool) -> None:
    client.forget(_key(capability))
    client.memo(_key(capability), TTL, lambda: allowed)


def v2_or_fallback(
    client: AffinityClient, capability: str, v2: Callable[[], T], v1: Callable[[], T]
) -> T:
    """``v2()`` unless the key lacks ``capability``; on V2's refusal, record it and ``v1()``.

    Callers make sure a refusal of ``v2`` can only mean the missing permission (a deal's list
    that is not shared is found out through V1 first), so the fallback is the right answer.
    """
    if allows(client, capability):
        try:
            return v2()
        except PermissionDeniedError:
            learn(client, capability, False)
    return v1()
