"""Tool results as the model sees them: compact JSON, long text trimmed, size bounded.

The catalog's results are already normalised (see docs/tool-results.md). Here we only drop
``null`` values and empty lists (absent means unknown to the model), trim long strings such as
note bodies, and, if the whole result is still too big, shorten the longest lists with a marker
saying how many items were left out.
"""

from __future__ import annotations

import json
from typing import Any

_MIN_TEXT = 120


def to_json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def compact_result(result: Any, *, max_chars: int, text_max: int) -> str:
    """The tool_result content for ``result``: at most ``max_chars`` characters of JSON."""
    pruned = _prune(result)
    limit = text_max
    while True:
        text = to_json(_trim_strings(pruned, limit))
        if len(text) <= max_chars or limit <= _MIN_TEXT:
            break
        limit //= 2
    shaped = _trim_strings(pruned, limit)
    while len(text) > max_chars and _shorten_longest_list(shaped):
        text = to_json(shaped)
    if len(text) > max_chars:  # a single huge scalar structure; last resort
        text = to_json({"truncated_json": text[: max_chars - 40]})
    return text


def _prune(value: Any) -> Any:
    if isinstance(value, dict):
        out = {k: _prune(v) for k, v in value.items()}
        return {k: v for k, v in out.items() if v is not None and v != []}
    if isinstance(value, list):
        return [_prune(v) for v in value]
    return value


def _trim_strings(value: Any, limit: int) -> Any:
    if isinstance(value, str) and len(value) > limit:
        return value[:limit] + f"… [{len(value) - limit} more characters]"
    if isinstance(value, dict):
        return {k: _trim_strings(v, limit) for k, v in value.items()}
    if isinstance(value, list):
        return [_trim_strings(v, limit) for v in value]
    return value


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
            items = [x for x in node if not (isinstance(x, str) and x.startswith("… "))]
            if len(items) > best[0]:
                best = (len(items), node)
            for v in node:
                walk(v)

    walk(value)
    target = best[1]
    if target is None:
        return False
    items = [x for x in target if not (isinstance(x, str) and x.startswith("… "))]
    total = _omitted_total(target) or len(items)
    keep = items[: max(1, len(items) - max(1, len(items) // 10))]
    target[:] = [*keep, f"… {total - len(keep)} more not shown; ask to narrow the search"]
    return True


def _omitted_total(items: list[Any]) -> int | None:
    for x in items:
        if isinstance(x, str) and x.startswith("… "):
            shown = sum(1 for y in items if not (isinstance(y, str) and y.startswith("… ")))
            return shown + int(x.split()[1])
    return None
