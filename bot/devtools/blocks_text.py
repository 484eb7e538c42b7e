"""Block Kit as readable terminal text: messages, modals and App Home views.

Used by `affinity-bot console` to show what the app sent to Slack. Rendering is plain text and
deterministic (no colours, no terminal width), so scripted sessions can assert on it:

- mrkdwn is kept readable: `<https://x|Acme>` -> `Acme (https://x)`, `<@U1>` -> `@U1`, HTML
  entities unescaped, a few common emoji shortcodes turned into symbols;
- headers are underlined, dividers are a rule, context lines are indented;
- every interactive element (button, select, overflow) gets a number, `[3] More`, and is returned
  as a `Control` so that the caller can send the matching block action when someone picks it;
- modal inputs are listed as `Input` (block id, action id, label, hint, placeholder) so that the
  caller can prompt for each.

    rendered = render_blocks(blocks, first_number=1)
    print(rendered.text); rendered.controls  # [Control(number=1, label="More", ...)]
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

RULE = "-" * 40
INDENT = "  "

EMOJI = {
    "white_check_mark": "✓",
    "heavy_check_mark": "✓",
    "x": "✗",
    "no_entry_sign": "⊘",
    "warning": "⚠",
    "lock": "🔒",
    "wave": "👋",
    "large_green_circle": "●",
    "red_circle": "●",
    "white_circle": "○",
    "mag": "🔍",
    "hourglass_flowing_sand": "⏳",
    "link": "🔗",
    "memo": "📝",
    "star": "★",
    "bust_in_silhouette": "👤",
    "office": "🏢",
    "handshake": "🤝",
    "calendar": "📅",
    "moneybag": "💰",
    "pencil2": "✎",
    "pencil": "✎",
    "speech_balloon": "💬",
    "arrows_counterclockwise": "↻",
    "information_source": "(i)",
    "bulb": "💡",
    "clipboard": "📋",
    "inbox_tray": "📥",
    "mega": "📣",
}
_LINK = re.compile(r"<([^<>|]+)(?:\|([^<>]*))?>")
_EMOJI = re.compile(r":([a-z0-9_+\-]+):")
INTERACTIVE = {
    "button",
    "static_select",
    "external_select",
    "users_select",
    "conversations_select",
    "channels_select",
    "overflow",
    "datepicker",
    "timepicker",
    "checkboxes",
    "radio_buttons",
    "multi_static_select",
    "multi_users_select",
}


@dataclass(frozen=True)
class Control:
    """A numbered interactive element: what a block action for it must carry."""

    number: int
    label: str
    action_id: str
    block_id: str
    type: str = "button"
    value: str | None = None
    url: str | None = None
    options: tuple[tuple[str, str], ...] = ()  # (label, value) of selects and overflows


@dataclass(frozen=True)
class Input:
    """One input block of a modal: what to prompt for and where the answer goes."""

    block_id: str
    action_id: str
    label: str
    element_type: str
    hint: str = ""
    placeholder: str = ""
    optional: bool = False
    initial_value: str = ""


@dataclass
class Rendered:
    text: str
    controls: list[Control] = field(default_factory=list)
    inputs: list[Input] = field(default_factory=list)


# ------------------------------------------------------------------------------ text


def mrkdwn_to_text(text: str | None, *, link_urls: bool = False) -> str:
    """Slack mrkdwn as terminal text: `<url|label>` is its label (with the URL when
    `link_urls`), mentions are `@id`/`#name`, dates their fallback, entities unescaped, and
    some emoji are symbols."""
    if not text:
        return ""

    def link(match: re.Match[str]) -> str:
        target, label = match.group(1), match.group(2)
        if target.startswith(("@", "#")):
            return target[0] + (label or target[1:])
        if target.startswith("!date"):
            return label or target
        if target.startswith("!"):
            return "@" + (label or target[1:].split("^")[0])
        if label and label != target:
            return f"{label} ({target})" if link_urls else label
        return target

    text = _LINK.sub(link, text)
    text = _EMOJI.sub(lambda m: EMOJI.get(m.group(1), m.group(0)), text)
    return html.unescape(text)


def _text_of(obj: Any) -> str:
    """The text of a text object (plain_text or mrkdwn), or of a bare string."""
    if isinstance(obj, str):
        return mrkdwn_to_text(obj)
    if isinstance(obj, dict):
        return mrkdwn_to_text(str(obj.get("text") or ""))
    return ""


def _rich_text(element: Any) -> Iterator[str]:
    if isinstance(element, dict):
        if element.get("type") == "text":
            yield str(element.get("text", ""))
        elif element.get("type") == "link":
            yield str(element.get("text") or element.get("url") or "")
        elif element.get("type") == "user":
            yield f"@{element.get('user_id', '')}"
        for child in element.get("elements", []) or []:
            yield from _rich_text(child)
    elif isinstance(element, list):
        for child in element:
            yield from _rich_text(child)


def _indent(text: str, prefix: str = INDENT) -> str:
    return "\n".join(prefix + line if line else line for line in text.splitlines())


# ------------------------------------------------------------------------------ blocks


class _Renderer:
    def __init__(self, first_number: int) -> None:
        self.next_number = first_number
        self.controls: list[Control] = []
        self.inputs: list[Input] = []

    def control(self, element: dict[str, Any], block_id: str) -> str:
        kind = str(element.get("type"))
        options = tuple(
            (_text_of(o.get("text")), str(o.get("value", "")))
            for o in element.get("options", []) or []
            if isinstance(o, dict)
        )
        label = _text_of(element.get("text") or element.get("placeholder")) or kind
        control = Control(
            number=self.next_number,
            label=label,
            action_id=str(element.get("action_id", "")),
            block_id=block_id,
            type=kind,
            value=element.get("value"),
            url=element.get("url"),
            options=options,
        )
        self.next_number += 1
        self.controls.append(control)
        shown = f"[{control.number}] {label}"
        if control.url:
            shown += f" ({control.url})"
        if options:
            shown += " ▾ " + " | ".join(f"{i}:{name}" for i, (name, _) in enumerate(options, 1))
        return shown

    def block(self, block: dict[str, Any]) -> str:
        kind = block.get("type")
        block_id = str(block.get("block_id", ""))
        if kind == "header":
            title = _text_of(block.get("text"))
            return f"{title}\n{'=' * min(len(title), 60)}"
        if kind == "divider":
            return RULE
        if kind == "section":
            return self.section(block, block_id)
        if kind == "context":
            parts = [
                _text_of(e) if e.get("type") != "image" else f"[{e.get('alt_text', 'image')}]"
                for e in block.get("elements", [])
                if isinstance(e, dict)
            ]
            return _indent(" · ".join(p for p in parts if p))
        if kind == "actions":
            shown = [
                self.control(e, block_id)
                for e in block.get("elements", [])
                if isinstance(e, dict) and e.get("type") in INTERACTIVE
            ]
            return INDENT + "   ".join(shown)
        if kind == "input":
            return self.input(block, block_id)
        if kind == "image":
            return f"[image: {block.get('alt_text', '')}]"
        if kind == "rich_text":
            return "".join(_rich_text(block.get("elements", [])))
        if kind == "markdown":
            return mrkdwn_to_text(str(block.get("text", "")))
        return f"[{kind} block]"

    def section(self, block: dict[str, Any], block_id: str) -> str:
        lines = []
        if block.get("text"):
            lines.append(_text_of(block["text"]))
        fields = [_text_of(f) for f in block.get("fields", []) or []]
        if fields:
            lines.append("\n".join(fields))
        accessory = block.get("accessory")
        if isinstance(accessory, dict) and accessory.get("type") in INTERACTIVE:
            lines.append(INDENT + self.control(accessory, block_id))
        return "\n".join(lines)

    def input(self, block: dict[str, Any], block_id: str) -> str:
        element = block.get("element") or {}
        item = Input(
            block_id=block_id,
            action_id=str(element.get("action_id", "")),
            label=_text_of(block.get("label")),
            element_type=str(element.get("type", "")),
            hint=_text_of(block.get("hint")),
            placeholder=_text_of(element.get("placeholder")),
            optional=bool(block.get("optional")),
            initial_value=str(element.get("initial_value") or ""),
        )
        self.inputs.append(item)
        shown = f"> {item.label}{' (optional)' if item.optional else ''}: "
        shown += f"[{item.placeholder or item.element_type}]"
        if item.hint:
            shown += "\n" + _indent(item.hint)
        return shown


def render_blocks(blocks: Iterable[dict[str, Any]] | None, *, first_number: int = 1) -> Rendered:
    """Blocks as text; interactive elements numbered from `first_number`."""
    renderer = _Renderer(first_number)
    parts = [renderer.block(b) for b in blocks or [] if isinstance(b, dict)]
    text = "\n".join(p for p in parts if p is not None)
    return Rendered(text, renderer.controls, renderer.inputs)


def render_message(message: dict[str, Any], *, first_number: int = 1) -> Rendered:
    """A message (`text` + `blocks`, as posted): the blocks, or the text when there are none."""
    blocks = message.get("blocks") or []
    if blocks:
        return render_blocks(blocks, first_number=first_number)
    text = message.get("text") or message.get("markdown_text") or ""
    return Rendered(mrkdwn_to_text(str(text)))


def render_view(view: dict[str, Any], *, first_number: int = 1) -> Rendered:
    """A modal or Home view: its title, blocks, inputs, and the submit/close labels."""
    rendered = render_blocks(view.get("blocks"), first_number=first_number)
    lines = []
    title = _text_of(view.get("title"))
    if title:
        lines += [f"┌ {title} ┐"]
    lines.append(rendered.text)
    buttons = [f"[{_text_of(view[k])}]" for k in ("submit", "close") if view.get(k)]
    if buttons and view.get("type") == "modal":
        lines.append(INDENT + " ".join(buttons))
    rendered.text = "\n".join(line for line in lines if line)
    return rendered
