"""Split `/affinity` text into words the way people expect, not the way a POSIX shell does.

Differences from :mod:`shlex` that matter in Slack:

* Smart quotes (“ ” „ ‟ « ») group words like straight double quotes; Slack clients and phones
  insert them as the user types.
* An apostrophe inside a word is a letter (``O'Brien``, straight or curly). A single quote
  groups words only when it opens a word *and* a matching quote closes one later (``'Series A'``).
* An unclosed double quote runs to the end of the text instead of failing.
* Slack's escaping of the command text is undone first: ``&amp;`` ``&lt;`` ``&gt;`` and links such
  as ``<mailto:jane@acme.com|jane@acme.com>`` or ``<http://acme.com|acme.com>`` become what the
  user typed; a link whose label is not its address keeps both (``the deck (https://x/v)``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

DOUBLE_QUOTES = '"“”„‟«»'
SINGLE_QUOTES = "'\u2018\u2019\u201a\u201b"

_SLACK_LINK = re.compile(r"<((?:mailto:|https?://|tel:)[^|>]*)(?:\|([^>]*))?>")
_SLACK_ENTITIES = (("&lt;", "<"), ("&gt;", ">"), ("&amp;", "&"))


@dataclass(frozen=True)
class Token:
    """One word. `quoted` words are never read as flags; `start` is its offset in the text."""

    value: str
    quoted: bool
    start: int


def escape_slack(text: str) -> str:
    """Escape text as Slack escapes slash-command text; `unescape_slack` undoes it."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def unescape_slack(text: str) -> str:
    """Undo Slack's formatting of slash-command text (links unwrapped, entities decoded)."""

    def _link(match: re.Match[str]) -> str:
        target, label = match.group(1), match.group(2)
        bare = re.sub(r"^(mailto:|tel:)", "", target)
        if not label or _same_place(label, bare):
            return label or bare
        return f"{label} ({bare})"  # a labelled link keeps its address: "the deck (https://…)"

    text = _SLACK_LINK.sub(_link, text)
    for entity, char in _SLACK_ENTITIES:
        text = text.replace(entity, char)
    return text


def _same_place(label: str, target: str) -> bool:
    """True when a link's label just restates its address (`acme.com` for `http://acme.com/`)."""

    def plain(text: str) -> str:
        return re.sub(r"^https?://", "", text.strip().lower()).rstrip("/")

    return plain(label) == plain(target)


def _normalise_apostrophes(text: str) -> str:
    return "".join("'" if c in SINGLE_QUOTES else c for c in text)


def _closing_single_quote(text: str, opening: int) -> int:
    """Index of the quote that closes the one at `opening`, or -1 if it is an apostrophe."""
    for j in range(opening + 1, len(text)):
        if text[j] in SINGLE_QUOTES and (j + 1 == len(text) or text[j + 1].isspace()):
            return j
    return -1


def _closing_double_quote(text: str, opening: int) -> int:
    for j in range(opening + 1, len(text)):
        if text[j] in DOUBLE_QUOTES:
            return j
    return len(text)


def tokenize(text: str) -> list[Token]:
    """Split already-unescaped `text` into tokens (see the module docstring for the rules)."""
    tokens: list[Token] = []
    i, n = 0, len(text)
    while i < n:
        while i < n and text[i].isspace():
            i += 1
        if i >= n:
            break
        start, parts, quoted = i, [], False
        while i < n and not text[i].isspace():
            char = text[i]
            if char in DOUBLE_QUOTES:
                end = _closing_double_quote(text, i)
                parts.append(text[i + 1 : end])
                i, quoted = end + 1, True
                continue
            if char in SINGLE_QUOTES and not parts:
                end = _closing_single_quote(text, i)
                if end != -1:
                    parts.append(text[i + 1 : end])
                    i, quoted = end + 1, True
                    continue
            parts.append(char)
            i += 1
        tokens.append(Token(_normalise_apostrophes("".join(parts)), quoted, start))
    return tokens


def strip_outer_quotes(text: str) -> str:
    """`"some text"` -> `some text` when the whole of `text` is one quoted phrase."""
    text = text.strip()
    if len(text) >= 2 and text[0] in DOUBLE_QUOTES and text[-1] in DOUBLE_QUOTES:
        inner = text[1:-1]
        if not any(q in inner for q in DOUBLE_QUOTES):
            return inner
    return text
