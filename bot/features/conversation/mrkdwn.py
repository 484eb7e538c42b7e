"""The model's answer as Slack mrkdwn, in pieces that fit a message.

Claude is asked for Slack mrkdwn but sometimes writes Markdown anyway (`**bold**`, `[text](url)`,
`# Heading`, `- item`). :func:`to_mrkdwn` converts those, leaves code untouched, and escapes
`&`, `<` and `>` everywhere except in plain web/mail links, so that text the model copied from
the CRM cannot ping `<!channel>`, mention someone or forge a link label.
:func:`split_message` cuts a long answer on paragraph, then line, boundaries.
"""

from __future__ import annotations

import re

MESSAGE_TEXT_LIMIT = 3900  # Slack shows ~4000 characters of a message before "Show more"

CODE_FENCE = re.compile(r"```.*?(?:```|\Z)", re.DOTALL)
INLINE_CODE = re.compile(r"`[^`\n]+`")
_SLACK_LINK = re.compile(r"<((?:https?://|mailto:)[^<>|\s]+)(?:\|([^<>]*))?>")
_MD_LINK = re.compile(r"\[([^\[\]\n]+)\]\(((?:https?://|mailto:)[^()\s]+)\)")
_BOLD = re.compile(r"(\*\*|__)(?=\S)(.+?)(?<=\S)\1")
_STRIKE = re.compile(r"~~(?=\S)(.+?)(?<=\S)~~")
_HEADING = re.compile(r"^[ \t]{0,3}#{1,6}[ \t]+(.+?)[ \t#]*$", re.MULTILINE)
_BULLET = re.compile(r"^([ \t]*)[-*+][ \t]+", re.MULTILINE)
_RULE = re.compile(r"^[ \t]*([-*_])(?:[ \t]*\1){2,}[ \t]*$", re.MULTILINE)
_ENTITY = re.compile(r"&(?!(?:amp|lt|gt);)")


def to_mrkdwn(text: str) -> str:
    """Markdown-ish model output -> Slack mrkdwn, with unsafe `<`, `>`, `&` escaped."""
    kept: list[str] = []

    def keep(piece: str) -> str:
        kept.append(piece)
        return f"\x00{len(kept) - 1}\x00"

    text = (text or "").replace("\x00", "")
    text = CODE_FENCE.sub(lambda m: keep(_escape(m.group(0))), text)
    text = INLINE_CODE.sub(lambda m: keep(_escape(m.group(0))), text)
    text = _SLACK_LINK.sub(lambda m: keep(_link(m.group(1), m.group(2))), text)
    text = _MD_LINK.sub(lambda m: keep(_link(m.group(2), m.group(1))), text)
    text = _escape(text)
    text = _HEADING.sub(lambda m: f"*{_strip_bold(m.group(1))}*", text)
    text = _RULE.sub("", text)
    text = _BULLET.sub(lambda m: f"{m.group(1)}• ", text)
    text = _BOLD.sub(lambda m: f"*{m.group(2)}*", text)
    text = _STRIKE.sub(lambda m: f"~{m.group(1)}~", text)
    text = re.sub(r"\x00(\d+)\x00", lambda m: kept[int(m.group(1))], text)
    return re.sub(r"\n{3,}", "\n\n", text).strip()


def split_message(text: str, limit: int = MESSAGE_TEXT_LIMIT) -> list[str]:
    """`text` in pieces of at most `limit` characters, cut at paragraph or line ends if possible."""
    pieces: list[str] = []
    rest = text.strip()
    while len(rest) > limit:
        cut = _cut_point(rest, limit)
        pieces.append(rest[:cut].rstrip())
        rest = rest[cut:].lstrip("\n ")
    if rest or not pieces:
        pieces.append(rest)
    return pieces


def _cut_point(text: str, limit: int) -> int:
    for separator in ("\n\n", "\n", " "):
        at = text.rfind(separator, 0, limit)
        if at > limit // 2:
            return at
    return limit


def _escape(text: str) -> str:
    return _ENTITY.sub("&amp;", text).replace("<", "&lt;").replace(">", "&gt;")


def _link(url: str, label: str | None) -> str:
    url = url.replace("&amp;", "&").replace("&", "&amp;")
    if not label:
        return f"<{url}>"
    label = _escape(_strip_bold(label)).replace("|", "¦")
    return f"<{url}|{label}>"


def _strip_bold(text: str) -> str:
    return text.replace("**", "").strip()
