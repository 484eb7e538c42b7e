"""Mapping between an account row and the vault's values: sealed credential, profile."""

from __future__ import annotations

from vault.envelope import Sealed
from vault.models import AccountRow
from vault.records import AffinityProfile


def sealed_of(row: AccountRow) -> Sealed | None:
    """The row's sealed credential, or None when it holds no key."""
    if row.ciphertext is None or row.wrapped_key is None or row.kid is None:
        return None
    return Sealed(row.ciphertext, row.wrapped_key, row.kid, row.format_version or 0)


def clip(value: str | None, limit: int) -> str | None:
    return value[:limit] if value is not None else None


def store_sealed(row: AccountRow, sealed: Sealed) -> None:
    row.ciphertext, row.wrapped_key = sealed.ciphertext, sealed.wrapped_key
    row.kid, row.format_version = sealed.kid, sealed.version


def erase_credential(row: AccountRow) -> None:
    row.ciphertext = row.wrapped_key = row.kid = row.format_version = None
    store_profile(row, None)


def store_profile(row: AccountRow, profile: AffinityProfile | None) -> None:
    row.affinity_user_id = profile.user_id if profile else None
    row.affinity_user_name = clip(profile.user_name, 255) if profile else None
    row.affinity_user_email = clip(profile.user_email, 320) if profile else None
    row.affinity_tenant_id = profile.tenant_id if profile else None
    row.affinity_tenant_name = clip(profile.tenant_name, 255) if profile else None
    row.affinity_tenant_subdomain = clip(profile.tenant_subdomain, 255) if profile else None


def profile_of(row: AccountRow) -> AffinityProfile | None:
    if row.affinity_user_id is None or row.affinity_tenant_id is None:
        return None
    return AffinityProfile(
        user_id=row.affinity_user_id,
        user_name=row.affinity_user_name or "",
        user_email=row.affinity_user_email,
        tenant_id=row.affinity_tenant_id,
        tenant_name=row.affinity_tenant_name or "",
        tenant_subdomain=row.affinity_tenant_subdomain,
    )
