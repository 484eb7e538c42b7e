"""Keeping a stored conversation valid for the Messages API.

Invariants: roles alternate starting with ``user``; every assistant ``tool_use`` is answered in
the next user message; a stored conversation ends with an assistant message, or with a user
message of app notes (e.g. approval results) that the next user text joins.
"""

from __future__ import annotations

import json
from typing import Any

Message = dict[str, Any]


def _blocks(content: Any) -> list[dict[str, Any]]:
    return [{"type": "text", "text": content}] if isinstance(content, str) else list(content)


def append_user_text(messages: list[Message], text: str) -> None:
    """Add user text, joining a trailing user message rather than breaking alternation."""
    block = {"type": "text", "text": text}
    if messages and messages[-1]["role"] == "user":
        messages[-1] = {"role": "user", "content": [*_blocks(messages[-1]["content"]), block]}
    else:
        messages.append({"role": "user", "content": [block]})


def close_turn(messages: list[Message], text: str) -> None:
    """End the turn on an assistant message (after an error or a step limit)."""
    if messages and messages[-1]["role"] == "user":
        messages.append({"role": "assistant",
                         "content": [{"type": "text", "text": text or "(no answer)"}]})


def _turn_starts(messages: list[Message]) -> list[int]:
    """Indexes of user messages that begin a turn (hold no tool_result)."""
    starts = []
    for i, message in enumerate(messages):
        if message["role"] != "user":
            continue
        blocks = _blocks(message["content"])
        if not any(b.get("type") == "tool_result" for b in blocks):
            starts.append(i)
    return starts


def trim(messages: list[Message], max_chars: int) -> list[Message]:
    """Drop the oldest whole turns until the JSON fits; the latest turn is always kept."""
    starts = _turn_starts(messages)
    kept = messages
    for start in starts[1:]:
        if len(json.dumps(kept, ensure_ascii=False)) <= max_chars:
            break
        kept = messages[start:]
    return kept
