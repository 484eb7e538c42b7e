"""Mapping between an account row and the vault's values: sealed credential, profile, status.

The profile columns are stored in clear (for reading them in SQL) but are not trusted on their
own: `profile_context` is bound to the sealed credential's data key (see vault/envelope.py), so a
row whose profile was edited no longer opens.
"""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import datetime

from sqlalchemy.orm import Session

from vault.envelope import Sealed
from vault.models import AccountRow, Status, StatusChangeRow
from vault.records import AffinityProfile

USER_NAME_MAX = TENANT_NAME_MAX = SUBDOMAIN_MAX = 255
EMAIL_MAX = 320


def sealed_of(row: AccountRow) -> Sealed | None:
    """The row's sealed credential, with the profile it must be bound to; None if no key."""
    if row.ciphertext is None or row.wrapped_key is None or row.kid is None:
        return None
    return Sealed(
        row.ciphertext,
        row.wrapped_key,
        row.kid,
        row.format_version or 0,
        profile_context(profile_of(row)),
    )


def profile_context(profile: AffinityProfile | None) -> str:
    """The canonical text of a profile, as bound to the credential (JSON: unambiguous)."""
    if profile is None:
        return "null"
    return json.dumps(
        [
            "affinity-profile",
            profile.user_id,
            profile.user_name or "",
            profile.user_email,
            profile.tenant_id,
            profile.tenant_name or "",
            profile.tenant_subdomain,
        ]
    )


def clip(value: str | None, limit: int) -> str | None:
    return value[:limit] if value is not None else None


def clip_profile(profile: AffinityProfile) -> AffinityProfile:
    """The profile exactly as the columns will hold it (so the bound context matches)."""
    return replace(
        profile,
        user_name=clip(profile.user_name, USER_NAME_MAX) or "",
        user_email=clip(profile.user_email, EMAIL_MAX),
        tenant_name=clip(profile.tenant_name, TENANT_NAME_MAX) or "",
        tenant_subdomain=clip(profile.tenant_subdomain, SUBDOMAIN_MAX),
    )


def store_sealed(row: AccountRow, sealed: Sealed) -> None:
    row.ciphertext, row.wrapped_key = sealed.ciphertext, sealed.wrapped_key
    row.kid, row.format_version = sealed.kid, sealed.version


def erase_credential(row: AccountRow) -> None:
    row.ciphertext = row.wrapped_key = row.kid = row.format_version = None
    store_profile(row, None)


def store_profile(row: AccountRow, profile: AffinityProfile | None) -> None:
    profile = clip_profile(profile) if profile else None
    row.affinity_user_id = profile.user_id if profile else None
    row.affinity_user_name = profile.user_name if profile else None
    row.affinity_user_email = profile.user_email if profile else None
    row.affinity_tenant_id = profile.tenant_id if profile else None
    row.affinity_tenant_name = profile.tenant_name if profile else None
    row.affinity_tenant_subdomain = profile.tenant_subdomain if profile else None


def profile_of(row: AccountRow) -> AffinityProfile | None:
    """The profile columns as they are (not verified: see `Vault` for the verified view)."""
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


def set_status(
    session: Session, row: AccountRow, to: Status, reason: str | None, now: datetime
) -> None:
    """Change the row's status and write the history row (when, from, to, why)."""
    record_status(session, row.id, Status(row.status), to, reason, now)
    row.status, row.status_reason = to.value, reason
    row.status_changed_at = row.updated_at = now
    if to != Status.REVOKED:
        row.revoked_at = None


def record_status(
    session: Session,
    account_id: int,
    from_status: Status | None,
    to: Status,
    reason: str | None,
    now: datetime,
) -> None:
    session.add(
        StatusChangeRow(
            account_id=account_id,
            changed_at=now,
            from_status=from_status.value if from_status else None,
            to_status=to.value,
            reason=reason,
        )
    )
