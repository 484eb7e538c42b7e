"""Pipeline reads: a list's entries filtered, sorted and totalled
(``affinity_search_list_entries``), a list's saved views (``affinity_list_saved_views``) and
deals found by name (``affinity_search_opportunities``).

The search reads every entry of the list once (V2 ``list-entries``, 100 a request, only the
fields it needs, or Affinity's search when it can apply some filters; through V1 for a key that
may not export list data, ``pipeline_v1``) and filters in the client, so that its totals count
every matching entry, not a page; its page token is an offset into that one ordered answer.
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, tzinfo
from typing import TYPE_CHECKING, Any, cast
from urllib.parse import parse_qs, urlsplit

from ..capabilities import LIST_ENTRY_SEARCH, LIST_EXPORT, allows, learn, v2_or_fallback
from ..errors import InvalidRequestError, NotFoundError, ToolInputError
from ..normalize import person_name
from ..pagination import PageCursor, decode_page_token, encode_page_token, v2_page
from .base import PAGE_TOKEN, Tool, id_prop, obj, page_size, time_zone_prop, zone_of
from .common import ListMeta, deal_from_v2_entry, list_meta
from .fields import (
    FieldSpec,
    _norm,
    entry_field,
    field_specs,
    find_field,
    item_text,
    items,
    parse_day,
    parse_number,
    value_text,
)
from .opportunities import PACIFIC, calendar_date
from .pipeline_v1 import V1_MAX_ENTRIES, found_by_text, name_records, read_entries_v1
from .results import (
    DealField,
    EntryTotals,
    FoundDeal,
    ListEntryRow,
    ListSavedViewsResult,
    SavedViewRef,
    SearchListEntriesResult,
    SearchOpportunitiesResult,
    StageTotal,
    TypedListRef,
)

if TYPE_CHECKING:
    from ..client import AffinityClient

SEARCH = "affinity_search_list_entries"
VIEWS = "affinity_list_saved_views"
FIND_DEALS = "affinity_search_opportunities"
MAX_ENTRIES = 5000  # 50 requests; a list larger than this is searched in its first 5000 entries
OPS = ("=", "!=", "<", ">", "<=", ">=", "contains", "empty", "not_empty")
_COMPARE: dict[str, Callable[[Any, Any], bool]] = {
    "=": operator.eq,
    "!=": operator.ne,
    "<": operator.lt,
    ">": operator.gt,
    "<=": operator.le,
    ">=": operator.ge,
}
_ORDER = ("<", ">", "<=", ">=")
ENTITY_TYPES = {"company": "organization", "person": "person", "opportunity": "opportunity"}


@dataclass(frozen=True)
class Condition:
    spec: FieldSpec | None  # None: a test on the whole row (text)
    label: str
    test: Callable[[Any], bool]
    server: dict[str, Any] | None = None
    """The same test as a V2 search ``ValueFilter``, when Affinity can apply it exactly."""


def _any_of(spec: FieldSpec, key: str, ids: list[int]) -> dict[str, Any]:
    """``ValueFilter``: the field holds any of these ids (options, people)."""
    return {
        "fieldId": spec.v2_id,
        "valueType": spec.v2_type,
        "operator": "has-any-of" if spec.v2_type.endswith("-multi") else "is-any-of",
        "value": [{key: i} for i in ids],
    }


def typed_ref(meta: ListMeta) -> TypedListRef:
    return {"id": meta.id, "name": meta.name, "type": meta.type}


def my_person_id(client: AffinityClient) -> int:
    """The key's own Affinity user (its person id), cached on the client."""
    return int(client.memo(("whoami",), 3600, client.whoami)["user"]["id"])


# ---- conditions --------------------------------------------------------------------------------


def _ops_for(spec: FieldSpec) -> tuple[str, ...]:
    if spec.type in ("number", "date", "ranked-dropdown"):
        return OPS
    return ("=", "!=", "contains", "empty", "not_empty")


