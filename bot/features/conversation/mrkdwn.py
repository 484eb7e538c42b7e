"""The model's answer as Slack mrkdwn, in pieces that fit a message.

Claude is asked for Slack mrkdwn but sometimes writes Markdown anyway (`**bold**`, `[text](url)`,
`# Heading`, `- item`). :func:`to_mrkdwn` writes the answer parsed by
:mod:`~bot.features.conversation.markdown` as mrkdwn, with that module's escaping, so that text
the model copied from the CRM cannot ping `<!channel>`, mention someone or forge a link label.
:func:`split_message` cuts a long answer on paragraph, then line, boundaries, never inside a
link or an escaped character; a code block cut in two is closed and reopened.
"""

from __future__ import annotations

from bot.features.conversation.markdown import MRKDWN, parse, render

MESSAGE_TEXT_LIMIT = 3900  # Slack shows ~4000 characters of a message before "Show more"
FENCE = "```"
EMPTY_ANSWER_TEXT = "I came back without an answer to that; try asking again in other words."


def to_mrkdwn(text: str) -> str:
    """Markdown-ish model output -> Slack mrkdwn, with every `<`, `>`, `&` of the text escaped."""
    return render(parse(text), MRKDWN)


def split_message(text: str, limit: int = MESSAGE_TEXT_LIMIT) -> list[str]:
    """`text` in pieces of at most `limit` characters, cut at paragraph or line ends if possible
    (`limit` must leave room for a closing and a reopening fence: it is well above 10)."""
    pieces: list[str] = []
    rest = text.strip()
    while len(rest) > limit:
        cut = _cut_point(rest, limit - len(FENCE) - 1)
        piece, rest = rest[:cut].rstrip(), rest[cut:].lstrip("\n ")
        if piece.count(FENCE) % 2:  # cut inside a code block: close it here, reopen it there
            piece, rest = f"{piece}\n{FENCE}", f"{FENCE}\n{rest}"
        pieces.append(piece)
    if rest or not pieces:
        pieces.append(rest)
    return pieces


def _cut_point(text: str, limit: int) -> int:
    for separator in ("\n\n", "\n", " "):
        at = _outside_markup(text, text.rfind(separator, 0, limit))
        if at > limit // 2:
            return at
    moved = _outside_markup(text, limit)
    return moved if moved > len(FENCE) + 1 else limit  # a reopened fence must not stall it


def _outside_markup(text: str, cut: int) -> int:
    """`cut`, or the start of the `<link|label>` or `&amp;` it would fall inside of (a piece
    ending in `<https://…|Acme` or `&am` shows broken text), or 0 when that start is the first
    character."""
    if cut <= 0:
        return cut
    head = text[:cut]
    opened = head.rfind("<")
    if opened > head.rfind(">"):
        cut = opened
    entity = text.rfind("&", 0, cut)
    if entity >= 0 and cut - entity < 6 and ";" not in text[entity:cut]:
        cut = entity
    return cut
