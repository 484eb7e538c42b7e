"""Tool results as the model sees them: compact JSON, size-bounded, and never cut silently.

The catalog's results are already normalised (see docs/tool-results.md). Here we drop ``null``
values and empty lists (absent means unknown to the model), what a result says twice (see
``_prune``), the emails and domains of records listed inside a record (``_slim_refs``), and
trim long strings such as note bodies. A result still over the budget is made smaller in steps,
each tried only when the one before was not enough:

1. nested records inside the items keep only id, name and text (no emails, domains, ranks);
2. long text is trimmed harder (down to ``_MIN_TEXT`` characters);
3. nested records become just their names (``"owners": ["Daniel Okafor"]``);
4. each item keeps only its key fields (id, name, stage, value, content…).

Only then are items dropped, from the end of the page, and the result says how many and how
to get them: ``"cut": {"shown", "left_out", "continue_with": {"tool", "input"}}`` where the
input is the same call with ``skip`` (the tool then answers the rest of that same page, with
its ``next_page_token``). A tool without a page to continue says so and names what to ask.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from bot.agent.tables import tabulate, to_json

_MIN_TEXT = 120
_REF_KEYS = ("id", "name", "text")
_VERBATIM = frozenset({"next_page_token", "page_token", "continue_with"})  # never trimmed
_KEY_FIELDS = (
    "id",
    "name",
    "stage",
    "value",
    "currency",
    "type",
    "content",
    "created_at",
    "primary_email",
    "domain",
    "list_id",
    "list_name",
    "size",
)
SHRUNK_NOTE = (
    "Items are shown with fewer fields to fit; the get tool of one item gives its full record."
)


@dataclass(frozen=True)
class PageSpec:
    """What a cut page needs to be continued: the call that produced it and its items' key."""

    tool: str
    tool_input: dict[str, Any]
    items_key: str


def compact_result(
    result: Any, *, max_chars: int, text_max: int, page: PageSpec | None = None
) -> str:
    """The tool_result content for ``result``: at most ``max_chars`` characters of JSON.

    A continued page (its input has ``skip``) shows its first item whole, text untrimmed, when
    it fits in half the budget: that is how the model reads one item whose text was shortened.
    """
    budget = max_chars
    while True:
        text = _as_tables(_compact_records(result, budget, text_max, page))
        # a continued page's first item, added whole, can change its table's shape
        if len(text) <= max_chars or budget < max_chars // 2:
            return text
        budget -= len(text) - max_chars


def _as_tables(text: str) -> str:
    """The final text with its lists of records as tables (bot/agent/tables.py): never longer,
    so every budget above still holds."""
    try:
        data = json.loads(text)
    except ValueError:
        return text
    return to_json(tabulate(data))


def _fits(text: str, max_chars: int) -> bool:
    """Whether ``text`` is within the budget as the model will be given it (with tables)."""
    return len(text) <= max_chars or len(_as_tables(text)) <= max_chars


def _compact_records(result: Any, max_chars: int, text_max: int, page: PageSpec | None) -> str:
    """``compact_result`` with records written out in full (no tables yet)."""
    pruned = _slim_refs(_prune(result))
    items = _items(pruned, page.items_key) if page is not None else None
    if page is not None and items and page.tool_input.get("skip"):
        first = to_json(items[0])
        if len(first) <= max_chars // 2:
            rest = PageSpec(
                page.tool, {**page.tool_input, "skip": page.tool_input["skip"] + 1}, page.items_key
            )
            text = _compact(
                _with_items(pruned, page.items_key, items[1:]),
                max_chars - len(first) - 1,
                text_max,
                rest,
            )
            return _prepend_item(text, page.items_key, items[0])
    return _compact(pruned, max_chars, text_max, page)


