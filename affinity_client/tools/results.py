"""The shapes of the tool results, as documented in docs/tool-results.md.

Every id is an int; absent data is ``None`` (scalars) or ``[]`` (lists). The Slack renderers, the
command grammar and the agent read these shapes: change them here and in the document together.
"""

from __future__ import annotations

from typing import Any, Literal, NotRequired, TypedDict

# ---- shared pieces ---------------------------------------------------------------------------


class PersonRef(TypedDict):
    id: int
    name: str | None
    primary_email: str | None


class OrgRef(TypedDict):
    id: int
    name: str | None
    domain: str | None


class UserRef(TypedDict):
    """An internal Affinity user (``name`` is ``None`` when the user could not be read)."""

    id: int
    name: str | None


class Stage(TypedDict):
    """The option of a list's ranked "Status" field."""

    id: int
    text: str | None
    rank: int | None


InteractionDates = dict[str, str | None]
"""``first_email``, ``last_email``, ``first_event``, ``last_event``, ``next_event``,
``last_chat_message``, ``last_interaction``: each an ISO 8601 string or ``None``."""


class ListMembership(TypedDict):
    list_id: int
    list_name: str | None
    list_entry_id: int


class Relationship(TypedDict):
    internal_id: int
    name: str | None
    strength: float


class ListRef(TypedDict):
    id: int
    name: str


class DealField(TypedDict):
    id: int | str
    name: str
    value: str


class Deal(TypedDict):
    id: int
    name: str | None
    list: ListRef
    list_entry_id: int | None
    stage: Stage | None
    value: int | float | None
    currency: str | None
    owners: list[UserRef | None]
    people: list[PersonRef]
    organizations: list[OrgRef]
    created_at: str | None
    fields: NotRequired[list[DealField]]
    """Only from ``affinity_get_opportunity``: every field with a value, as plain text."""
    owner_not_set: NotRequired[str]
    """Only after a create whose owner could not be set in time: what to do about it."""
    read_back: NotRequired[str]
    """Only after a create V2 could not read back yet: the deal is as V1 answered it."""


class Note(TypedDict):
    id: int
    content: str
    type: str
    creator: UserRef | None
    created_at: str | None


# ---- one result per tool ---------------------------------------------------------------------


class PersonRow(TypedDict):
    id: int
    name: str
    first_name: str | None
    last_name: str | None
    primary_email: str | None
    emails: list[str]
    interaction_dates: NotRequired[InteractionDates | None]
    """Only when asked (``with_interaction_dates``)."""


class SearchPersonsResult(TypedDict):
    persons: list[PersonRow]
    next_page_token: str | None


class PersonResult(TypedDict):
    id: int
    name: str
    first_name: str | None
    last_name: str | None
    type: Literal["external", "internal"]
    primary_email: str | None
    emails: list[str]
    phone_numbers: list[str]
    phone_numbers_unavailable: NotRequired[str]
    organizations: list[OrgRef]
    former_organizations: list[OrgRef]
    lists: list[ListMembership]
    interaction_dates: InteractionDates | None
    relationships: list[Relationship]


# "global" is a keyword, hence the call syntax.
OrganizationRow = TypedDict(
    "OrganizationRow",
    {"id": int, "name": str | None, "domain": str | None, "domains": list[str], "global": bool},
)


class SearchOrganizationsResult(TypedDict):
    organizations: list[OrganizationRow]
    next_page_token: str | None


class DealRow(TypedDict):
    id: int
    name: str | None
    list_id: int | None
    list_name: str | None
    stage: Stage | None


OrganizationResult = TypedDict(
    "OrganizationResult",
    {
        "id": int,
        "name": str | None,
        "domain": str | None,
        "domains": list[str],
        "global": bool,
        "people": list[PersonRef],
        "people_count": int,
        "deals": list[DealRow],
        "deals_unavailable": NotRequired[str],
        "lists": list[ListMembership],
        "interaction_dates": InteractionDates | None,
    },
)


class ListRow(TypedDict):
    id: int
    name: str | None
    type: str | None
    size: int | None
    public: bool
    owner: UserRef | None


class ListListsResult(TypedDict):
    lists: list[ListRow]


class ListOpportunitiesResult(TypedDict):
    list: ListRef
    opportunities: list[Deal]
    next_page_token: str | None


class UpdatedDeal(Deal):
    changed: bool
    unchanged: dict[str, Any]


class CreatedNote(Note):
    person_ids: list[int]
    organization_ids: list[int]
    opportunity_ids: list[int]


class NoteAttachments(TypedDict):
    content: str
    person_ids: list[int]
    organization_ids: list[int]
    opportunity_ids: list[int]


class UpdatedNote(CreatedNote):
    previous: NoteAttachments
    """The content and attachments before the change."""


class DeletedNote(TypedDict):
    deleted: bool
    note: CreatedNote
    """The note as it was just before it was deleted."""


class ListNotesResult(TypedDict):
    notes: list[Note]
    next_page_token: str | None


class TypedListRef(TypedDict):
    id: int
    name: str
    type: str | None


class EntityRef(TypedDict):
    id: int
    name: str | None
    type: Literal["person", "organization"]


class AddToListResult(TypedDict):
    list: TypedListRef
    entity: EntityRef
    list_entry_id: int
    created_at: str | None
    already_on_list: bool


class RelationshipStrengthResult(TypedDict):
    person: PersonRef
    relationships: list[Relationship]


# ---- pipeline tools ----------------------------------------------------------------------------


class FieldOption(TypedDict):
    id: int
    text: str | None
    rank: int | None


