"""Emoji shortcodes (`:warning:`) shown as Slack shows them, for the console's transcript.

Slack's names are GitHub's aliases, which the `emoji` package knows, plus a few of Slack's own.
As in Slack, a name nobody knows stays as typed, and nothing inside `code` is converted.
"""

from __future__ import annotations

import re

import emoji

# Slack names the `emoji` package spells differently.
SLACK_ONLY = {
    ":large_green_circle:": "🟢",
    ":large_blue_circle:": "🔵",
    ":large_yellow_circle:": "🟡",
    ":large_orange_circle:": "🟠",
}
_SLACK_ONLY = re.compile("|".join(map(re.escape, SLACK_ONLY)))


def render_shortcodes(text: str) -> str:
    """`text` with each known `:shortcode:` outside code spans replaced by its emoji."""
    parts = re.split(r"(`[^`\n]*`)", text)
    return "".join(
        part if part.startswith("`") and part.endswith("`") and len(part) > 1 else _emojize(part)
        for part in parts
    )


def _emojize(text: str) -> str:
    text = _SLACK_ONLY.sub(lambda m: SLACK_ONLY[m.group(0)], text)
    return emoji.emojize(text, language="alias")
