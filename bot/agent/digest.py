"""Short stand-ins for what an older turn held, so a bounded memory keeps the thread's gist.

- :func:`digest_result`: a tool result becomes JSON naming the tool, the records it returned
  (id, name, stage — still readable by ``bot.agent.names``, so later proposals keep their
  labels) and the totals. Text that is not a JSON record (errors, "queued for approval") is kept
  when short.
- :func:`collapse_turn`: a whole turn becomes the user's words and the assistant's answer (its
  text blocks), dropping the tool calls; the records the tools returned are kept as one line.
"""

from __future__ import annotations

import json
from typing import Any

from bot.agent.tables import read_result

DIGEST_KEY = "earlier_result"
TEXT_KEPT = 300  # characters of a non-JSON tool result kept in a digest
LINE_RECORDS = 60  # records named in a collapsed turn's line
ANSWER_KEPT = 2_000  # characters of a collapsed turn's answer

PROPOSED_MARK = "as proposal item "  # in the loop's "queued" tool result
_PROPOSED_END = ". NOT done yet"
_NOT_RECORDS = frozenset({"list", "fields", "stage", "creator"})  # not records the tool found
_RECORD_KEYS = ("id", "name", "stage", "list_name", "list_id", "type")


def is_digest(content: Any) -> bool:
    return isinstance(content, str) and content.startswith('{"' + DIGEST_KEY)


def digest_result(tool_name: str, content: Any) -> str:
    """The stand-in for one tool_result ``content`` (a string, as the loop stores it)."""
    text = content if isinstance(content, str) else json.dumps(content, ensure_ascii=False)
    if is_digest(text):
        return text
    if PROPOSED_MARK in text and _PROPOSED_END in text:  # what was proposed, without the rules
        what = text.split(PROPOSED_MARK, 1)[1].split(_PROPOSED_END, 1)[0]
        return f"Queued for the user's approval {PROPOSED_MARK}{what}{_PROPOSED_END} when queued."
    try:
        data = read_result(text)
    except ValueError:
        return text if len(text) <= TEXT_KEPT else text[:TEXT_KEPT] + "…"
    out: dict[str, Any] = {
        DIGEST_KEY: f"{tool_name or 'tool'}, shortened to ids and names; call it again for details"
    }
    if isinstance(data, dict):
        for key, value in data.items():
            if key in ("fields",):
                continue
            if isinstance(value, list) and value and isinstance(value[0], dict):
                out[key] = [_record(v) for v in value if isinstance(v, dict)]
                out[f"{key}_count"] = len(out[key])
            elif key in _RECORD_KEYS or key == "list":
                out[key] = _label(value) if key in ("stage", "list") else value
            elif key == "cut" and isinstance(value, dict):
                out["left_out"] = value.get("left_out")
    return json.dumps(out, ensure_ascii=False, separators=(",", ":"))


def _label(value: Any) -> Any:
    if isinstance(value, dict):
        return value.get("name") or value.get("text") or value.get("id")
    return value


def _record(item: dict[str, Any]) -> dict[str, Any]:
    kept = {k: _label(item[k]) for k in _RECORD_KEYS if k in item}
    if "content" in item and "name" not in kept:
        kept["content"] = str(item["content"])[:80]
    return kept


def _records_line(messages: list[dict[str, Any]]) -> str:
    """ "[records the tools returned in this turn: Acme (30001, Diligence); …]", the records the
    tools were asked about first (deals of a list, a fetched deal), the people and companies
    inside them after."""
    found: list[tuple[int, dict[str, Any]]] = []
    for message in messages:
        for block in _blocks(message):
            if block.get("type") != "tool_result" or block.get("is_error"):
                continue
            try:
                data = read_result(block.get("content") or "")
            except (TypeError, ValueError):
                continue
            found += _walk_records(data)
    seen: dict[int, str] = {}
    for _, record in sorted(found, key=lambda pair: min(pair[0], 1)):
        stage = f", {record['stage']}" if record.get("stage") else ""
        seen.setdefault(record["id"], f"{record['name']} ({record['id']}{stage})")
    if not seen:
        return ""
    names = list(seen.values())
    more = f" and {len(names) - LINE_RECORDS} more" if len(names) > LINE_RECORDS else ""
    return (
        "[records the tools returned in this turn: " + "; ".join(names[:LINE_RECORDS]) + more + "]"
    )


def _proposals_line(messages: list[dict[str, Any]]) -> str:
    """ "[proposed in this turn: 1: Add a note on deal Acme [opportunity 30001]; …]"."""
    found = []
    for message in messages:
        for block in _blocks(message):
            text = block.get("content") if block.get("type") == "tool_result" else None
            if isinstance(text, str) and PROPOSED_MARK in text and _PROPOSED_END in text:
                found.append(text.split(PROPOSED_MARK, 1)[1].split(_PROPOSED_END, 1)[0])
    return "[proposed in this turn: " + "; ".join(found) + "]" if found else ""


def _walk_records(node: Any, depth: int = 0) -> list[tuple[int, dict[str, Any]]]:
    """(depth, record) for every named record: the result itself or its items at depth 0-1,
    the people, companies and owners inside them deeper (named only when there is room)."""
    found: list[tuple[int, dict[str, Any]]] = []
    if isinstance(node, dict):
        if isinstance(node.get("id"), int) and isinstance(node.get("name"), str):
            found.append(
                (
                    depth,
                    {"id": node["id"], "name": node["name"], "stage": _label(node.get("stage"))},
                )
            )
        for key, value in node.items():
            if key in _NOT_RECORDS:
                continue
            if isinstance(value, list):
                for item in value:
                    found += _walk_records(item, depth + 1) if isinstance(item, dict) else []
            elif isinstance(value, dict):
                found += _walk_records(value, depth + 1)
    return found


def _blocks(message: dict[str, Any]) -> list[dict[str, Any]]:
    content = message.get("content")
    if isinstance(content, str):
        return [{"type": "text", "text": content}]
    return [b for b in content or [] if isinstance(b, dict)]


def collapse_turn(turn: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """``[user words, assistant answer]`` for a turn (its first message is the user's)."""
    words = [b for b in _blocks(turn[0]) if b.get("type") == "text"]
    answer = "\n".join(
        b["text"]
        for m in turn[1:]
        if m.get("role") == "assistant"
        for b in _blocks(m)
        if b.get("type") == "text" and b.get("text")
    )
    if len(answer) > ANSWER_KEPT:
        answer = answer[:ANSWER_KEPT] + "…"
    lines = (answer, _proposals_line(turn), _records_line(turn))
    text = "\n".join(x for x in lines if x) or "(no answer)"
    collapsed = [
        {
            "role": "user",
            "content": [{k: v for k, v in b.items() if k != "cache_control"} for b in words]
            or [{"type": "text", "text": "(earlier request)"}],
        }
    ]
    if len(turn) > 1:
        collapsed.append({"role": "assistant", "content": [{"type": "text", "text": text}]})
    return collapsed