class FieldInfo(TypedDict):
    id: int
    name: str
    type: str
    """person, organization, dropdown, ranked-dropdown, number, date, location or text."""
    multiple: bool
    role: Literal["stage", "owners", "amount"] | None
    options: NotRequired[list[FieldOption]]
    """Only for dropdown and ranked-dropdown fields, in rank order."""


class ListFieldsResult(TypedDict):
    list: TypedListRef
    fields: list[FieldInfo]


class ListEntryRow(Deal):
    """A ``Deal`` for an opportunity list; for a person or organization list ``id`` and
    ``name`` are the person's or organization's, and stage, value and owners are empty unless
    the list has such fields."""

    entity_type: Literal["opportunity", "person", "organization"]
    matched: list[DealField]
    """The values of the fields the search filtered or sorted on, as plain text."""


class StageTotal(TypedDict):
    stage: Stage | None
    count: int
    amount: int | float | None


class EntryTotals(TypedDict):
    count: int
    amount: int | float | None
    currency: str | None


class SavedViewRef(TypedDict):
    id: int
    name: str | None
    type: str | None


class SearchListEntriesResult(TypedDict):
    list: TypedListRef
    entries: list[ListEntryRow]
    total: EntryTotals
    """Over every matching entry, not only this page."""
    stages: list[StageTotal]
    """Count and amount per stage over every matching entry, in stage order."""
    filters: list[str]
    """The conditions applied, as a person reads them (``Status = IC``)."""
    view: SavedViewRef | None
    next_page_token: str | None


class SavedViewRow(TypedDict):
    id: int
    name: str | None
    type: str | None
    """sheet, board or dashboard; only sheet views can list their entries."""
    created_at: str | None


class ListSavedViewsResult(TypedDict):
    list: TypedListRef
    views: list[SavedViewRow]


class FoundDeal(TypedDict):
    id: int
    name: str | None
    list_id: int | None


class SearchOpportunitiesResult(TypedDict):
    opportunities: list[FoundDeal]
    next_page_token: str | None


class FieldChange(TypedDict):
    field_id: int
    field: str
    old: str | None
    new: str | None


class UpdateFieldValuesResult(TypedDict):
    list: TypedListRef
    list_entry_id: int
    entity: dict[str, Any]
    """``{"id", "name", "type"}``: type is person, organization or opportunity."""
    changes: list[FieldChange]
    """Each field written, old -> new as text."""
    unchanged: list[FieldChange]
    """Fields asked for that already had the value (nothing written for them)."""


class RemoveFromListResult(TypedDict):
    list: TypedListRef
    list_entry_id: int | None
    entity: dict[str, Any]
    """``{"id", "name", "type"}``: type is person, organization or opportunity."""
    removed: bool
    deal_deleted: bool
    """True when the list is a deal list: removing a deal's entry deletes the deal."""


# ---- reminders and meetings --------------------------------------------------------------------


class ReminderEntity(TypedDict):
    type: Literal["person", "organization", "opportunity"]
    id: int
    name: str | None


class Recurrence(TypedDict):
    period_days: int
    reset_trigger: str
    """What resets the clock: "interaction", "email" or "event"."""


class Reminder(TypedDict):
    id: int
    content: str | None
    type: str
    """"one-time" or "recurring"."""
    status: str
    """"active", "overdue" or "completed" (a recurring reminder is never completed)."""
    due_date: str | None
    """The day it is due, YYYY-MM-DD (Affinity keeps the day at midnight Pacific time)."""
    entity: ReminderEntity | None
    owner: UserRef | None
    creator: UserRef | None
    completed_at: str | None
    recurrence: Recurrence | None


class ListRemindersResult(TypedDict):
    reminders: list[Reminder]
    next_page_token: str | None


class Attendee(TypedDict):
    id: int | None
    """The Affinity person, when the attendee is one."""
    name: str | None
    email: str | None
    internal: bool


class Meeting(TypedDict):
    id: int
    title: str | None
    start_time: str
    end_time: str | None
    all_day: bool
    organizer: Attendee | None
    attendees: list[Attendee]
    attendee_count: int


class ListMeetingsResult(TypedDict):
    meetings: list[Meeting]
    """Oldest first, within ``from_date``..``to_date``."""
    from_date: str
    to_date: str
    time_zone: str
    """The IANA zone the days are in."""
    truncated: bool
    """True when more meetings matched than the tool reads (narrow the dates)."""


class CreatedPerson(TypedDict):
    """``affinity_create_person``: the new person, or the one that already had the email."""

    person: PersonRef
    emails: list[str]
    already_existed: bool


# "global" is a keyword, hence the call syntax.
CreatedOrganization = TypedDict(
    "CreatedOrganization",
    {"organization": OrgRef, "domains": list[str], "global": bool, "already_existed": bool},
)
"""``affinity_create_organization``: the new organization, or the one that already existed."""


class HistoryTarget(TypedDict):
    type: Literal["opportunity", "list_entry", "person", "organization"]
    id: int
    list_id: int | None
    list_entry_id: int | None


class ChangedField(TypedDict):
    id: str
    name: str


FieldHistoryChange = TypedDict(
    "FieldHistoryChange",
    {
        "field": ChangedField,
        "action": Literal["set", "changed", "cleared", "added", "removed"],
        "from": str | None,
        "to": str | None,
        "changed_by": UserRef | None,
        "changed_at": str,
    },
)


class FieldHistoryResult(TypedDict):
    target: HistoryTarget
    changes: list[FieldHistoryChange]
    truncated: bool
