"""Recent activity that names records: which people, organizations, deals and lists each of a
user's Affinity calls was about, stored beside the audit row (same reference) so that App Home
says "Search organizations “acme”: Acme, Acme Robotics" rather than only the tool's name.

Filled by the connector's `on_tool_result` hook, whichever surface made the call; only ids,
names and a search's term are kept — never note text — and only the newest rows per person.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from slack_bolt import App
from sqlalchemy import Engine, delete, select
from sqlalchemy.orm import sessionmaker

from bot.features.activity.models import ActivityRecord
from bot.services import Services

KEEP_PER_OWNER = 50
MAX_RECORDS = 3
KINDS = {
    "person_ids": "person",
    "organization_ids": "organization",
    "opportunity_ids": "opportunity",
}


def _ref(kind: str, item: Mapping[str, Any] | None) -> dict[str, Any] | None:
    if not isinstance(item, Mapping) or item.get("id") is None:
        return None
    return {"kind": kind, "id": int(item["id"]), "name": str(item.get("name") or "")[:200]}


def subjects(tool: str, tool_input: Mapping[str, Any], result: Any) -> tuple[str | None, list]:
    """(search term, records) a call was about; ([], None) when it names none."""
    result = result if isinstance(result, Mapping) else {}
    term = str(tool_input.get("term") or "")[:200] or None
    found: list[dict[str, Any] | None] = []
    if tool == "affinity_search_persons":
        found = [_ref("person", p) for p in result.get("persons") or []]
    elif tool == "affinity_search_organizations":
        found = [_ref("organization", o) for o in result.get("organizations") or []]
    elif tool in ("affinity_get_person", "affinity_create_person"):
        found = [_ref("person", result)]
    elif tool == "affinity_get_organization":
        found = [_ref("organization", result)]
    elif tool in (
        "affinity_get_opportunity",
        "affinity_create_opportunity",
        "affinity_update_opportunity",
    ):
        found = [_ref("opportunity", result)]
    elif tool == "affinity_list_opportunities":
        found = [_ref("list", result.get("list"))]
    elif tool == "affinity_create_note":
        found = [
            {"kind": kind, "id": int(i), "name": ""}
            for key, kind in KINDS.items()
            for i in (result.get(key) or tool_input.get(key) or [])
        ]
    elif tool == "affinity_list_notes":
        for key, kind in (
            ("person_id", "person"),
            ("organization_id", "organization"),
            ("opportunity_id", "opportunity"),
        ):
            if tool_input.get(key) is not None:
                found = [{"kind": kind, "id": int(tool_input[key]), "name": ""}]
    records = [r for r in found if r][:MAX_RECORDS]
    return (term if tool.startswith("affinity_search_") else None), records


class ActivityRecords:
    def __init__(self, engine: Engine, clock: Callable[[], dt.datetime]) -> None:
        self.sessions = sessionmaker(engine, expire_on_commit=False)
        self.clock = clock

    def record(
        self, identifier: str, tool: str, tool_input: dict[str, Any], result: Any, reference: str
    ) -> None:
        term, records = subjects(tool, tool_input, result)
        if not records and not term:
            return
        with self.sessions.begin() as session:
            session.merge(
                ActivityRecord(
                    reference=reference,
                    owner=identifier,
                    at=self.clock(),
                    term=term,
                    records=records,
                )
            )
            newest = (
                select(ActivityRecord.reference)
                .where(ActivityRecord.owner == identifier)
                .order_by(ActivityRecord.at.desc())
                .limit(KEEP_PER_OWNER)
            )
            kept = set(session.scalars(newest))
            session.execute(
                delete(ActivityRecord).where(
                    ActivityRecord.owner == identifier, ActivityRecord.reference.not_in(kept)
                )
            )

    def latest_named(self, owner: str, kinds: Iterable[str], scan: int = 20) -> dict | None:
        """The record with a name the owner's most recent calls were about (of `kinds`)."""
        wanted = set(kinds)
        with self.sessions() as session:
            rows = session.scalars(
                select(ActivityRecord)
                .where(ActivityRecord.owner == owner)
                .order_by(ActivityRecord.at.desc())
                .limit(scan)
            )
            for row in rows:
                for record in row.records or []:
                    if record.get("kind") in wanted and record.get("name"):
                        return dict(record)
        return None

    def by_reference(self, owner: str, references: Iterable[str]) -> dict[str, dict[str, Any]]:
        wanted = [r for r in references if r]
        if not wanted:
            return {}
        with self.sessions() as session:
            rows = session.scalars(
                select(ActivityRecord).where(
                    ActivityRecord.owner == owner, ActivityRecord.reference.in_(wanted)
                )
            )
            return {r.reference: {"term": r.term, "records": list(r.records)} for r in rows}


def named_activity(
    services: Services, identifier: str, activity: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """Audit rows (`Connector.recent_activity`) with the records each call was about."""
    found = ActivityRecords(services.engine, services.clock).by_reference(
        identifier, (row["reference"] for row in activity if row.get("reference"))
    )
    return [{**row, **found.get(row.get("reference") or "", {})} for row in activity]


def register(app: App, services: Services) -> None:
    services.connector.on_tool_result(ActivityRecords(services.engine, services.clock).record)


__all__ = ["ActivityRecords", "named_activity", "register", "subjects"]
