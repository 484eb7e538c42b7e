"""Pure helpers that turn a parsed `Command` into the tool calls it needs.

The listener layer does the I/O: it asks `plan()` for the first step, runs a `ToolCall`, then asks
`follow_up()` what the result means (another call, a choice for the user, or "render it").
Nothing here talks to Slack, Affinity or the database.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from typing import Any, Literal
from zoneinfo import ZoneInfo

from bot.grammar.grammar import due_day, format_command, writes
from bot.grammar.model import Command, DealRef, EntityRef, ListRef

ListKind = Literal["person", "organization", "opportunity"]
KIND_LABEL = {"person": "people", "organization": "organizations", "opportunity": "deals"}

# --- lists ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ListMatch:
    """How a `ListRef` matched the user's cached lists.

    status: `found` (`list` set), `ambiguous` (`candidates` to choose from), `not_found`
    (`candidates` are suggestions, maybe empty) or `wrong_kind` (`candidates` matched by name but
    hold another kind of record than the command needs). `how` tells how `found` matched: `id`,
    `name` (exact, case-insensitive), `prefix`, `words` or `contains`; `uncached` means an id the
    cache does not know (the caller may still try it; Affinity will answer 404 if it is wrong).
    """

    status: Literal["found", "ambiguous", "not_found", "wrong_kind"]
    ref: ListRef
    list: Mapping[str, Any] | None = None
    candidates: tuple[Mapping[str, Any], ...] = ()
    how: str | None = None

    @property
    def exact(self) -> bool:
        """Matched by id or full name: safe to use for a write without asking."""
        return self.status == "found" and self.how in {"id", "name", "uncached"}


def normalise(text: str) -> str:
    """`Series-A  Pipeline!` -> `series a pipeline`."""
    return " ".join(re.sub(r"[^\w\s]|_", " ", text.casefold()).split())


def _tiers(term: str, lists: Sequence[Mapping[str, Any]]) -> list[tuple[str, list]]:
    words = term.split()

    def name(entry: Mapping[str, Any]) -> str:
        return normalise(str(entry.get("name") or ""))

    def words_match(entry: Mapping[str, Any]) -> bool:
        name_words = name(entry).split()
        return all(any(nw.startswith(w) for nw in name_words) for w in words)

    return [
        ("name", [e for e in lists if name(e) == term]),
        ("prefix", [e for e in lists if name(e).startswith(term)]),
        ("words", [e for e in lists if words_match(e)]),
        ("contains", [e for e in lists if term in name(e)]),
    ]


def _match_in(ref: ListRef, lists: Sequence[Mapping[str, Any]]) -> ListMatch | None:
    if ref.id is not None:
        by_id = [e for e in lists if e.get("id") == ref.id]
        if by_id:
            return ListMatch("found", ref, by_id[0], how="id")
        term = str(ref.id)
    else:
        term = normalise(ref.name or "")
    if not term:
        return None
    for how, hits in _tiers(term, lists):
        if len(hits) == 1:
            return ListMatch("found", ref, hits[0], how=how)
        if hits:
            return ListMatch("ambiguous", ref, candidates=tuple(hits), how=how)
    return None


def _suggestions(ref: ListRef, lists: Sequence[Mapping[str, Any]], limit: int = 5) -> tuple:
    by_name = {normalise(str(e.get("name") or "")): e for e in lists}
    close = difflib.get_close_matches(normalise(str(ref)), list(by_name), n=limit, cutoff=0.4)
    picked = [by_name[n] for n in close]
    picked += [e for e in lists if e not in picked]
    return tuple(picked[:limit])


def match_lists(
    ref: ListRef, cached_lists: Sequence[Mapping[str, Any]], kind: ListKind | None = None
) -> ListMatch:
    """Find the list `ref` names among the user's cached lists (`{"id", "name", "type"}` dicts).

    Tries, in order: exact id, exact name (case-insensitive), unique prefix, every word a prefix
    of a word in the name, substring. The first tier with any hit decides: one hit is `found`,
    several are `ambiguous`. With `kind`, lists of other kinds only explain a `wrong_kind`.
    """
    of_kind = [e for e in cached_lists if kind is None or e.get("type") == kind]
    match = _match_in(ref, of_kind)
    if match is not None:
        return match
    if kind is not None:
        other = _match_in(ref, [e for e in cached_lists if e.get("type") != kind])
        if other is not None:
            hits = (other.list,) if other.list is not None else other.candidates
            return ListMatch("wrong_kind", ref, candidates=tuple(hits))
    if ref.id is not None:
        return ListMatch("found", ref, {"id": ref.id, "name": None, "type": kind}, how="uncached")
    return ListMatch("not_found", ref, candidates=_suggestions(ref, of_kind))


# --- steps ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ToolCall:
    """Run `tool` with `input` through the connector. `writes`: it changes Affinity data."""

    tool: str
    input: Mapping[str, Any]
    writes: bool = False
    about: str | None = None
    """In words, what a `CLICK_FIRST` write acts on (the list's name), for its question."""


@dataclass(frozen=True)
class Option:
    """One choice offered to the user; picking it runs `command` (grammar text) as if typed."""

    id: int
    label: str
    command: str
    detail: str | None = None


@dataclass(frozen=True)
class Choice:
    """Several records fit: the user picks one (see `bot.blocks.chooser`).

    `next_page_token` is set when a search has more matches than this page.
    """

    prompt: str
    options: tuple[Option, ...]
    next_page_token: str | None = None


@dataclass(frozen=True)
class Problem:
    """Nothing to run: `code` is `not_found`, `wrong_kind`, `no_match` or `no_lists`.

    `no_lists`: the user's list cache is empty; refresh it (`affinity_list_lists`) and plan again.
    `options` are suggestions the user can pick (each runs its command).
    """

    code: str
    message: str
    options: tuple[Option, ...] = ()


@dataclass(frozen=True)
class Local:
    """A command the bot answers itself (`help`, `connect`, `status`, `disconnect`,
    `pin-tenant`, `unpin-tenant`)."""

    action: str
    topic: str | None = None


@dataclass(frozen=True)
class Replan:
    """A name resolved to one record: plan `command` (the same command with the record's id)
    instead, as if it had been typed so."""

    command: Command


Step = ToolCall | Choice | Problem | Local | Replan

LOCAL_ACTIONS = {"help", "connect", "status", "disconnect", "pin-tenant", "unpin-tenant"}
SEARCH_PAGE_SIZE = 10
NOUN = {"person": "person", "organization": "organization", "opportunity": "deal"}
_TARGET_KEY = {
    "person": "person_id",
    "organization": "organization_id",
    "opportunity": "opportunity_id",
}
_TARGET_IDS = {
    "person": "person_ids",
    "organization": "organization_ids",
    "opportunity": "opportunity_ids",
}


def plan(
    command: Command,
    cached_lists: Sequence[Mapping[str, Any]] = (),
    *,
    page_token: str | None = None,
    page_size: int | None = None,
    time_zone: str = "UTC",
) -> Step:
    """The first step of `command`. `page_token` continues a paged read (a "More" click);
    `time_zone` (the user's, an IANA name) says which day "today" is for `DATED` commands."""
    if command.name in LOCAL_ACTIONS:
        return Local(command.name, command.get("topic"))
    if command.name in DATED:
        return DATED[command.name](command, datetime.now(ZoneInfo(time_zone)).date(), time_zone)
    paging = {k: v for k, v in (("page_token", page_token), ("page_size", page_size)) if v}
    builder = _PLANNERS[command.name]
    return builder(command, cached_lists, paging)


def _lookup(command: Command, _lists: Sequence, paging: dict) -> Step:
    ref: EntityRef = command["ref"]
    if ref.id is not None:
        return _fetch_one(command.name, ref.id)
    if ref.kind == "person":
        return ToolCall(
            "affinity_search_persons", {"term": ref.term, "page_size": SEARCH_PAGE_SIZE, **paging}
        )
    return ToolCall(
        "affinity_search_organizations",
        {"term": ref.domain or ref.term, "page_size": SEARCH_PAGE_SIZE, **paging},
    )


def _fetch_one(name: str, record_id: int) -> ToolCall:
    if name == "intro":
        return ToolCall("affinity_get_relationship_strength", {"external_id": record_id})
    if name == "org":
        return ToolCall("affinity_get_organization", {"organization_id": record_id})
    return ToolCall("affinity_get_person", {"person_id": record_id})


def _with_list(
    command: Command, lists: Sequence, kind: ListKind, make: Any, *, asks_first: bool = False
) -> Step:
    """Resolve the command's list, then build its call; writes need an exact match or a click
    (`asks_first`: the write asks anyway, naming the list, so a close match will do)."""
    if not lists and command["list"].id is None:
        return Problem("no_lists", "Your lists are not loaded yet. Try `/affinity lists` first.")
    match = match_lists(command["list"], lists, kind)
    found = match.list if match.status == "found" else None
    if found is not None and (match.exact or not writes(command) or asks_first):
        return make(found["id"])
    options: Sequence[Mapping[str, Any]]
    if found is not None:
        options = (found,)
    elif match.status == "wrong_kind":
        options = _suggestions(command["list"], [e for e in lists if e.get("type") == kind])
    else:
        options = match.candidates
    choices = tuple(
        Option(
            int(e["id"]),
            str(e.get("name") or e["id"]),
            format_command(command.replace(list=ListRef(id=int(e["id"])))),
            KIND_LABEL.get(str(e.get("type"))),
        )
        for e in options
    )
    name = str(command["list"])
    if found is not None:
        return Choice(f"Did you mean the list *{found.get('name')}*?", choices)
    if match.status == "ambiguous":
        return Choice(f"Several lists match “{name}”. Which one?", choices)
    if match.status == "wrong_kind":
        found = match.candidates[0]
        return Problem(
            "wrong_kind",
            f"“{found.get('name')}” is a list of "
            f"{KIND_LABEL.get(str(found.get('type')), 'other records')}; "
            f"`{command.name}` needs a list of {KIND_LABEL[kind]}.",
            choices,
        )
    return Problem("not_found", f"No list of {KIND_LABEL[kind]} matches “{name}”.", choices)


def _deals(command: Command, lists: Sequence, paging: dict) -> Step:
    """A pipeline: every matching deal counted and summed, the first page shown by stage."""

    def make(list_id: int) -> ToolCall:
        data: dict[str, Any] = {"list_id": list_id, **paging}
        if command.get("stage"):
            data["stage"] = list(command["stage"])
        if command.get("owner"):
            data["owner"] = command["owner"]
        if command.get("filters"):
            data["where"] = [
                {"field": f.field, "op": f.op, **({"value": f.value} if f.value else {})}
                for f in command["filters"]
            ]
        sort = command.get("sort")
        if sort:
            data["sort_by"] = sort.lstrip("-") or "name"
            data["descending"] = sort.startswith("-")
        return ToolCall("affinity_search_list_entries", data)

    return _with_list(command, lists, "opportunity", make)


DEAL_SEARCH = "affinity_search_opportunities"


def _deal(command: Command, _lists: Sequence, _paging: dict) -> Step:
    if command.get("opportunity_id") is not None:
        return ToolCall("affinity_get_opportunity", {"opportunity_id": command["opportunity_id"]})
    return _find_deal(command["term"])


def _find_deal(term: str) -> ToolCall:
    return ToolCall(DEAL_SEARCH, {"term": term, "page_size": SEARCH_PAGE_SIZE})


def _find_record(kind: str, term: str) -> ToolCall:
    """The search for a person, organization or deal typed by name."""
    if kind == "opportunity":
        return _find_deal(term)
    ref = EntityRef(kind=kind, term=term)  # type: ignore[arg-type]
    tool = "affinity_search_persons" if kind == "person" else "affinity_search_organizations"
    return ToolCall(tool, {"term": ref.domain or term, "page_size": SEARCH_PAGE_SIZE})


def _deal_write(command: Command, _lists: Sequence, _paging: dict) -> Step:
    """`stage` and `set`: a deal named by id is written at once; a name is found first."""
    deal: DealRef = command["deal"]
    if deal.id is None:
        return _find_deal(deal.term or "")
    return _write_fields(command, deal.id)


def _write_fields(command: Command, opportunity_id: int) -> ToolCall:
    if command.name == "stage":
        values = [{"field": "stage", "value": command["stage"]}]
    else:
        values = [{"field": command["field"], "value": command["value"]}]
    return ToolCall(
        "affinity_update_field_values",
        {"opportunity_id": opportunity_id, "values": values},
        writes=True,
    )


def _remove(command: Command, lists: Sequence, _paging: dict) -> Step:
    entity_type = command["entity_type"]

    def make(list_id: int) -> ToolCall:
        if command.get("entity_id") is None:  # a name: found first (follow_up)
            return _find_record(entity_type, command["entity_term"])
        name = next((e.get("name") for e in lists if e.get("id") == list_id), None)
        return ToolCall(
            "affinity_remove_from_list",
            {"list_id": list_id, _TARGET_KEY[entity_type]: command["entity_id"]},
            writes=True,
            about=name,
        )

    return _with_list(command, lists, entity_type, make, asks_first=True)


def _new_deal(command: Command, lists: Sequence, _paging: dict) -> Step:
    def make(list_id: int) -> ToolCall:
        data: dict[str, Any] = {"list_id": list_id, "name": command["name"]}
        for key in ("person_ids", "organization_ids"):
            if command[key]:
                data[key] = list(command[key])
        if command.get("owner_id") is not None:
            data["owner_id"] = command["owner_id"]
        return ToolCall("affinity_create_opportunity", data, writes=True)

    return _with_list(command, lists, "opportunity", make)


def _add(command: Command, lists: Sequence, _paging: dict) -> Step:
    entity_type = command["entity_type"]
    return _with_list(
        command,
        lists,
        entity_type,
        lambda list_id: ToolCall(
            "affinity_add_to_list",
            {
                "list_id": list_id,
                _TARGET_KEY[entity_type]: command["entity_id"],
            },
            writes=True,
        ),
    )


def _update_deal(command: Command, _lists: Sequence, _paging: dict) -> Step:
    data: dict[str, Any] = {"opportunity_id": command["opportunity_id"]}
    if command.name == "rename-deal":
        data["name"] = command["name"]
    else:
        verb = "add" if command.name == "deal-add" else "remove"
        noun = "person" if command["entity_type"] == "person" else "organization"
        data[f"{verb}_{noun}_ids"] = [command["entity_id"]]
    return ToolCall("affinity_update_opportunity", data, writes=True)


def _note(command: Command, _lists: Sequence, _paging: dict) -> Step:
    if command.get("target_id") is None:  # a name: found first (follow_up)
        return _find_record(command["target"], command["target_term"])
    return ToolCall(
        "affinity_create_note",
        {
            "content": command["content"],
            _TARGET_IDS[command["target"]]: [command["target_id"]],
        },
        writes=True,
    )


def _notes(command: Command, _lists: Sequence, paging: dict) -> Step:
    if command.get("target_id") is None:
        return _find_record(command["target"], command["target_term"])
    return ToolCall(
        "affinity_list_notes", {_TARGET_KEY[command["target"]]: command["target_id"], **paging}
    )


def _remind(command: Command, today: date, _zone: str) -> Step:
    if command.get("target_id") is None:  # a name: found first (follow_up)
        return _find_record(command["target"], command["target_term"])
    day = due_day(command["when"], today)
    return ToolCall(
        "affinity_create_reminder",
        {
            _TARGET_KEY[command["target"]]: command["target_id"],
            "content": command["content"],
            "due_date": day.isoformat(),
        },
        writes=True,
    )


def _meetings(command: Command, today: date, zone: str) -> Step:
    first, last = {
        "today": (today, today),
        "tomorrow": (today + timedelta(days=1), today + timedelta(days=1)),
        "week": (today, today + timedelta(days=6)),
    }[command["span"]]
    return ToolCall(
        "affinity_list_meetings",
        {"from_date": first.isoformat(), "to_date": last.isoformat(), "time_zone": zone},
    )


DATED = {"remind": _remind, "meetings": _meetings}
"""Commands whose words name days ("tomorrow", "week"): planned from the user's today."""

DAY_WORDS = {"today", "yesterday", "tomorrow"}
ZONED_TOOLS = {"affinity_search_list_entries", "affinity_update_field_values"}
"""Tools that count a value's today, yesterday and tomorrow in their `time_zone` input."""


def names_days(command: Command) -> bool:
    """Whether `command` names a day relative to today, which is the user's (their Slack time
    zone): `remind`, `meetings`, a `deals` filter or a `set` value such as `today`."""
    if command.name in DATED:
        return True
    if command.name == "deals":
        return any(f.value.strip().casefold() in DAY_WORDS for f in command.get("filters") or ())
    if command.name == "set":
        return str(command.get("value") or "").strip().casefold() in DAY_WORDS
    return False


def in_user_zone(call: ToolCall, command: Command, time_zone: str) -> ToolCall:
    """`call` with the user's `time_zone` when its values name days the tool counts."""
    if call.tool not in ZONED_TOOLS or not names_days(command):
        return call
    return replace(call, input={**call.input, "time_zone": time_zone})


CLICK_FIRST = {"affinity_delete_note", "affinity_remove_from_list"}
"""Writes a typed command never runs directly: the user confirms them with a click."""


def confirmation(command: Command, call: ToolCall) -> Choice:
    """The one-button card that asks before a `CLICK_FIRST` write runs."""
    if call.tool == "affinity_remove_from_list":
        return _removal_question(command, call)
    note_id = int(call.input["note_id"])
    what = f"note #{note_id}" + (f" ({call.about})" if call.about else "")
    return Choice(
        f"Delete {what}? Its replies go with it, and this cannot be undone.",
        (Option(note_id, f"Delete note #{note_id}", format_command(command)),),
    )


def _removal_question(command: Command, call: ToolCall) -> Choice:
    """Remove from a list: the record (by name when it was typed by name) and the list as
    typed and by id; for a deal, that it is deleted."""
    list_id, kind = int(call.input["list_id"]), command["entity_type"]
    noun = NOUN[kind]
    what = f"{noun} {command['entity_id']}"
    if command.get("entity_name"):
        what = f"{noun} {command['entity_name']} (id {command['entity_id']})"
    where = f"the list “{call.about or command['list']}” (id {list_id})"
    consequence = (
        "Taking a deal off its list deletes the deal in Affinity."
        if kind == "opportunity"
        else "Its values in the list's fields go with it."
    )
    return Choice(
        f"Remove {what} from {where}? {consequence} Nothing is removed unless you choose it.",
        (
            Option(
                int(command["entity_id"]),
                f"Remove {what} from list {list_id}",
                format_command(command.replace(list=ListRef(id=list_id))),
            ),
        ),
    )


_PLANNERS = {
    "person": _lookup,
    "org": _lookup,
    "intro": _lookup,
    "lists": lambda c, lists, paging: ToolCall("affinity_list_lists", {}),
    "deals": _deals,
    "deal": _deal,
    "stage": _deal_write,
    "set": _deal_write,
    "remove": _remove,
    "new-deal": _new_deal,
    "add": _add,
    "rename-deal": _update_deal,
    "deal-add": _update_deal,
    "deal-remove": _update_deal,
    "note": _note,
    "notes": _notes,
    "note-edit": lambda c, lists, paging: ToolCall(
        "affinity_update_note", {"note_id": c["note_id"], "content": c["content"]}, writes=True
    ),
    "note-delete": lambda c, lists, paging: ToolCall(
        "affinity_delete_note", {"note_id": c["note_id"]}, writes=True
    ),
    "reminders": lambda c, lists, paging: ToolCall(
        "affinity_list_reminders", {"status": "open", **paging}
    ),
    "done": lambda c, lists, paging: ToolCall(
        "affinity_complete_reminder", {"reminder_id": c["reminder_id"]}, writes=True
    ),
    "new-person": lambda c, lists, paging: ToolCall(
        "affinity_create_person",
        {k: c[k] for k in ("first_name", "last_name", "email") if c.get(k) is not None},
        writes=True,
    ),
    "new-org": lambda c, lists, paging: ToolCall(
        "affinity_create_organization",
        {k: c[k] for k in ("name", "domain") if c.get(k) is not None},
        writes=True,
    ),
}


# --- after a search -------------------------------------------------------------------------------


def _best(records: Sequence[Mapping[str, Any]], ref: EntityRef) -> list[Mapping[str, Any]]:
    """Narrow search hits to the ones that match exactly (email, domain, full name), if any."""
    return _exact(records, ref) or list(records)


def _exact(records: Sequence[Mapping[str, Any]], ref: EntityRef) -> list[Mapping[str, Any]]:
    """The search hits that match exactly: by email, else domain, else full name."""
    term = (ref.term or "").casefold()
    tests = []
    if ref.is_email:
        tests.append(
            lambda r: (
                term in {str(e).casefold() for e in r.get("emails") or []}
                or str(r.get("primary_email") or "").casefold() == term
            )
        )
    if ref.domain:
        tests.append(
            lambda r: (
                ref.domain in {str(d).casefold() for d in r.get("domains") or []}
                or str(r.get("domain") or "").casefold() == ref.domain
            )
        )
    tests.append(lambda r: normalise(str(r.get("name") or "")) == normalise(term))
    for test in tests:
        exact = [r for r in records if test(r)]
        if exact:
            return exact
    return []


def follow_up(
    command: Command, result: Mapping[str, Any], cached_lists: Sequence[Mapping[str, Any]] = ()
) -> Step | None:
    """What to do with the result of the step `plan` returned; None means "render the result".

    For a lookup by name (`person`, `org`, `intro`): one match fetches it, several ask the user,
    none is a `Problem`. A record named by name in `remind` or `remove`: see `_record_found`.
    A deal's choice names its list from `cached_lists`.
    """
    names = {e.get("id"): e.get("name") for e in cached_lists}
    if DEAL_SEARCH_RESULT in result and command.name in {"deal", "stage", "set"}:
        return _deal_found(command, result[DEAL_SEARCH_RESULT], names)
    if named_kind(command) is not None:
        return _record_found(command, result, cached_lists, names)
    ref = command.get("ref")
    if command.name not in {"person", "org", "intro"} or ref is None or ref.id is not None:
        return None
    records = result.get("persons") if ref.kind == "person" else result.get("organizations")
    if records is None:  # already the fetched record
        return None
    what = "person" if ref.kind == "person" else "organization"
    if not records:
        return Problem("no_match", f"No {what} in your Affinity matches “{ref.term}”.")
    best = _best(records, ref)
    if len(best) == 1:
        return _fetch_one(command.name, int(best[0]["id"]))
    options = tuple(
        Option(
            int(r["id"]),
            str(r.get("name") or r["id"]),
            f"{command.name} {r['id']}",
            r.get("primary_email") if ref.kind == "person" else r.get("domain"),
        )
        for r in best
    )
    token = result.get("next_page_token") if len(best) == len(records) else None
    return Choice(f"Several {KIND_LABEL[ref.kind]} match “{ref.term}”. Which one?", options, token)


# --- after a deal search ----------------------------------------------------------------------

DEAL_SEARCH_RESULT = "opportunities"


def deal_term(command: Command) -> str | None:
    """The name a `deal`, `stage` or `set` command gives for its deal (None: an id)."""
    if command.name == "deal":
        return command.get("term")
    deal = command.get("deal")
    return deal.term if isinstance(deal, DealRef) and deal.id is None else None


def _deal_found(
    command: Command, deals: Sequence[Mapping[str, Any]], list_names: Mapping[Any, Any]
) -> Step | None:
    """One deal: its card (`deal`) or the write (`stage`, `set`); several: a choice, each
    option the same command with the deal's id; none: a `Problem`."""
    term = deal_term(command)
    if term is None:
        return None
    if not deals:
        return Problem("no_match", f"No deal in your Affinity is named like “{term}”.")
    exact = [d for d in deals if normalise(str(d.get("name") or "")) == normalise(term)]
    best = exact or list(deals)
    if len(best) == 1 and (exact or not writes(command)):  # a write on a near match: ask
        return _with_deal(command, int(best[0]["id"]))
    options = tuple(
        Option(
            int(d["id"]),
            str(d.get("name") or d["id"]),
            format_command(_chosen(command, int(d["id"]))),
            list_names.get(d.get("list_id")),
        )
        for d in best
    )
    if len(best) == 1:
        return Choice(f"Did you mean the deal *{best[0].get('name')}*?", options)
    return Choice(f"Several deals match “{term}”. Which one?", options)


def _chosen(command: Command, opportunity_id: int) -> Command:
    if command.name == "deal":
        return Command("deal", {"opportunity_id": opportunity_id})
    return command.replace(deal=DealRef(id=opportunity_id))


def _with_deal(command: Command, opportunity_id: int) -> ToolCall:
    if command.name == "deal":
        return ToolCall("affinity_get_opportunity", {"opportunity_id": opportunity_id})
    return _write_fields(command, opportunity_id)


# --- after finding a record typed by name (`note`, `notes`, `remind`, `remove`) -----------------

_NAMED = {
    "note": ("target", "target_id", "target_term"),
    "notes": ("target", "target_id", "target_term"),
    "remind": ("target", "target_id", "target_term"),
    "remove": ("entity_type", "entity_id", "entity_term"),
}
_RESULT_KEY = {"person": "persons", "organization": "organizations", "opportunity": "opportunities"}


def named_kind(command: Command) -> str | None:
    """The kind of record (`person`, `organization`, `opportunity`) a `note`, `notes`,
    `remind` or `remove` names by name rather than id; None otherwise."""
    keys = _NAMED.get(command.name)
    if keys is None or command.get(keys[1]) is not None or not command.get(keys[2]):
        return None
    return str(command[keys[0]])


def _record_found(
    command: Command,
    result: Mapping[str, Any],
    cached_lists: Sequence[Mapping[str, Any]],
    list_names: Mapping[Any, Any],
) -> Step | None:
    """The search for a record typed by name came back. One exact match: `Replan` with its id
    (a removal still asks for a click); one near match: asked first; several: a choice, each
    option the command with that record's id; none: a `Problem`. Removing a deal looks only at
    the deals of that list."""
    kind_key, id_key, term_key = _NAMED[command.name]
    kind, term = str(command[kind_key]), str(command[term_key])
    records = result.get(_RESULT_KEY[kind])
    if records is None:
        return None
    changes: dict[str, Any] = {}
    where = ""
    if command.name == "remove":
        match = match_lists(command["list"], cached_lists, kind)  # type: ignore[arg-type]
        if match.status == "found" and match.list is not None:
            list_id = int(match.list["id"])
            changes["list"] = ListRef(id=list_id)
            where = f" the list “{match.list.get('name') or list_id}”"
            if kind == "opportunity":
                records = [r for r in records if r.get("list_id") == list_id]
    noun = NOUN[kind]
    if not records:
        scope = f"on{where}" if kind == "opportunity" and where else "in your Affinity"
        return Problem("no_match", f"No {noun} {scope} is named like “{term}”.")
    if kind == "opportunity":
        exact = [r for r in records if normalise(str(r.get("name") or "")) == normalise(term)]
    else:
        exact = _exact(records, EntityRef(kind=kind, term=term))  # type: ignore[arg-type]
    best = exact or list(records)

    def resolved(record: Mapping[str, Any]) -> Command:
        return command.replace(**changes, **{id_key: int(record["id"]), term_key: None})

    if len(best) == 1 and (exact or command.name in {"remove", "notes"}):
        name = best[0].get("name")
        found = resolved(best[0])
        named = command.name == "remove" and name  # the removal's question names it
        return Replan(found.replace(entity_name=name) if named else found)
    options = tuple(
        Option(
            int(r["id"]),
            str(r.get("name") or r["id"]),
            format_command(resolved(r)),
            _record_detail(kind, r, list_names),
        )
        for r in best
    )
    note = (
        f"\nThe note to log: “{_clip(str(command['content']), 200)}”"
        if command.name == "note"
        else ""
    )
    if len(best) == 1:
        return Choice(f"Did you mean the {noun} *{best[0].get('name')}*?{note}", options)
    prompt = f"Several {KIND_LABEL[kind]} match “{term}”. Which one?{note}"
    if command.name == "remove":
        prompt = (
            f"Several {KIND_LABEL[kind]} match “{term}”. Which one should be taken off{where}? "
            + ("Taking a deal off its list deletes the deal. " if kind == "opportunity" else "")
            + "Only the one you choose is removed."
        )
    if result.get("next_page_token") and len(best) == len(records):
        prompt += f" These are the first {len(best)}: type more of the name to narrow them."
    return Choice(prompt, options)


def _record_detail(kind: str, record: Mapping[str, Any], list_names: Mapping[Any, Any]) -> Any:
    if kind == "person":
        return record.get("primary_email")
    if kind == "organization":
        return record.get("domain")
    return list_names.get(record.get("list_id"))


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
