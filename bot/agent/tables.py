"""Lists of records as tables: each key written once, not once per record.

A list of two or more records (``[{"id": 1, "name": "Acme"}, {"id": 2, "name": "Beta"}]``)
is given to the model as::

    {"columns": ["id", "name"], "rows": [[1, "Acme"], [2, "Beta"]]}

when that is shorter. A record inside a record whose values are all plain (a deal's stage, a
reminder's owner) becomes columns named ``key.subkey`` (``"stage.text"``); a value every row
shares is given once in ``"every_row"`` (``{"owner.name": "Maya Patel"}``); where the same
people recur, ``"names"`` gives each ``x.id``'s name once (``{"changed_by": {"1002": "Daniel
Okafor"}}``) instead of an ``x.name`` column; ``null`` in a row
means no value, and a row shorter than ``columns`` has none for the columns after its end.
The system prompt tells the model how to read this (bot/agent/prompt.py), and
:func:`expand_tables` turns it back into records for the code that reads results (digests,
names for proposals, tests).
"""

from __future__ import annotations

import json
from typing import Any

COLUMNS, ROWS, EVERY_ROW, NAMES = "columns", "rows", "every_row", "names"
MIN_ROWS = 2
_AS_IS = frozenset({"continue_with"})
"""A call the model is to repeat exactly (a cut page's rest): its input keeps its own shape."""
_SEP = "."


def tabulate(value: Any) -> Any:
    """``value`` with every list of records written as a table where that is shorter."""
    if isinstance(value, dict):
        return {k: v if k in _AS_IS else tabulate(v) for k, v in value.items()}
    if not isinstance(value, list):
        return value
    items = [tabulate(x) for x in value]
    if len(items) < MIN_ROWS or not all(isinstance(x, dict) and x for x in items):
        return items
    table = _table(items)
    if table is None or len(to_json(table)) >= len(to_json(items)):
        return items
    return table


def expand_tables(value: Any) -> Any:
    """The inverse of :func:`tabulate`: every table back to a list of records (no ``null``s)."""
    if isinstance(value, list):
        return [expand_tables(x) for x in value]
    if not isinstance(value, dict):
        return value
    if _is_table(value):
        every = {c: expand_tables(v) for c, v in (value.get(EVERY_ROW) or {}).items()}
        names = value.get(NAMES) or {}
        records = []
        for row in value[ROWS]:
            record = {c: expand_tables(v) for c, v in zip(value[COLUMNS], row, strict=False)}
            record.update(every)
            for prefix, by_id in names.items():
                ident = record.get(f"{prefix}{_SEP}id")
                if ident is not None:
                    record[f"{prefix}{_SEP}name"] = by_id.get(str(ident))
            records.append(_unflatten(record))
        return records
    return {k: expand_tables(v) for k, v in value.items()}


def _table(items: list[dict[str, Any]]) -> dict[str, Any] | None:
    """The shorter of two tables: nested records as ``key.subkey`` columns, or only those every
    item has (a nested record few items have, such as a recurrence, costs more columns than
    it saves)."""
    common = set.intersection(*(set(x) for x in items))
    tables = [
        _table_of(items, spread, named) for spread in (None, common) for named in (False, True)
    ]
    return min((t for t in tables if t), key=lambda t: len(to_json(t)), default=None)


def _table_of(
    items: list[dict[str, Any]], spread: set[str] | None, named: bool
) -> dict[str, Any] | None:
    flat = [_flatten(x, spread) for x in items]
    records = [r for r in flat if r is not None]
    if len(records) < len(flat):
        return None
    names = _names(records) if named else {}
    present: dict[str, int] = {}
    for record in records:
        for key in record:
            present[key] = present.get(key, 0) + 1
    every = {
        k: records[0][k]
        for k, n in present.items()
        if n == len(records) and all(r[k] == records[0][k] for r in records)
    }
    # columns every row has first (in their order), then the sparser ones, so that a row's
    # trailing empty cells can be left off
    columns = sorted((k for k in present if k not in every), key=lambda k: -present[k])
    if not columns:
        return None
    rows = []
    for record in records:
        row = [record.get(c) for c in columns]
        while row and row[-1] is None:
            row.pop()
        rows.append(row)
    table: dict[str, Any] = {COLUMNS: columns}
    if names:
        table[NAMES] = names
    if every:
        table[EVERY_ROW] = every
    table[ROWS] = rows
    return table


def _names(records: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """For each ``x.id`` / ``x.name`` column pair whose ids always carry the same name, the
    names by id, given once (``{"changed_by": {"1002": "Daniel Okafor"}}``); the ``x.name``
    values are taken out of ``records``."""
    names: dict[str, dict[str, Any]] = {}
    prefixes = {k[: -len(".name")] for r in records for k in r if k.endswith(_SEP + "name")}
    for prefix in sorted(prefixes):
        ident, name = f"{prefix}{_SEP}id", f"{prefix}{_SEP}name"
        by_id: dict[str, Any] = {}
        for record in records:
            if (record.get(ident) is None) != (record.get(name) is None):
                break
            if record.get(ident) is not None and (
                by_id.setdefault(str(record[ident]), record[name]) != record[name]
            ):
                break
        else:
            if by_id:
                names[prefix] = by_id
                for record in records:
                    record.pop(name, None)
    return names


def _flatten(record: dict[str, Any], spread: set[str] | None) -> dict[str, Any] | None:
    """One level of plain nested records (those under a key in ``spread``; all when None) as
    ``key.subkey``; None when a key would be ambiguous (it has a dot already)."""
    out: dict[str, Any] = {}
    for key, value in record.items():
        if _SEP in key:
            return None
        if (
            (spread is None or key in spread)
            and isinstance(value, dict)
            and value
            and all(_plain(v) for v in value.values())
        ):
            if any(_SEP in k for k in value):
                return None
            out.update({f"{key}{_SEP}{k}": v for k, v in value.items()})
        else:
            out[key] = value
    return out


def _plain(value: Any) -> bool:
    return not isinstance(value, dict | list)


def _unflatten(record: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in record.items():
        if value is None:
            continue
        if _SEP in key:
            outer, inner = key.split(_SEP, 1)
            out.setdefault(outer, {})[inner] = value
        else:
            out[key] = value
    return out


def _is_table(value: dict[str, Any]) -> bool:
    return (
        set(value) <= {COLUMNS, ROWS, EVERY_ROW, NAMES}
        and isinstance(value.get(COLUMNS), list)
        and isinstance(value.get(ROWS), list)
        and all(isinstance(r, list) for r in value[ROWS])
    )


def to_json(value: Any) -> str:
    """JSON as the model is given it: no spaces, non-ASCII text as is."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def read_result(text: str) -> Any:
    """A tool_result's JSON as records (its tables expanded); ValueError when it is not JSON."""
    return expand_tables(json.loads(text))
