"""The sandbox's world: the records it holds (`World`), and how Affinity keeps dates.

Date fields and due dates are calendar days kept at midnight Pacific time (`date_field`), and
"today" is the Pacific day (`affinity_now`). The seed builds a `World`; the store changes it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

PACIFIC = ZoneInfo("America/Los_Angeles")


def date_field(moment: datetime | date) -> datetime:
    """A date field value as Affinity stores it since 2026-01-01: the time part is ignored and
    the value is midnight Pacific time on the date written (``2024-04-01T15:30:00Z`` ->
    ``2024-04-01T07:00:00Z``; ``2026-11-28T23:30:00-05:00`` -> ``2026-11-28T08:00:00Z``)."""
    day = moment.date() if isinstance(moment, datetime) else moment
    return datetime(day.year, day.month, day.day, tzinfo=PACIFIC).astimezone(UTC)


def affinity_now() -> datetime:
    """Now in Pacific time, where Affinity keeps dates: its date is "today" for date fields and
    due dates, the day a tool counts as today for a user who names no time zone. (Between 00:00
    and 08:00 UTC the UTC date is already tomorrow in California.)"""
    return datetime.now(PACIFIC)


@dataclass
class World:
    """The sandbox's whole mutable state, in V1-like records keyed by id.

    Indexes (`entries_by_list`, `persons_by_org`, ...) are kept in step by the store's writers.
    """

    persons: dict[int, dict[str, Any]] = field(default_factory=dict)
    organizations: dict[int, dict[str, Any]] = field(default_factory=dict)
    opportunities: dict[int, dict[str, Any]] = field(default_factory=dict)
    lists: dict[int, dict[str, Any]] = field(default_factory=dict)
    fields: dict[int, dict[str, Any]] = field(default_factory=dict)
    list_entries: dict[int, dict[str, Any]] = field(default_factory=dict)
    field_values: dict[int, dict[str, Any]] = field(default_factory=dict)
    notes: dict[int, dict[str, Any]] = field(default_factory=dict)
    strengths: dict[int, list[dict[str, Any]]] = field(default_factory=dict)
    meetings: dict[int, dict[str, Any]] = field(default_factory=dict)
    reminders: dict[int, dict[str, Any]] = field(default_factory=dict)
    field_value_changes: dict[int, dict[str, Any]] = field(default_factory=dict)
    """Every change of a field's values, oldest first (`change_record` gives the shape)."""
    webhooks: dict[int, dict[str, Any]] = field(default_factory=dict)
    next_ids: dict[str, int] = field(default_factory=dict)

    def new_id(self, kind: str) -> int:
        self.next_ids[kind] += 1
        return self.next_ids[kind]
