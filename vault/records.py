"""The vault's public value types: what callers get back (never a ciphertext, never a key)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from vault.models import Status


@dataclass(frozen=True)
class AffinityProfile:
    """The Affinity user and tenant an API key belongs to (from whoami)."""

    user_id: int
    user_name: str
    user_email: str | None
    tenant_id: int
    tenant_name: str
    tenant_subdomain: str | None

    @classmethod
    def from_whoami(cls, payload: Mapping[str, Any]) -> AffinityProfile:
        """From a V1 (`email`) or V2 (`emailAddress`) whoami body."""
        user, tenant = payload["user"], payload["tenant"]
        name = " ".join(p for p in (user.get("firstName"), user.get("lastName")) if p)
        return cls(
            user_id=int(user["id"]),
            user_name=name,
            user_email=user.get("emailAddress") or user.get("email"),
            tenant_id=int(tenant["id"]),
            tenant_name=tenant.get("name") or "",
            tenant_subdomain=tenant.get("subdomain"),
        )


@dataclass(frozen=True)
class AffinityList:
    """One of the account's Affinity lists, as cached (type: e.g. "opportunity" or "8")."""

    id: int
    name: str
    type: str


@dataclass(frozen=True)
class StatusChange:
    changed_at: datetime
    from_status: Status | None
    to_status: Status
    reason: str | None


@dataclass(frozen=True)
class ConnectedAccount:
    """A connected account as the app sees it. Holds no credential material."""

    id: int
    connection_name: str
    identifier: str
    status: Status
    status_reason: str | None
    status_changed_at: datetime
    revoked_at: datetime | None
    has_credential: bool
    kid: str | None
    profile: AffinityProfile | None
    connected_at: datetime | None
    last_verified_at: datetime | None
    lists: tuple[AffinityList, ...]
    lists_fetched_at: datetime | None
    created_at: datetime

    @property
    def needs_reconnect(self) -> bool:
        return self.status is Status.REVOKED
