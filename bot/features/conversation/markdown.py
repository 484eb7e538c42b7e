"""The model's answer as standard Markdown, for Slack's streaming methods (`markdown_text`).

`chat.startStream` / `appendStream` render their text as Markdown, not Slack mrkdwn. To show the
same answer as a posted message, :func:`to_stream_markdown` first normalises the text with
:func:`to_mrkdwn` (one parser, one set of safety rules) and then writes that mrkdwn as Markdown:
`*bold*` -> `**bold**`, `~strike~` -> `~~strike~~`, `<url|label>` -> `[label](url)`,
`• item` -> `- item`, a quote line `&gt; x` -> `> x`; `_italic_` and code stay as they are.

Safety is the mrkdwn path's: `<`, `>` and `&` stay escaped as `&lt;`, `&gt;`, `&amp;` (Markdown
shows the entity as the character), so neither the model nor CRM text can write `<!channel>`,
`<@U…>` or a Slack link. Code is kept escaped too, as in posted answers. Markdown-only syntax
that mrkdwn shows as text is backslash-escaped (`[`/`]` so no link or image can be forged, stray
`*` and `~`, backslashes, lines of only `-`/`=` that would underline a heading), and single line
breaks become hard breaks (two trailing spaces) so lines do not run together as in a paragraph.
"""

from __future__ import annotations

import re

from bot.features.conversation.mrkdwn import CODE_FENCE, INLINE_CODE, to_mrkdwn

_LINK = re.compile(r"<([^<>|]+)(?:\|([^<>]*))?>")  # only links keep a `<` in to_mrkdwn output
_BOLD = re.compile(r"(?<![\w*])\*(?=[^\s*])([^*\n]*?[^\s*])\*(?![\w*])")
_STRIKE = re.compile(r"(?<![\w~])~(?=[^\s~])([^~\n]*?[^\s~])~(?![\w~])")
_SPECIAL = re.compile(r"([\\*~\[\]])")
_LABEL_SPECIAL = re.compile(r"([\\*~\[\]_`])")
_BULLET = re.compile(r"^([ \t]*)•(?=[ \t]|$)", re.MULTILINE)
_QUOTE = re.compile(r"^&gt;(?=[ \t]|$)", re.MULTILINE)
_UNDERLINE = re.compile(r"^([ \t]*)(?=[-=]+[ \t]*$)", re.MULTILINE)
_LINE_BREAK = re.compile(r"(?<=\S)[ \t]*\n(?=[ \t]*\S)")
_BOLD_MARK, _STRIKE_MARK = "\x01", "\x02"


def to_stream_markdown(text: str) -> str:
    """Model output (mrkdwn or Markdown) -> standard Markdown that renders like `to_mrkdwn`."""
    kept: list[str] = []

    def keep(piece: str) -> str:
        kept.append(piece)
        return f"\x00{len(kept) - 1}\x00"

    text = to_mrkdwn(text).replace("\x01", "").replace("\x02", "")
    text = _LINK.sub(lambda m: keep(_link(m.group(1), m.group(2))), text)
    text = CODE_FENCE.sub(lambda m: keep(m.group(0)), text)
    text = INLINE_CODE.sub(lambda m: keep(m.group(0)), text)
    text = _BOLD.sub(lambda m: f"{_BOLD_MARK}{m.group(1)}{_BOLD_MARK}", text)
    text = _STRIKE.sub(lambda m: f"{_STRIKE_MARK}{m.group(1)}{_STRIKE_MARK}", text)
    text = _SPECIAL.sub(r"\\\1", text)
    text = text.replace("!\x00", "\\!\x00")  # `!` then a link would make an image
    text = _UNDERLINE.sub(r"\1\\", text)
    text = _BULLET.sub(r"\1-", text)
    text = _QUOTE.sub(">", text)
    text = text.replace(_BOLD_MARK, "**").replace(_STRIKE_MARK, "~~")
    text = _LINE_BREAK.sub("  \n", text)
    return re.sub(r"\x00(\d+)\x00", lambda m: kept[int(m.group(1))], text)


def _link(url: str, label: str | None) -> str:
    """A mrkdwn link (already escaped by to_mrkdwn) as `[label](url)`."""
    label = _LABEL_SPECIAL.sub(r"\\\1", label if label else url)
    url = url.replace("(", "%28").replace(")", "%29")
    return f"[{label}]({url})"