def condition(
    client: AffinityClient,
    meta: ListMeta,
    field: Any,
    op: str,
    value: Any,
    param: str,
    zone: tzinfo = PACIFIC,
) -> Condition:
    """A test of one field's value, checked against the field's type and options first
    (``today`` in a date is counted in ``zone``)."""
    spec = find_field(meta, field, SEARCH, f"{param}.field")
    if op not in _ops_for(spec):
        raise ToolInputError(
            f"{spec.name} is a {spec.type} field: use one of " + ", ".join(_ops_for(spec)) + ".",
            field=f"{param}.op",
            tool=SEARCH,
        )
    if op in ("empty", "not_empty"):
        wants = op == "empty"
        return Condition(
            spec, f"{spec.name} {op.replace('_', ' ')}", lambda d: wants == (not items(d))
        )
    if value is None or str(value).strip() == "":
        raise ToolInputError(
            f"Give a value to compare {spec.name} with.", field=f"{param}.value", tool=SEARCH
        )
    label = f"{spec.name} {op} {value}"
    key, wanted = _comparable(client, spec, value, f"{param}.value", zone)
    if op == "contains":
        needle = _norm(str(value))
        return Condition(
            spec, label, lambda d: any(needle in _norm(item_text(spec, i)) for i in items(d))
        )
    if op == "!=":
        return Condition(spec, label, lambda d: not any(key(i) == wanted for i in items(d)))
    if op == "=" and spec.type == "dropdown":
        return Condition(
            spec,
            label,
            lambda d: any(key(i) == wanted for i in items(d)),
            _any_of(spec, "dropdownOptionId", [wanted]),
        )
    compare = _COMPARE[op]
    return Condition(
        spec,
        label,
        lambda d: any(k is not None and compare(k, wanted) for k in map(key, items(d))),
    )


def _comparable(
    client: AffinityClient, spec: FieldSpec, value: Any, param: str, zone: tzinfo
) -> tuple[Callable[[Any], Any], Any]:
    """(key of one stored item, the wanted key) for comparing ``value`` with the field."""
    if spec.type == "number":
        number = parse_number(value)
        if number is None:
            raise ToolInputError(
                f"{spec.name} holds numbers: “{value}” is not one (try 5000000 or 5M).",
                field=param,
                tool=SEARCH,
            )
        return (lambda i: i if isinstance(i, int | float) else None), number
    if spec.type == "date":
        day = parse_day(value, zone)
        if day is None:
            raise ToolInputError(
                f"{spec.name} holds dates: “{value}” is not one (try 2026-11-30 or today).",
                field=param,
                tool=SEARCH,
            )
        return _day_of, day
    if spec.is_dropdown:
        option = spec.option(str(value), SEARCH, param)
        if spec.type == "ranked-dropdown":
            return (lambda i: (i or {}).get("rank")), option.get("rank")
        return (lambda i: (i or {}).get("dropdownOptionId")), option["id"]
    if spec.type in ("person", "organization"):
        text = str(value).strip()
        if text.casefold() == "me" and spec.type == "person":
            return (lambda i: (i or {}).get("id")), my_person_id(client)
        if text.lstrip("#").isdigit():
            return (lambda i: (i or {}).get("id")), int(text.lstrip("#"))
        wanted = _norm(text)
        return (lambda i: _name_matches(item_text(spec, i), wanted) or None), True
    return (lambda i: _norm(item_text(spec, i))), _norm(str(value))


def _day_of(item: Any) -> date | None:
    try:
        return date.fromisoformat(calendar_date(str(item))[:10])
    except ValueError:
        return None


def _name_matches(name: str, wanted: str) -> bool:
    """Every word typed starts a word of the name (``maya`` and ``m patel`` match Maya Patel)."""
    words = _norm(name).split()
    return bool(wanted) and all(any(w.startswith(t) for w in words) for t in wanted.split())


def _stage_condition(meta: ListMeta, stages: list[str]) -> Condition:
    status = _status_spec(meta, "stage")
    options = [status.option(s, SEARCH, "stage") for s in stages]
    ids = {o["id"] for o in options}
    label = f"{status.name} = " + " or ".join(str(o.get("text")) for o in options)
    return Condition(
        status,
        label,
        lambda d: any((i or {}).get("dropdownOptionId") in ids for i in items(d)),
        _any_of(status, "dropdownOptionId", sorted(ids)),
    )


def _status_spec(meta: ListMeta, param: str) -> FieldSpec:
    if meta.status_field is None:
        raise ToolInputError(
            f"The list {meta.name} has no stage (Status) field.", field=param, tool=SEARCH
        )
    return find_field(meta, meta.status_field, SEARCH, param)


