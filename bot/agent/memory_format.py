"""Keeping a stored conversation valid for the Messages API.

Invariants: roles alternate starting with ``user``; every assistant ``tool_use`` is answered in
the next user message; a stored conversation ends with an assistant message, or with a user
message of app notes (e.g. approval results) that the next user text joins.
"""

from __future__ import annotations

import itertools
import json
from typing import Any, cast

from anthropic.types import ContentBlockParam, MessageParam, TextBlockParam

from bot.agent.digest import collapse_turn, digest_result

Block = dict[str, Any]
"""One content block read back from a stored message (any block type)."""


def _blocks(content: Any) -> list[Block]:
    return [{"type": "text", "text": content}] if isinstance(content, str) else list(content)


def append_user_text(messages: list[MessageParam], text: str) -> None:
    """Add user text, joining a trailing user message rather than breaking alternation."""
    block: TextBlockParam = {"type": "text", "text": text}
    if messages and messages[-1]["role"] == "user":
        earlier = cast(list[ContentBlockParam], _blocks(messages[-1]["content"]))
        messages[-1] = {"role": "user", "content": [*earlier, block]}
    else:
        messages.append({"role": "user", "content": [block]})


def close_turn(messages: list[MessageParam], text: str) -> None:
    """End the turn on an assistant message (after an error or a step limit)."""
    if messages and messages[-1]["role"] == "user":
        messages.append(
            {"role": "assistant", "content": [{"type": "text", "text": text or "(no answer)"}]}
        )


def _turn_starts(messages: list[Block]) -> list[int]:
    """Indexes of user messages that begin a turn (hold no tool_result)."""
    starts = []
    for i, message in enumerate(messages):
        if message["role"] != "user":
            continue
        blocks = _blocks(message["content"])
        if not any(b.get("type") == "tool_result" for b in blocks):
            starts.append(i)
    return starts


def trim(messages: list[MessageParam], max_chars: int) -> list[MessageParam]:
    """Fit the conversation in ``max_chars`` of JSON, losing as little as possible, oldest
    first: (1) older turns' tool results become digests (tool, ids, names, totals), (2) older
    turns become the user's words and the assistant's answer, (3) whole older turns are
    dropped, (4) the latest turn's own tool results become digests. The latest turn's words
    are always kept, and a ``tool_use`` is never separated from its ``tool_result``."""
    turns = _split_turns(cast(list[Block], messages))  # trimmed as JSON, block by block

    def size() -> int:
        return len(json.dumps([m for t in turns for m in t], ensure_ascii=False))

    older = range(len(turns) - 1)
    for i in older:
        if size() <= max_chars:
            break
        turns[i] = _digest_tool_results(turns[i])
    for i in older:
        if size() <= max_chars:
            break
        turns[i] = collapse_turn(turns[i])
    while len(turns) > 1 and size() > max_chars:
        turns.pop(0)
    if size() > max_chars:
        turns[-1] = _digest_tool_results(turns[-1])
    return cast(list[MessageParam], [m for t in turns for m in t])


def _split_turns(messages: list[Block]) -> list[list[Block]]:
    starts = _turn_starts(messages) or [0]
    if starts[0] != 0:  # a stored history always starts a turn; be lenient with odd input
        starts = [0, *starts]
    bounds = [*starts, len(messages)]
    return [list(messages[a:b]) for a, b in itertools.pairwise(bounds) if a < b]


def _digest_tool_results(turn: list[Block]) -> list[Block]:
    names: dict[str, str] = {}
    out: list[Block] = []
    for message in turn:
        blocks = _blocks(message["content"])
        if message["role"] == "assistant":
            names.update(
                {b["id"]: b.get("name", "") for b in blocks if b.get("type") == "tool_use"}
            )
            out.append(message)
            continue
        if not any(b.get("type") == "tool_result" for b in blocks):
            out.append(message)
            continue
        out.append(
            {
                **message,
                "content": [
                    {
                        **b,
                        "content": digest_result(
                            names.get(b.get("tool_use_id", ""), ""), b.get("content")
                        ),
                    }
                    if b.get("type") == "tool_result"
                    else b
                    for b in blocks
                ],
            }
        )
    return out
