"""Reading a list's changes with one subscriber's key, and saying each as one line.

One poll costs: the pages of `GET /v2/field-value-changes` since the poll's cursor (100 changes a
page; filtered by `changedAt`, ascending, so the cursor moves forward only), plus one
`GET /v2/{opportunities|companies|persons}?ids=…` per 100 changed records for their names. A poll
that must see new entries (a `new` follower) also reads the list's entries,
`GET /v2/lists/{id}/list-entries`, one request per 100 entries: an entry added with no stage (or
to a list without one) leaves no field change behind, so the history alone would miss it.
Nothing here touches Slack or the database.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from affinity_client import AffinityClient
from bot.blocks.text import Links, escape_clip

STAGE_VALUE_TYPE = "ranked-dropdown"  # a pipeline's Status field
ENTITY_KIND = {"opportunity": "opportunity", "company": "organization", "person": "person"}
ENTITY_PATH = {
    "opportunity": "/v2/opportunities",
    "company": "/v2/companies",
    "person": "/v2/persons",
}
PAGE = 100


@dataclass(frozen=True)
class Change:
    """One field value change on a list entry, as the poll needs it."""

    id: int
    changed_at: datetime
    list_id: int
    entity_type: str  # opportunity | company | person
    entity_id: int
    field_name: str
    stage: bool
    action: str  # add | update | delete
    value: str | None
    changer: str | None
    entry: bool = False  # an entry added to the list (read from its entries; `id` is -entry id)
    entry_id: int = 0  # the list entry changed (0 for a field of no list)
    first_stage_id: int | None = None  # an added entry's: the change that set its first stage

    @property
    def claim(self) -> int:
        """What a destination is told once. A deal added with its stage is ONE event, read as
        a new entry (`new`) and as its first stage (`stages`, `all`): both carry the stage
        change's id, so a channel following the list in several modes — by one shared poll or
        by several — gets one line."""
        return self.first_stage_id if self.first_stage_id is not None else self.id

    def matches(self, mode: str) -> bool:
        """Whether a subscription in `mode` (stages | new | all) is told of this change."""
        if mode == "all":  # field changes; entries are read for `new` followers only
            return not self.entry
        if mode == "new":
            return self.entry
        return self.stage and self.action in {"add", "update"}


@dataclass(frozen=True)
class Read:
    """What one poll read: the field changes after the cursor, the entries added after the
    entry cursor (when asked for), names by entity, and the requests it cost."""

    changes: list[Change]
    names: dict[tuple[str, int], str]
    requests: int
    entries: list[Change] = field(default_factory=list)
    entry_cursor: tuple[datetime, int] | None = None  # where the next entry read starts
    field_lists: dict[int, int] = field(default_factory=dict)  # list field id -> its list, seen

    @property
    def found(self) -> list[Change]:
        """Everything to tell, oldest first; at the same second an added entry before its first
        stage, so that a destination told of both once reads "added at *IC*"."""
        return sorted(
            self.changes + self.entries, key=lambda c: (c.changed_at, not c.entry, abs(c.id))
        )


def parse_time(value: str) -> datetime:
    parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def format_time(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def value_text(value: Any) -> str | None:
    """A V2 field value (`{"type", "data"}`) as short text; None when cleared."""
    data = value.get("data") if isinstance(value, Mapping) and "data" in value else value
    if data is None or data == []:
        return None
    if isinstance(data, list):
        texts = [value_text(item) for item in data]
        return ", ".join(t for t in texts if t)
    if isinstance(data, Mapping):
        if data.get("referenceType") == "deleted-entity":
            return str(data.get("displayValue") or "")
        for key in ("text", "name", "displayValue", "calculatedValue"):
            if data.get(key) not in (None, ""):
                return str(data[key])
        if data.get("firstName") or data.get("lastName"):
            return " ".join(str(data.get(k) or "") for k in ("firstName", "lastName")).strip()
        return None
    return str(data)


def record_name(record: Mapping[str, Any]) -> str:
    """A V2 company's or deal's `name`, or a person's first and last name ("" when none)."""
    name = record.get("name") or " ".join(
        str(record.get(k) or "") for k in ("firstName", "lastName")
    )
    return str(name).strip()


def parse_change(item: Mapping[str, Any]) -> Change:
    """One item of `GET /v2/field-value-changes` (`list_id` 0 for a field of no list)."""
    entry = item.get("listEntry") or {}
    field = item.get("field") or {}
    return Change(
        id=int(item["id"]),
        changed_at=parse_time(str(item["changedAt"])),
        list_id=int(entry.get("listId") or 0),
        entity_type=str(field.get("entityType") or "opportunity"),
        entity_id=int((item.get("entity") or {}).get("id") or 0),
        field_name=str(field.get("name") or "a field"),
        stage=item.get("type") == STAGE_VALUE_TYPE and field.get("type") == "list",
        action=str(item.get("actionType") or "update"),
        value=value_text(item.get("value")),
        changer=record_name(item.get("changer") or {}) or None,
        entry_id=int(entry.get("id") or 0),
    )


def field_number(field_id: Any) -> int | None:
    """A V2 field id (`field-1234`) as the number V1 and webhook deliveries use; None for the
    ids of fields of no number (enrichment, relationship intelligence)."""
    text = str(field_id or "")
    number = text.removeprefix("field-")
    return int(number) if number != text and number.isdigit() else None