def _owner_condition(
    client: AffinityClient,
    meta: ListMeta,
    owner: str,
    entries: list[dict[str, Any]],
    narrowed: bool = False,
) -> Condition:
    """Owners include ``owner``: ``me``, a person id, or a name matched against the owners
    present on the list (a name matching none or several people is an error naming them)."""
    if meta.owners_field is None:
        raise ToolInputError(
            f"The list {meta.name} has no Owners field.", field="owner", tool=SEARCH
        )
    spec = find_field(meta, meta.owners_field, SEARCH, "owner")
    text = owner.strip()
    if text.casefold() == "me" or text.lstrip("#").isdigit():
        wanted = my_person_id(client) if text.casefold() == "me" else int(text.lstrip("#"))
        return Condition(
            spec,
            f"{spec.name} include " + ("me" if text.casefold() == "me" else f"person {wanted}"),
            lambda d: any((i or {}).get("id") == wanted for i in items(d)),
            _any_of(spec, "id", [wanted]),
        )
    people: dict[int, str] = {}
    for entry in entries:
        for item in items(entry_field(entry, spec)):
            if isinstance(item, dict) and item.get("id") is not None:
                people[item["id"]] = person_name(item)
    hits = {pid: name for pid, name in people.items() if _name_matches(name, _norm(text))}
    if not hits and narrowed:  # only the entries other filters kept were read: none is theirs
        return Condition(
            spec, f"{spec.name} include “{owner}” (none of these deals)", lambda d: False
        )
    if len(hits) != 1:
        known = sorted(set(people.values()))
        reason = (
            f"“{owner}” matches several owners: {', '.join(sorted(hits.values()))}."
            if hits
            else f"No owner on {meta.name} is called “{owner}”. Owners: {', '.join(known)}."
        )
        raise ToolInputError(reason, field="owner", tool=SEARCH)
    ((pid, name),) = hits.items()
    return Condition(
        spec,
        f"{spec.name} include {name}",
        lambda d: any((i or {}).get("id") == pid for i in items(d)),
    )


def _text_condition(text: str, found: tuple[set[int], set[int]] | None = None) -> Condition:
    """The text in the row's name or its organizations' or people's names; or, with ``found``
    (ids Affinity's search gave for the text: people, organizations), one of those."""
    needle = _norm(text)
    people, orgs = found or (set(), set())

    def test(row: Any) -> bool:
        names = [row.get("name") or ""]
        names += [o.get("name") or "" for o in row.get("organizations") or []]
        names += [p.get("name") or "" for p in row.get("people") or []]
        return (
            any(needle in _norm(n) for n in names)
            or any(o.get("id") in orgs for o in row.get("organizations") or [])
            or any(p.get("id") in people for p in row.get("people") or [])
        )

    return Condition(None, f"text “{text}”", test)


# ---- rows, sorting, totals ---------------------------------------------------------------------


def _row(entry: dict[str, Any], meta: ListMeta, shown: list[FieldSpec]) -> ListEntryRow:
    deal = deal_from_v2_entry(entry, meta)
    entity = entry.get("entity") or {}
    kind = ENTITY_TYPES.get(str(entry.get("type")), "opportunity")
    if kind == "person":
        deal["name"] = person_name(entity) or None
    matched: list[DealField] = []
    for spec in shown:
        text = value_text(spec, entry_field(entry, spec))
        if text is not None:
            matched.append({"id": spec.id, "name": spec.name, "value": text})
    return cast(ListEntryRow, {**deal, "entity_type": kind, "matched": matched})


def _sort_key(meta: ListMeta, sort_by: str) -> tuple[FieldSpec | None, Callable[..., Any]]:
    word = _norm(sort_by)
    if word == "name":
        return None, lambda row, entry: _norm(row.get("name") or "")
    if word in ("created", "added", "created at", "date added"):
        return None, lambda row, entry: row.get("created_at") or ""
    spec = find_field(meta, sort_by, SEARCH, "sort_by")

    def key(row: Any, entry: dict[str, Any]) -> Any:
        data = items(entry_field(entry, spec))
        if not data:
            return None
        first = data[0]
        if spec.type == "ranked-dropdown":
            return (first or {}).get("rank")
        if spec.type == "number":
            return sum(i for i in data if isinstance(i, int | float))
        if spec.type == "date":
            return _day_of(first)
        return _norm(item_text(spec, first))

    return spec, key