def _compact(pruned: Any, max_chars: int, text_max: int, page: PageSpec | None) -> str:
    shaped = _trim_strings(pruned, text_max)
    text = to_json(_with_trim_note(shaped, pruned, page))
    if _fits(text, max_chars):
        return text
    longest = _longest_string(pruned)
    base: Any = pruned
    for limit, level in _stages(text_max, longest):
        # level 1 at each text limit starts from the original; levels 2 and 3 build on it
        base = (
            _map_items(_trim_strings(pruned, limit), _refs_to_ref_keys)
            if level == 1
            else _map_items(base, _refs_to_names if level == 2 else _key_fields)
        )
        shaped = _with_trim_note(_with_note(base), pruned, page)
        text = to_json(shaped)
        if _fits(text, max_chars):
            return text
    if page is not None and _items(shaped, page.items_key) is not None:
        return _cut_page(shaped, page, max_chars)
    return _cut_longest_list(shaped, max_chars)


TRIMMED_NOTE = (
    "Text ending in '… [N more characters]' was shortened. To read an item's text "
    "in full, call this tool again with the same inputs and skip set to the item's "
    "position on the page (its index in this list or its table's rows, plus this call's "
    "skip if any): "
    "it then comes first, whole."
)
_TRIM_MARK = re.compile(r"… \[\d+ more characters\]$")


def _with_trim_note(shaped: Any, pruned: Any, page: PageSpec | None) -> Any:
    """Say how to read shortened text in full, on a page where some was shortened."""
    if page is None or not isinstance(shaped, dict) or "trimmed" in shaped:
        return shaped
    if not _has_trimmed_text(_items(shaped, page.items_key) or []):
        return shaped
    return {**shaped, "trimmed": TRIMMED_NOTE}


def _has_trimmed_text(value: Any) -> bool:
    if isinstance(value, str):
        return bool(_TRIM_MARK.search(value))
    if isinstance(value, dict):
        return any(_has_trimmed_text(v) for v in value.values())
    if isinstance(value, list):
        return any(_has_trimmed_text(v) for v in value)
    return False


def _with_items(value: dict[str, Any], key: str, items: list[Any]) -> dict[str, Any]:
    return {**value, key: items}


def _prepend_item(text: str, key: str, item: Any) -> str:
    data = json.loads(text)
    if not isinstance(data, dict) or not isinstance(data.get(key), list):
        return text
    data[key] = [item, *data[key]]
    if isinstance(data.get("cut"), dict):
        data["cut"]["shown"] += 1
    return to_json(data)


# ---- shrinking: fewer fields, shorter text, every item kept -----------------------------------


def _stages(text_max: int, longest: int) -> list[tuple[int, int]]:
    """(text limit, item level) pairs, from the least to the most reduced; a shorter limit is
    tried only when some text is longer than it."""
    stages = [(text_max, 1)]
    limit = text_max // 2
    while limit > _MIN_TEXT and limit < longest:
        stages.append((limit, 1))
        limit //= 2
    if min(longest, text_max) > _MIN_TEXT:
        stages.append((_MIN_TEXT, 1))
    return [*stages, (_MIN_TEXT, 2), (_MIN_TEXT, 3)]


def _map_items(value: Any, shrink: Callable[[dict[str, Any]], dict[str, Any]]) -> Any:
    """Apply ``shrink`` to every record that is an item of a list (at any depth)."""
    if isinstance(value, dict):
        return {
            k: _map_items(v, shrink) if isinstance(v, dict | list) else v for k, v in value.items()
        }
    if isinstance(value, list):
        return [
            shrink(_map_items(x, shrink))
            if isinstance(x, dict)
            else _map_items(x, shrink)
            if isinstance(x, list)
            else x
            for x in value
        ]
    return value


def _ref(value: Any) -> Any:
    if isinstance(value, dict):
        kept = {k: value[k] for k in _REF_KEYS if k in value}
        return kept or value
    return value


