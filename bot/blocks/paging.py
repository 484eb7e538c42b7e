"""The "More", "Share" and "Open in Affinity" buttons under a result.

A "More" button must carry what the next page needs: the command that produced the result and
Affinity's `next_page_token`. Button values hold at most 2000 characters, so when the two do not
fit, the caller stores them and passes a short opaque `more_key` instead (see `needs_more_key`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from bot.blocks import actions as ids
from bot.blocks import kit, limits


@dataclass(frozen=True)
class RenderContext:
    """What a builder needs beyond the tool result.

    subdomain: the user's Affinity subdomain, for links (None: no links).
    command: the grammar text that reproduces this view (for Share and More); None hides both.
    more_key: an opaque key the caller stored the next page under, when the token is too long.
    """

    subdomain: str | None = None
    command: str | None = None
    more_key: str | None = None


def encode_more_value(command: str, page_token: str) -> str | None:
    """`{"c": command, "p": token}` as JSON, or None when it would not fit in a button."""
    value = json.dumps({"c": command, "p": page_token}, separators=(",", ":"))
    return value if len(value) <= limits.BUTTON_VALUE else None


def needs_more_key(command: str, page_token: str | None) -> bool:
    """True when the caller must store (command, token) and pass `more_key` to the builder."""
    return bool(page_token) and encode_more_value(command, page_token or "") is None


def key_value(key: str) -> str:
    """A button value that names a stored command (and page) by its key: `{"k": key}`, for a
    command too long to travel in the button itself."""
    return json.dumps({"k": key}, separators=(",", ":"))


def decode_more_value(value: str) -> dict[str, Any]:
    """A "More" button's value -> `{"command", "page_token"}` or `{"key"}`. ValueError if bad."""
    try:
        data = json.loads(value)
    except (TypeError, ValueError) as error:
        raise ValueError("not a More button value") from error
    if isinstance(data, dict) and isinstance(data.get("k"), str):
        return {"key": data["k"]}
    if isinstance(data, dict) and isinstance(data.get("c"), str) and isinstance(data.get("p"), str):
        return {"command": data["c"], "page_token": data["p"]}
    raise ValueError("not a More button value")


def more_button(ctx: RenderContext, page_token: str | None) -> kit.Block | None:
    if not page_token:
        return None
    value: str | None
    if ctx.more_key:
        value = key_value(ctx.more_key)
    elif ctx.command:
        value = encode_more_value(ctx.command, page_token)
    else:
        value = None
    if value is None or len(value) > limits.BUTTON_VALUE:
        return None
    return kit.button("More", ids.MORE, value)


def footer(
    ctx: RenderContext,
    *,
    page_token: str | None = None,
    url: str | None = None,
    extra: tuple[kit.Block, ...] = (),
    share: bool = True,
) -> list[kit.Block]:
    """The actions row (Open in Affinity, extra buttons, More, Share) and, when more results
    exist but no button can carry them, a line that says so instead of cutting silently."""
    elements: list[kit.Block] = []
    if url:
        elements.append(kit.button("Open in Affinity", ids.OPEN_IN_AFFINITY, url=url))
    elements.extend(extra)
    more = more_button(ctx, page_token)
    if more:
        elements.append(more)
    if share and ctx.command and len(ctx.command) <= limits.BUTTON_VALUE:
        elements.append(kit.button("Share", ids.SHARE, ctx.command))
    blocks: list[kit.Block] = []
    if page_token and more is None:
        blocks.append(kit.context("More results exist. Narrow your search to see them."))
    row = kit.actions(elements)
    if row:
        blocks.append(row)
    return blocks


def run_buttons(commands: list[tuple[str, str]]) -> tuple[kit.Block, ...]:
    """Buttons that run read-only commands (label, command text), numbered to stay unique."""
    return tuple(
        kit.button(label, ids.numbered(ids.RUN, i), command)
        for i, (label, command) in enumerate(commands)
    )