def _totals(rows: list[ListEntryRow]) -> tuple[EntryTotals, list[StageTotal]]:
    def money(group: list[ListEntryRow]) -> int | float | None:
        values = [r["value"] for r in group if r.get("value") is not None]
        return sum(cast(list[float], values)) if values else None

    currencies = {r.get("currency") for r in rows if r.get("value") is not None}
    currencies.discard(None)
    total: EntryTotals = {
        "count": len(rows),
        "amount": money(rows),
        "currency": currencies.pop() if len(currencies) == 1 else None,
    }
    groups: dict[Any, list[ListEntryRow]] = {}
    for row in rows:
        stage_ref = cast(dict[str, Any], row.get("stage") or {})
        groups.setdefault(stage_ref.get("id"), []).append(row)

    def order(key: Any) -> tuple[bool, int]:
        stage = cast(dict[str, Any], groups[key][0].get("stage") or {})
        return (key is None, stage.get("rank") or 0)

    stages: list[StageTotal] = [
        {"stage": groups[k][0].get("stage"), "count": len(groups[k]), "amount": money(groups[k])}
        for k in sorted(groups, key=order)
    ]
    return total, stages


# ---- the search --------------------------------------------------------------------------------


def search_list_entries(client: AffinityClient, inp: dict[str, Any]) -> SearchListEntriesResult:
    meta = list_meta(client, inp["list_id"])
    view_id = inp.get("view_id")
    asked = [k for k in ("stage", "owner", "where", "text") if inp.get(k)]
    if view_id is not None and asked:
        raise ToolInputError(
            "A saved view brings its own filters: give view_id alone, or filters without it.",
            field=asked[0],
            tool=SEARCH,
        )
    stages = inp.get("stage") or []
    stages = [stages] if isinstance(stages, str) else stages
    wheres = [
        (w["field"], w["op"], w.get("value"), f"where[{n}]")
        for n, w in enumerate(inp.get("where") or [])
    ]
    # Everything that can be checked before reading the list is checked first.
    conditions = [_stage_condition(meta, stages)] if stages else []
    zone = zone_of(inp, SEARCH, PACIFIC.key)
    conditions += [condition(client, meta, *w, zone=zone) for w in wheres]
    sort_spec, sort_key = _sort_key(meta, inp["sort_by"]) if inp.get("sort_by") else (None, None)
    owner = inp.get("owner") or ""
    by_id = owner.strip().casefold() == "me" or owner.strip().lstrip("#").isdigit()
    if owner and by_id:
        conditions.append(_owner_condition(client, meta, owner, []))
    view: SavedViewRef | None = None
    offset, continues_v1 = _offset(inp)
    if view_id is not None:
        view = _view(client, meta, view_id)
        path = f"/v2/lists/{meta.id}/saved-views/{view_id}/list-entries"
        read = Read(_read(client, meta, path, {"limit": 100}))
    else:
        fields = _field_ids(meta, conditions, sort_spec)
        read = _entries(
            client, meta, fields, [c.server for c in conditions if c.server], continues_v1
        )
    entries, through_v1 = read.entries, read.through_v1
    looked_at = [c.spec for c in conditions if c.spec] + ([sort_spec] if sort_spec else [])
    if through_v1:  # names of the people and organizations that filters and sort compare
        owners = [find_field(meta, meta.owners_field, SEARCH, "owner")] if meta.owners_field else []
        name_records(client, entries, looked_at + owners, associations=False)
    if owner and not by_id:
        conditions.append(_owner_condition(client, meta, owner, entries, read.narrowed))
    shown = _unique_specs(
        [c.spec for c in conditions if c.spec] + ([sort_spec] if sort_spec else [])
    )
    pairs = [(_row(e, meta, shown), e) for e in entries]
    text = None
    if inp.get("text"):
        found = found_by_text(client, inp["text"]) if through_v1 else None
        text = _text_condition(inp["text"], found)
    matching = [
        (row, entry)
        for row, entry in pairs
        if all(c.test(entry_field(entry, c.spec)) for c in conditions if c.spec)
        and (text is None or text.test(row))
    ]
    if sort_key is not None:
        present = [p for p in matching if sort_key(*p) is not None]
        absent = [p for p in matching if sort_key(*p) is None]
        present.sort(key=lambda p: sort_key(*p), reverse=bool(inp.get("descending")))
        matching = present + absent  # no value: last, whatever the direction
    rows = [row for row, _ in matching]
    total, by_stage = _totals(rows)
    end = offset + inp["page_size"]
    page = matching[offset:end]
    if through_v1:  # the rows shown name everyone on them
        name_records(client, [e for _, e in page], field_specs(meta), associations=True)
        page = [(_row(e, meta, shown), e) for _, e in page]
    labels = [c.label for c in conditions] + ([text.label] if text else [])
    if read.cut or (not through_v1 and len(entries) >= MAX_ENTRIES):
        cap = V1_MAX_ENTRIES if through_v1 else MAX_ENTRIES
        labels.append(f"only the first {cap} entries of the list were searched")
    next_offset = f"{end}:v1" if through_v1 else str(end)
    return {
        "list": typed_ref(meta),
        "entries": [row for row, _ in page],
        "total": total,
        "stages": by_stage,
        "filters": labels,
        "view": view,
        "next_page_token": (
            encode_page_token(PageCursor("v1", next_offset), SEARCH, inp)
            if end < len(rows)
            else None
        ),
    }