def _map_nested(item: dict[str, Any], shrink: Callable[[Any], Any]) -> dict[str, Any]:
    """`item` with each nested record (a dict, or the dicts in a list) passed through `shrink`."""
    out: dict[str, Any] = {}
    for key, value in item.items():
        if isinstance(value, dict):
            out[key] = shrink(value)
        elif isinstance(value, list):
            out[key] = [shrink(x) for x in value]
        else:
            out[key] = value
    return out


def _refs_to_ref_keys(item: dict[str, Any]) -> dict[str, Any]:
    return _map_nested(item, _ref)


def _label(value: Any) -> Any:
    if isinstance(value, dict):
        for key in ("name", "text"):
            if value.get(key) is not None:
                return value[key]
        return value.get("id", value)
    return value


def _refs_to_names(item: dict[str, Any]) -> dict[str, Any]:
    return _map_nested(item, _label)


def _key_fields(item: dict[str, Any]) -> dict[str, Any]:
    kept = {k: item[k] for k in _KEY_FIELDS if k in item}
    return kept if "id" in kept else item


def _with_note(value: Any) -> Any:
    if isinstance(value, dict) and "compacted" not in value:
        return {**value, "compacted": SHRUNK_NOTE}
    return value


# ---- dropping items: only with a count and a way to get them ---------------------------------


def _items(value: Any, key: str) -> list[Any] | None:
    items = value.get(key) if isinstance(value, dict) else None
    return items if isinstance(items, list) else None


def _cut_page(shaped: dict[str, Any], page: PageSpec, max_chars: int) -> str:
    """Keep as many of the page's first items as fit, then say how to get the rest."""
    items = _items(shaped, page.items_key) or []
    already = int(page.tool_input.get("skip") or 0)

    def render(shown: int) -> str:
        left = len(items) - shown
        if left == 0:
            return to_json(shaped)
        resume = {k: v for k, v in page.tool_input.items() if k != "skip"}
        resume["skip"] = already + shown
        cut = {
            "shown": shown,
            "left_out": left,
            "how": f"{left} more items of this page are not shown. Call continue_with "
            "exactly to get them (then use next_page_token for the next page).",
            "continue_with": {"tool": page.tool, "input": resume},
        }
        return to_json({**shaped, page.items_key: items[:shown], "cut": cut})

    # the size of ``render(n)`` grows by each item's JSON and a comma: find n without rendering
    sizes = [len(to_json(item)) + 1 for item in items]
    fixed = len(render(0)) if len(items) == 0 else len(render(1)) - sizes[0]
    shown, total = 1, fixed + sizes[0]  # at least one item, so the reader always progresses
    while shown < len(items) and total + sizes[shown] + _CUT_SLACK <= max_chars:
        total += sizes[shown]
        shown += 1
    while shown > 1 and len(render(shown)) > max_chars:  # digits of the counts may differ
        shown -= 1
    # as a table the page holds more: the most items whose table still fits
    low, high = shown, len(items)
    while low < high:
        middle = (low + high + 1) // 2
        if len(_as_tables(render(middle))) <= max_chars:
            low = middle
        else:
            high = middle - 1
    shown = low
    text = render(shown)
    if not _fits(text, max_chars):  # one item bigger than the budget even at its key fields
        return to_json({"truncated_json": text[: max_chars - 40]})
    return text


def _cut_longest_list(shaped: Any, max_chars: int) -> str:
    """A result with no page to continue (a single record): its longest list is shortened with
    a count and what to ask instead. Rare: records are shrunk to their key fields first."""
    text = to_json(shaped)
    while not _fits(text, max_chars) and _shorten_longest_list(shaped):
        text = to_json(shaped)
    if not _fits(text, max_chars):  # a single huge scalar structure; last resort
        text = to_json({"truncated_json": text[: max_chars - 40]})
    return text


_MARK = "… "
_CUT_SLACK = 8  # the counts in the cut note may grow by a few digits


