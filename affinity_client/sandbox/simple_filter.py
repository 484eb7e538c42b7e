"""The `filter` query parameter of the small V2 collections (users, webhooks, relationships).

Their specs allow a few properties each, combined as in the examples (`id=1|id=2|id=3`,
`interactionScore>=0.5`): `|` between alternatives, `&` between conditions that must all hold.
A property or operator the endpoint's table does not list is a 400 `validation` error on
`filter`, never silently ignored.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from .web import ApiError

Condition = Callable[[dict[str, Any]], bool]
Parser = Callable[[str], Any]
"""Turns the text after the operator into a comparable value (raises ValueError if it can't)."""

_TERM = re.compile(r"^\s*([A-Za-z][\w.]*)\s*(>=|<=|!=|=|>|<)\s*(.*?)\s*$")
_OPS: dict[str, Callable[[Any, Any], bool]] = {
    "=": lambda a, b: a == b,
    ">": lambda a, b: a is not None and a > b,
    "<": lambda a, b: a is not None and a < b,
    ">=": lambda a, b: a is not None and a >= b,
    "<=": lambda a, b: a is not None and a <= b,
}


def compile_filter(
    text: str | None, allowed: dict[str, tuple[tuple[str, ...], Parser]]
) -> Callable[[dict[str, Any]], bool]:
    """A predicate over records (keyed by property name) for `text`; `allowed` maps each
    property to its operators and value parser. Empty or absent text matches everything."""
    if text is None or not text.strip():
        return lambda _rec: True
    groups: list[list[Condition]] = []
    for alternative in text.split("|"):
        group = []
        for term in alternative.split("&"):
            group.append(_condition(term, allowed))
        groups.append(group)
    return lambda rec: any(all(cond(rec) for cond in group) for group in groups)


def _condition(term: str, allowed: dict[str, tuple[tuple[str, ...], Parser]]) -> Condition:
    match = _TERM.match(term)
    if match is None:
        raise ApiError(400, f"Invalid filter condition {term.strip()!r}", "filter")
    prop, op, raw = match.groups()
    if prop not in allowed:
        raise ApiError(
            400, f"Cannot filter on {prop!r}; filterable: {', '.join(allowed)}", "filter"
        )
    ops, parse = allowed[prop]
    if op not in ops:
        raise ApiError(
            400, f"Operator {op} is not allowed on {prop}; use {', '.join(ops)}", "filter"
        )
    try:
        value = parse(raw.strip('"'))
    except (ValueError, TypeError):
        raise ApiError(400, f"Invalid value {raw!r} for {prop}", "filter") from None
    compare = _OPS[op]
    return lambda rec: compare(rec.get(prop), value)