@dataclass(frozen=True)
class Read:
    """The entries a search looks at, and how they were read."""

    entries: list[dict[str, Any]]
    through_v1: bool = False
    cut: bool = False
    """The V1 read left entries out (the list is longer than V1_MAX_ENTRIES)."""
    narrowed: bool = False
    """Only the entries that passed the filters Affinity applied were read."""


def _entries(
    client: AffinityClient,
    meta: ListMeta,
    field_ids: list[str],
    pushed: list[dict[str, Any]],
    continues_v1: bool,
) -> Read:
    """The list's entries through V2 (its search when some filters can be ``pushed``, else
    the list), or through V1 for a key that may not export list data. A next page is read
    through the API version that served the first, so that its order is the same."""
    params = {"limit": 100, "fieldIds": field_ids}

    def through_v2() -> Read:
        found = _search(client, meta, params, pushed) if pushed else None
        if found is not None:
            return Read(found, narrowed=True)
        return Read(_read(client, meta, f"/v2/lists/{meta.id}/list-entries", params))

    def through_v1() -> Read:
        found, cut = read_entries_v1(client, meta)
        return Read(found, through_v1=True, cut=cut)

    if continues_v1:
        return through_v1()
    return v2_or_fallback(client, LIST_EXPORT, through_v2, through_v1)


def _read(
    client: AffinityClient, meta: ListMeta, path: str, params: dict[str, Any]
) -> list[dict[str, Any]]:
    entries = []
    for entry in client.iter_items(path, params, resource=f"list {meta.id}"):
        entries.append(entry)
        if len(entries) >= MAX_ENTRIES:
            break
    return entries


def _search(
    client: AffinityClient, meta: ListMeta, params: dict[str, Any], pushed: list[dict[str, Any]]
) -> list[dict[str, Any]] | None:
    """The entries that pass ``pushed`` (V2 ``POST …/list-entries/search``, beta), 100 a
    request: fewer requests than reading the whole list when the filters are selective. None
    when Affinity does not offer the search (400/404; it is in beta since 2026-06-19), which is
    then not asked again for this key: the caller reads the list instead."""
    if not allows(client, LIST_ENTRY_SEARCH):
        return None
    body = {"filters": {"operator": "and", "filters": pushed}}
    path = f"/v2/lists/{meta.id}/list-entries/search"
    entries: list[dict[str, Any]] = []
    query = dict(params)
    try:
        while len(entries) < MAX_ENTRIES:
            page = v2_page(
                client.request(
                    "POST",
                    path,
                    params=query,
                    json=body,
                    idempotent=True,
                    resource=f"list {meta.id}",
                )
            )
            entries += page.items
            cursor = _cursor_of(page.next)
            if cursor is None:
                break
            query = {**params, "cursor": cursor}
    except (InvalidRequestError, NotFoundError):
        if entries:
            raise
        learn(client, LIST_ENTRY_SEARCH, False)
        return None
    return entries[:MAX_ENTRIES]