def _field_list(item: Mapping[str, Any]) -> tuple[int, int] | None:
    """(field number, list id) of a change to a list-specific field, as the history shows it."""
    entry, fld = item.get("listEntry") or {}, item.get("field") or {}
    number = field_number(fld.get("id"))
    if fld.get("type") != "list" or number is None or not entry.get("listId"):
        return None
    return number, int(entry["listId"])


def read_changes(
    client: AffinityClient,
    list_id: int,
    since: datetime,
    after_id: int,
    entries_after: tuple[datetime, int] | None = None,
) -> Read:
    """The list's changes after (`since`, `after_id`), oldest first, with their records' names;
    with `entries_after`, also the entries added to the list after it."""
    params = {"filter": f'changedAt>="{format_time(since)}"', "orderBy": "changedAt", "limit": PAGE}
    changes: list[Change] = []
    field_lists: dict[int, int] = {}
    requests = 0
    for page in client.iter_pages("/v2/field-value-changes", params):
        requests += 1
        for item in page.items:
            if (pair := _field_list(item)) is not None:
                field_lists[pair[0]] = pair[1]
            change = parse_change(item)
            if change.list_id != list_id:
                continue
            if (change.changed_at, change.id) <= (since, after_id):
                continue  # read by the previous poll
            changes.append(change)
    entries: list[Change] = []
    known: dict[tuple[str, int], str] = {}
    cursor = None
    if entries_after is not None:
        entries, known, cursor, cost = _new_entries(client, list_id, entries_after, changes)
        requests += cost
    names, cost = _names(client, [c for c in changes if (c.entity_type, c.entity_id) not in known])
    return Read(changes, {**known, **names}, requests + cost, entries, cursor, field_lists)


def _new_entries(
    client: AffinityClient,
    list_id: int,
    after: tuple[datetime, int],
    changes: list[Change],
) -> tuple[list[Change], dict[tuple[str, int], str], tuple[datetime, int], int]:
    """The list's entries created after `after` (createdAt, entry id), each as a Change; an
    entry whose first stage was set in the same read says it ("added at *IC*"). Every page is
    read: the API neither filters nor orders entries by creation."""
    first_stage = {c.entry_id: c for c in changes if c.stage and c.action == "add"}
    found: list[Change] = []
    names: dict[tuple[str, int], str] = {}
    cursor, requests = after, 0
    for page in client.iter_pages(f"/v2/lists/{list_id}/list-entries", {"limit": PAGE}):
        requests += 1
        for item in page.items:
            created = parse_time(str(item.get("createdAt") or "1970-01-01T00:00:00Z"))
            entry_id = int(item["id"])
            if (created, entry_id) <= after:
                continue
            cursor = max(cursor, (created, entry_id))
            entity = item.get("entity") or {}
            kind = str(item.get("type") or "opportunity")
            key = (kind, int(entity.get("id") or 0))
            name = record_name(entity)
            if name:
                names[key] = str(name)
            stage = first_stage.get(entry_id)
            found.append(
                Change(
                    id=-entry_id,
                    changed_at=created,
                    list_id=list_id,
                    entity_type=kind,
                    entity_id=key[1],
                    field_name="",
                    stage=False,
                    action="add",
                    value=stage.value if stage else None,
                    changer=stage.changer if stage else None,
                    entry=True,
                    entry_id=entry_id,
                    first_stage_id=stage.id if stage else None,
                )
            )
    return found, names, cursor, requests


def _names(
    client: AffinityClient, changes: Iterable[Change]
) -> tuple[dict[tuple[str, int], str], int]:
    wanted: dict[str, list[int]] = {}
    for change in changes:
        ids = wanted.setdefault(change.entity_type, [])
        if change.entity_id not in ids:
            ids.append(change.entity_id)
    names: dict[tuple[str, int], str] = {}
    requests = 0
    for kind, ids in wanted.items():
        path = ENTITY_PATH.get(kind)
        if path is None:
            continue
        for start in range(0, len(ids), PAGE):
            requests += 1
            body = client.get(path, {"ids": ids[start : start + PAGE], "limit": PAGE})
            for record in body.get("data") or []:
                names[(kind, int(record["id"]))] = record_name(record) or f"#{record['id']}"
    return names, requests


def line(change: Change, names: Mapping[tuple[str, int], str], links: Links) -> str:
    """`*<link|Acme - Series A>* → *IC* · Maya Patel` (a stage), or the field and its value.

    An entry's first stage is a move like any other: the history does not say whether the entry
    came with it or got it in a later read. Only an added entry read with its first stage (the
    entry, `new`) says "added at *IC*"."""
    kind = ENTITY_KIND.get(change.entity_type, "opportunity")
    name = names.get((change.entity_type, change.entity_id)) or f"#{change.entity_id}"
    record = f"*{links.link(kind, change.entity_id, name, 120)}*"
    value = escape_clip(change.value, 120) if change.value else None
    by = f" · {escape_clip(change.changer, 60)}" if change.changer else ""
    if change.entry:
        return f":new: {record} added" + (f" at *{value}*" if value else "") + by
    if change.stage:
        return f":arrow_right: {record} → *{value or 'no stage'}*{by}"
    field = escape_clip(change.field_name, 60)
    if change.action == "delete" or value is None:
        return f":pencil2: {record}: {field} cleared{by}"
    return f":pencil2: {record}: {field} → {value}{by}"
