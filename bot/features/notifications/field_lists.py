"""Which list each list-specific field belongs to, learnt from what polls read.

Every poll reads the whole Affinity workspace's change history (`GET /v2/field-value-changes`),
whose items name the field (`field-1234`, type `list`) and the list entry's list. Kept per
tenant, that lets a webhook delivery about a field value — which names the field and the list
entry, not the list — hurry only that list's polls. A field not seen yet is unknown: the
delivery then hurries every followed list, as it would without this.
"""

from __future__ import annotations

from collections.abc import Mapping

from sqlalchemy import Connection, Engine, select

from bot.database import insert_ignoring_conflicts
from bot.features.notifications.webhooks_models import FieldList


def learn(connection: Connection, tenant: str, field_lists: Mapping[int, int]) -> None:
    """Record the lists of fields not known yet (a field never moves to another list)."""
    if not field_lists:
        return
    known = set(
        connection.execute(
            select(FieldList.field_id).where(
                FieldList.tenant == tenant, FieldList.field_id.in_(list(field_lists))
            )
        ).scalars()
    )
    for field_id, list_id in field_lists.items():
        if field_id not in known:
            values = {"tenant": tenant, "field_id": field_id, "list_id": list_id}
            connection.execute(insert_ignoring_conflicts(connection, FieldList, values))


def list_of(engine: Engine, tenant: str, field_id: int) -> int | None:
    """The list of a field the polls have seen; None when unknown."""
    with engine.connect() as connection:
        return connection.execute(
            select(FieldList.list_id).where(
                FieldList.tenant == tenant, FieldList.field_id == field_id
            )
        ).scalar_one_or_none()