def _cursor_of(nxt: PageCursor | None) -> str | None:
    if nxt is None:
        return None
    values = parse_qs(urlsplit(nxt.value).query).get("cursor")
    return values[0] if values else None


def _offset(inp: dict[str, Any]) -> tuple[int, bool]:
    """(where the page starts, whether the first page was read through V1)."""
    cursor = decode_page_token(inp.get("page_token"), SEARCH, inp, path="offset")
    if cursor is None:
        return 0, False
    value, _, route = cursor.value.partition(":")
    if not value.isdigit() or route not in ("", "v1"):
        raise ToolInputError("page_token is malformed; omit it.", field="page_token", tool=SEARCH)
    return int(value), route == "v1"


def _unique_specs(specs: list[FieldSpec]) -> list[FieldSpec]:
    return list({s.id: s for s in specs}.values())


def _field_ids(meta: ListMeta, conditions: list[Condition], sort: FieldSpec | None) -> list[str]:
    """Only the fields the answer needs: the deal's own (stage, amount, currency, owners,
    people, organizations) and those filtered or sorted on."""
    ids = [
        f"field-{i}"
        for i in (meta.status_field, meta.amount_field, meta.currency_field, meta.owners_field)
        if i is not None
    ]
    ids += [c.spec.v2_id for c in conditions if c.spec] + ([sort.v2_id] if sort else [])
    if meta.type == "opportunity":
        ids += ["persons", "companies"]
    return list(dict.fromkeys(ids)) or [s.v2_id for s in field_specs(meta)[:1]]


def _view(client: AffinityClient, meta: ListMeta, view_id: int) -> SavedViewRef:
    body = client.get(
        f"/v2/lists/{meta.id}/saved-views/{view_id}", resource=f"saved view {view_id}"
    )
    ref: SavedViewRef = {"id": body["id"], "name": body.get("name"), "type": body.get("type")}
    if ref["type"] != "sheet":
        raise ToolInputError(
            f"The saved view {ref['name']} is a {ref['type']} view; Affinity lists the entries "
            "of sheet views only. Pick a sheet view from affinity_list_saved_views.",
            field="view_id",
            tool=SEARCH,
        )
    return ref


# ---- saved views and deals by name --------------------------------------------------------------


def list_saved_views(client: AffinityClient, inp: dict[str, Any]) -> ListSavedViewsResult:
    meta = list_meta(client, inp["list_id"])
    views = client.iter_items(
        f"/v2/lists/{meta.id}/saved-views", {"limit": 100}, resource=f"list {meta.id}"
    )
    return {
        "list": typed_ref(meta),
        "views": [
            {
                "id": v["id"],
                "name": v.get("name"),
                "type": v.get("type"),
                "created_at": v.get("createdAt"),
            }
            for v in views
        ],
    }


def search_opportunities(client: AffinityClient, inp: dict[str, Any]) -> SearchOpportunitiesResult:
    """V1 ``GET /opportunities?term=`` (names), one request per page. Each deal carries its
    list's id, not its name: the caller knows the user's lists (``affinity_list_lists``), and
    naming them here would cost a second request.

    Affinity matches the term as typed, so "Acme Series A" misses a name with a dash between
    its words: when a first page of several words finds nothing, the longest word is searched
    once more and the names holding the words in order (punctuation aside) are kept."""
    term = inp["term"].strip()
    cursor = decode_page_token(inp.get("page_token"), FIND_DEALS, inp, path="/opportunities")
    page = _opportunity_page(client, term, inp["page_size"], cursor)
    found = page.items
    words = _norm(term).split()
    if not found and cursor is None and len(words) > 1:
        wider = _opportunity_page(client, max(words, key=len), 100, None)
        found = [
            o for o in wider.items if _norm(str(o.get("name") or "")).find(" ".join(words)) >= 0
        ]
        page = wider if found else page
        page_token = None
    else:
        page_token = encode_page_token(page.next, FIND_DEALS, inp)
    rows: list[FoundDeal] = []
    for opp in found[: inp["page_size"]]:
        entry = (opp.get("list_entries") or [{}])[0]
        rows.append(
            {
                "id": opp["id"],
                "name": opp.get("name"),
                "list_id": entry.get("list_id") or opp.get("list_id"),
            }
        )
    return {"opportunities": rows, "next_page_token": page_token}