def _shorten_longest_list(value: Any) -> bool:
    """Shorten the longest list in place by about a tenth, noting the omission; False when
    nothing is left to shorten."""
    best: tuple[int, list[Any] | None] = (1, None)

    def walk(node: Any) -> None:
        nonlocal best
        if isinstance(node, dict):
            for v in node.values():
                walk(v)
        elif isinstance(node, list):
            items = [x for x in node if not _is_mark(x)]
            if len(items) > best[0]:
                best = (len(items), node)
            for v in node:
                walk(v)

    walk(value)
    target = best[1]
    if target is None:
        return False
    items = [x for x in target if not _is_mark(x)]
    total = _omitted_total(target) or len(items)
    keep = items[: max(1, len(items) - max(1, len(items) // 10))]
    target[:] = [
        *keep,
        f"{_MARK}{total - len(keep)} more not shown; get them with a narrower "
        "question (e.g. the get or search tool for one of them)",
    ]
    return True


def _is_mark(x: Any) -> bool:
    return isinstance(x, str) and x.startswith(_MARK)


def _omitted_total(items: list[Any]) -> int | None:
    for x in items:
        if _is_mark(x):
            shown = sum(1 for y in items if not _is_mark(y))
            return shown + int(x.split()[1])
    return None


# ---- the first pass ----------------------------------------------------------------------------


_TIMESTAMP = re.compile(r"^(\d{4}-\d\d-\d\dT\d\d:\d\d):\d\d(?:\.\d+)?(Z|[+-]\d\d:\d\d)?$")


def _prune(value: Any) -> Any:
    """Nothing the model needs is lost: no nulls or empty lists, nothing said twice (a plural
    list keeps only what its singular sibling does not say, so `"domains": ["acme.com"]`
    beside `"domain": "acme.com"` goes; first and last names beside the full name; an item's
    record that is its parent's, such as each deal's list on a page of one list; ranks that
    are just the options' order), no defaults (`"global": false`, a one-time reminder's
    type), and timestamps to the minute, in UTC (`2026-11-03T17:00Z`)."""
    if isinstance(value, dict):
        out = {k: _prune(v) for k, v in value.items()}
        if isinstance(out.get("fields"), list):
            out["fields"] = _fields_not_shown(out)
        out = {k: _others_than_singular(out, k, v) for k, v in out.items()}
        kept = {
            k: v
            for k, v in out.items()
            if v is not None
            and v != []
            and _DEFAULTS.get(k, _NO_DEFAULT) != v
            and not _repeats_name(out, k)
            and not (k == "type" and "content" in out and v in _PLAIN_NOTE_TYPES)
        }
        return {k: _without_parent_repeats(kept, v) for k, v in kept.items()}
    if isinstance(value, list):
        return _without_order_ranks([_prune(v) for v in value])
    if isinstance(value, str):
        return _to_the_minute(value)
    return value


def _to_the_minute(value: str) -> str:
    """A timestamp to the minute, as a UTC instant when it has an offset
    (``2026-11-03T09:00:00.000-08:00`` is ``2026-11-03T17:00Z``), as the system prompt says."""
    match = _TIMESTAMP.match(value)
    if not match:
        return value
    if match.group(2) in (None, "Z"):
        return match.group(1) + (match.group(2) or "")
    instant = dt.datetime.fromisoformat(match.group(1) + match.group(2)).astimezone(dt.UTC)
    return f"{instant:%Y-%m-%dT%H:%M}Z"


_NO_DEFAULT = object()
_DEFAULTS: dict[str, Any] = {
    "global": False,
    "multiple": False,
    "truncated": False,
    "type": "one-time",
}
"""Values whose absence reads as their usual value (the tool says when a company is global, a
field takes several values, there was more than it returned, or a reminder recurs)."""
_PLAIN_NOTE_TYPES = frozenset({"text", "html"})
"""A note's content is given as plain text either way; only email and notetaker notes say so."""
_NESTED_DETAIL = ("primary_email", "emails", "domain", "domains")
"""What a record listed inside another keeps back: its own get tool gives it."""


def _repeats_name(record: dict[str, Any], key: str) -> bool:
    """A first or last name beside the full name it makes up."""
    if key not in ("first_name", "last_name") or not isinstance(record.get("name"), str):
        return False
    parts = (record.get("first_name") or "", record.get("last_name") or "")
    return " ".join(p for p in parts if p) == record["name"]


def _without_parent_repeats(record: dict[str, Any], value: Any) -> Any:
    """Items of ``value`` (a list of records) without the records they share with ``record``
    (a page's list, repeated in each of its deals)."""
    if not isinstance(value, list):
        return value
    return [
        {
            k: v
            for k, v in item.items()
            if not (isinstance(v, dict) and k in record and record[k] == v)
        }
        if isinstance(item, dict)
        else item
        for item in value
    ]


def _without_order_ranks(items: list[Any]) -> list[Any]:
    """Options whose ranks only number them in order (1, 2, 3...) without the ranks."""
    if not items or not all(
        isinstance(x, dict) and x.get("rank") == n for n, x in enumerate(items, 1)
    ):
        return items
    return [{k: v for k, v in x.items() if k != "rank"} for x in items]


def _slim_refs(value: Any, in_record: bool = False) -> Any:
    """The records listed inside a record (a deal's people, an organization's people, each
    deal's organizations on a page) keep their id and name, not their emails or domains: the
    get tool of one gives them. Lists at the top of a result (search hits) keep everything."""
    if isinstance(value, list):
        return [
            _slim_ref(_slim_refs(x, in_record=True)) if in_record else _slim_refs(x) for x in value
        ]
    if isinstance(value, dict):
        record = "id" in value
        return {k: _slim_refs(v, in_record=record) for k, v in value.items()}
    return value


def _slim_ref(ref: Any) -> Any:
    if isinstance(ref, dict) and "id" in ref and "name" in ref:
        return {k: v for k, v in ref.items() if k not in _NESTED_DETAIL}
    return ref


def _fields_not_shown(record: dict[str, Any]) -> list[Any]:
    """A record's `fields` without those whose text the record already shows (a deal's Status,
    Amount and Owners are its `stage`, `value` and `owners`)."""
    shown = {str(v) for v in record.values() if isinstance(v, str | int | float)}
    for v in record.values():
        if isinstance(v, dict) and v.get("text") is not None:
            shown.add(str(v["text"]))
        if isinstance(v, list) and v and all(isinstance(x, dict) and "name" in x for x in v):
            shown.add(", ".join(str(x["name"]) for x in v))
    return [
        f for f in record["fields"] if not (isinstance(f, dict) and str(f.get("value")) in shown)
    ]


_SINGULAR_OF = {"emails": "primary_email", "domains": "domain"}


def _others_than_singular(record: dict[str, Any], key: str, value: Any) -> Any:
    """A plural list beside its singular sibling without the singular's value: `"emails"` next
    to `"primary_email"` are the other addresses (none left: the key goes), as the prompt says."""
    singular = _SINGULAR_OF.get(key)
    if singular is None or not isinstance(value, list) or record.get(singular) is None:
        return value
    return [x for x in value if x != record[singular]]


def _trim_strings(value: Any, limit: int) -> Any:
    if isinstance(value, str) and len(value) > limit:
        return value[:limit] + f"… [{len(value) - limit} more characters]"
    if isinstance(value, dict):
        return {k: v if k in _VERBATIM else _trim_strings(v, limit) for k, v in value.items()}
    if isinstance(value, list):
        return [_trim_strings(v, limit) for v in value]
    return value


def _longest_string(value: Any) -> int:
    if isinstance(value, str):
        return len(value)
    if isinstance(value, dict):
        return max((_longest_string(v) for k, v in value.items() if k not in _VERBATIM), default=0)
    if isinstance(value, list):
        return max((_longest_string(v) for v in value), default=0)
    return 0