def _opportunity_page(
    client: AffinityClient, term: str, size: int, cursor: PageCursor | None
) -> Any:
    return client.page(
        "/opportunities",
        {"term": term, "page_size": size},
        items_key="opportunities",
        cursor=cursor,
    )


_WHERE = {
    "type": "object",
    "properties": {
        "field": {
            "type": "string",
            "minLength": 1,
            "maxLength": 200,
            "description": "Field name or id (from affinity_list_fields).",
        },
        "op": {"type": "string", "enum": list(OPS), "description": "How to compare."},
        "value": {
            "type": ["string", "number"],
            "description": "A number (5000000 or 5M), a date (2026-11-30, today), an option's "
            "text, a name, or 'me' for a person field. Not needed for empty / not_empty.",
        },
    },
    "required": ["field", "op"],
    "additionalProperties": False,
}

TOOLS = [
    Tool(
        name=SEARCH,
        description=(
            "Entries of one list (list_id from affinity_list_lists) that match every filter "
            "given: stage (one or several stage names), owner ('me', a name or a person id), "
            "where (field conditions: =, !=, <, >, <=, >=, contains, empty, not_empty), and "
            "text (in the name, organizations or people). Sorted by sort_by (name, created, "
            "stage, amount or any field), 25 per page. total and stages count and sum the "
            "amounts of ALL matching entries, not only this page. Or give view_id alone for "
            "the entries of a saved sheet view (affinity_list_saved_views). Unknown stages, "
            "options or fields are answered with the valid ones."
        ),
        input_schema=obj(
            {
                "list_id": id_prop("Id of a list."),
                "stage": {
                    "type": ["string", "array"],
                    "items": {"type": "string", "minLength": 1},
                    "maxItems": 20,
                    "minLength": 1,
                    "description": "A stage name, or several (any of them).",
                },
                "owner": {
                    "type": "string",
                    "minLength": 1,
                    "maxLength": 200,
                    "description": "'me', a colleague's name, or a person id.",
                },
                "where": {
                    "type": "array",
                    "items": _WHERE,
                    "maxItems": 20,
                    "description": "Field conditions, all of which an entry meets.",
                },
                "text": {
                    "type": "string",
                    "minLength": 1,
                    "maxLength": 200,
                    "description": "Words in the entry's name, its organizations or people.",
                },
                "sort_by": {
                    "type": "string",
                    "minLength": 1,
                    "maxLength": 200,
                    "description": "name, created, or a field name (stage, amount, …).",
                },
                "descending": {
                    "type": "boolean",
                    "default": False,
                    "description": "Sort from the highest (or latest) first.",
                },
                "view_id": id_prop("A saved sheet view of the list; no other filters with it."),
                "time_zone": time_zone_prop(
                    "America/Los_Angeles, where Affinity keeps dates",
                    "whose today, yesterday and tomorrow a where value names (the user's)",
                ),
                "page_size": page_size(100, 25),
                "page_token": PAGE_TOKEN,
            },
            required=["list_id"],
        ),
        writes=False,
        function=search_list_entries,
    ),
    Tool(
        name=VIEWS,
        description=(
            "The saved views of one list (list_id from affinity_list_lists): id, name, type "
            "(sheet, board or dashboard) and when it was created. A sheet view's entries come "
            "from affinity_search_list_entries with view_id."
        ),
        input_schema=obj({"list_id": id_prop("Id of a list.")}, required=["list_id"]),
        writes=False,
        function=list_saved_views,
    ),
    Tool(
        name=FIND_DEALS,
        description=(
            "Deals (opportunities) whose name contains term, on every list this user can see: "
            "id, name and list_id (the list's name is in affinity_list_lists). Use the id "
            "with affinity_get_opportunity or affinity_update_field_values."
        ),
        input_schema=obj(
            {
                "term": {
                    "type": "string",
                    "minLength": 1,
                    "maxLength": 200,
                    "pattern": r"\S",
                    "description": "Words in the deal's name, e.g. 'acme'.",
                },
                "page_size": page_size(100, 10),
                "page_token": PAGE_TOKEN,
            },
            required=["term"],
        ),
        writes=False,
        function=search_opportunities,
    ),
]
