"""The model's answer, parsed once and written two ways: Slack mrkdwn for posted messages, and
standard Markdown for Slack's streaming methods (`chat.*Stream` render `markdown_text` as
Markdown, not mrkdwn).

Claude is asked for Slack mrkdwn but sometimes writes Markdown anyway, so the parser
(markdown-it-py, CommonMark) reads both: `*bold*` (mrkdwn's bold, CommonMark's emphasis with `*`)
and `**bold**`, `_italic_`, `~strike~` and `~~strike~~`, `<url|label>` and `[label](url)`,
`• item` and `- item`, `# Heading` (shown bold), `---` (dropped). Both renderings show the
same thing: `to_mrkdwn(text)` posted looks like `to_stream_markdown(text)` streamed.

One escaping policy, for both: every `<`, `>` and `&` of the text — code included — is written
as `&lt;`, `&gt;`, `&amp;` (entities the model or CRM text wrote are decoded first, so `&#60;`
cannot slip through), so neither the model nor CRM data can write `<!channel>`, `<@U…>` or a
Slack link. Links are made only from `http(s)://` and `mailto:` URLs; raw HTML, reference
definitions and indented code are not Markdown here (they stay text). The stream's Markdown
also backslash-escapes what Markdown would read as formatting (`*`, `_`, `~`, `[`, `]`, a
backslash, a line of only `-`/`=`), so that no link, image or emphasis is forged, and writes a
line break inside a paragraph as a hard break so that lines stay lines.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from markdown_it import MarkdownIt
from markdown_it.rules_inline import StateInline
from markdown_it.tree import SyntaxTreeNode

_SCHEMES = ("http://", "https://", "mailto:")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_SLACK_BULLET = re.compile(r"^([ \t]*)•(?=[ \t])", re.MULTILINE)
_SLACK_QUOTE = re.compile(r"^([ \t]*)&gt;(?=[ \t]|$)", re.MULTILINE)
_SLACK_LINK = re.compile(r"<((?:https?://|mailto:)[^<>|\s]+)(?:\|([^<>]*))?>")
_SINGLE_STRIKE = re.compile(r"~(?=[^\s~])([^~\n]*?[^\s~])~(?![\w~])")
_MARKDOWN_SPECIAL = re.compile(r"([\\*_~\[\]`])")
_UNDERLINE = re.compile(r"^([ \t]*)(?=[-=]+[ \t]*$)", re.MULTILINE)


def _slack_link(state: StateInline, silent: bool) -> bool:
    """`<https://…|label>` and `<mailto:…>`: Slack's own link syntax, the model's usual one."""
    if state.src[state.pos] != "<":
        return False
    match = _SLACK_LINK.match(state.src, state.pos)
    if match is None:
        return False
    if not silent:
        url = html.unescape(match.group(1))
        label = html.unescape(match.group(2) or "").replace("**", "").strip()
        token = state.push("link_open", "a", 1)
        token.attrs = {"href": state.md.normalizeLink(url)}
        token.markup = "slack" if label else "autolink"
        state.push("text", "", 0).content = label or url
        state.push("link_close", "a", -1)
    state.pos = match.end()
    return True


def _single_strike(state: StateInline, silent: bool) -> bool:
    """`~strike~`: mrkdwn's strikethrough (CommonMark knows only `~~`)."""
    start = state.pos
    if state.src[start] != "~" or (
        start and (state.src[start - 1].isalnum() or state.src[start - 1] in "~_")
    ):
        return False
    match = _SINGLE_STRIKE.match(state.src, start, state.posMax)
    if match is None:
        return False
    if not silent:
        state.push("s_open", "s", 1).markup = "~"
        old_max = state.posMax
        state.pos, state.posMax = start + 1, match.end() - 1
        state.md.inline.tokenize(state)
        state.posMax = old_max
        state.push("s_close", "s", -1).markup = "~"
    state.pos = match.end()
    return True


def _parser() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": False})
    md.enable("strikethrough")
    # A setext underline, an indented block and a reference definition are what the model writes
    # by accident, not on purpose; a reference would also make a link from a bare `[label]`.
    # A backslash is a backslash in mrkdwn: the model means it literally.
    md.disable(["lheading", "code", "reference", "escape"])
    md.inline.ruler.before("autolink", "slack_link", _slack_link)
    md.inline.ruler.before("strikethrough", "single_strike", _single_strike)
    md.validateLink = lambda url: url.lower().startswith(_SCHEMES)  # type: ignore[method-assign]
    return md


_MD = _parser()


@dataclass(frozen=True)
class Parsed:
    """An answer read once: its syntax tree, and its lines (where the model left blank lines)."""

    tree: SyntaxTreeNode
    lines: list[str]

    def blank_before(self, node: SyntaxTreeNode) -> bool:
        start = node.map[0] if node.map else 0
        return start > 0 and not self.lines[start - 1].strip()


def parse(text: str) -> Parsed:
    """The answer parsed (once; `render` writes it as mrkdwn or as Markdown)."""
    text = _CONTROL.sub("", text or "")
    text = _SLACK_BULLET.sub(r"\1-", text)
    text = _SLACK_QUOTE.sub(r"\1>", text)
    return Parsed(SyntaxTreeNode(_MD.parse(text)), text.split("\n"))


def escape_entities(text: str) -> str:
    """`&`, `<`, `>` as entities: the one escaping every rendering applies to the text."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


@dataclass(frozen=True)
class Dialect:
    """How one output writes each construct."""

    bold: str  # the marker around bold text
    italic: str
    strike: str
    bullet: str
    quote: str
    line_break: str  # a line break inside a paragraph
    escape: Callable[[str], str]
    link: Callable[[str, str, bool], str]  # (url, rendered label, label is the url)
    image_prefix: str  # what stands for the `!` of an image, which is shown as a link


def _mrkdwn_link(url: str, label: str, bare: bool) -> str:
    url = escape_entities(url)
    return f"<{url}>" if bare else f"<{url}|{label.replace('|', '¦')}>"


def _markdown_link(url: str, label: str, bare: bool) -> str:
    url = escape_entities(url).replace("(", "%28").replace(")", "%29")
    return f"[{label}]({url})"


def _markdown_text(text: str) -> str:
    return escape_entities(_MARKDOWN_SPECIAL.sub(r"\\\1", text))


MRKDWN = Dialect(
    bold="*",
    italic="_",
    strike="~",
    bullet="•",
    quote="&gt; ",
    line_break="\n",
    escape=escape_entities,
    link=_mrkdwn_link,
    image_prefix="!",
)
MARKDOWN = Dialect(
    bold="**",
    italic="_",
    strike="~~",
    bullet="-",
    quote="> ",
    line_break="  \n",
    escape=_markdown_text,
    link=_markdown_link,
    image_prefix="\\!",
)


def render(parsed: Parsed, dialect: Dialect) -> str:
    """The parsed answer written in `dialect`."""
    text = _Renderer(dialect, parsed).blocks(parsed.tree.children)
    if dialect is MARKDOWN:
        text = _UNDERLINE.sub(r"\1\\", text)
    return re.sub(r"\n{3,}", "\n\n", text).strip()


def to_stream_markdown(text: str) -> str:
    """Model output (mrkdwn or Markdown) -> standard Markdown that renders like `to_mrkdwn`."""
    return render(parse(text), MARKDOWN)


class _Renderer:
    def __init__(self, dialect: Dialect, parsed: Parsed) -> None:
        self.d, self.parsed = dialect, parsed

    # ------------------------------------------------------------------ blocks

    def blocks(self, nodes: Sequence[SyntaxTreeNode], *, tight: bool = False) -> str:
        out = ""
        previous: SyntaxTreeNode | None = None
        for node in nodes:
            piece = self.block(node, tight=tight)
            if not piece:
                continue
            if previous is not None:
                out += self._separator(previous, node, tight)
            out += piece
            previous = node
        return out

    def _separator(self, previous: SyntaxTreeNode, node: SyntaxTreeNode, tight: bool) -> str:
        if not tight and self.parsed.blank_before(node):
            return "\n\n"
        if previous.type in ("paragraph", "heading") and node.type in ("paragraph", "heading"):
            return self.d.line_break
        return "\n"

    def block(self, node: SyntaxTreeNode, *, tight: bool = False) -> str:
        kind = node.type
        if kind == "paragraph":
            return self.inline(node.children[0]) if node.children else ""
        if kind == "heading":
            label = self.inline(node.children[0], plain=True) if node.children else ""
            return f"{self.d.bold}{label}{self.d.bold}" if label.strip() else ""
        if kind in ("bullet_list", "ordered_list"):
            return self.listing(node)
        if kind == "blockquote":
            inner = self.blocks(node.children)
            return "\n".join(self.d.quote + line if line else line for line in inner.split("\n"))
        if kind == "fence":
            token = node.token
            info = escape_entities(token.info) if token and token.info else ""
            body = escape_entities(node.content)
            body += "" if body.endswith("\n") or not body else "\n"
            return f"{node.markup}{info}\n{body}{node.markup}"
        if kind == "hr":
            return ""
        return self.d.escape(node.content)  # nothing else is enabled; text if it ever is

    def listing(self, node: SyntaxTreeNode) -> str:
        tight = all(
            child.nester_tokens is not None and child.nester_tokens.opening.hidden
            for item in node.children
            for child in item.children
            if child.type == "paragraph"
        )
        items: list[str] = []
        for item in node.children:
            ordered = node.type == "ordered_list"
            marker = f"{item.info}{item.markup}" if ordered else self.d.bullet
            indent = " " * (len(marker) + 1)
            parts = [self.block(child) for child in item.children]
            first, rest = (parts[0], parts[1:]) if parts else ("", [])
            # A paragraph's own lines stay as written; the item's further blocks (a nested
            # list) are indented under its text.
            body = first + "".join(
                "\n" + "\n".join(indent + line if line else line for line in part.split("\n"))
                for part in rest
                if part
            )
            items.append(f"{marker} {body}".rstrip())
        return ("\n" if tight else "\n\n").join(items)

    # ------------------------------------------------------------------ inline

    def inline(self, node: SyntaxTreeNode, *, plain: bool = False) -> str:
        return "".join(self.span(child, plain) for child in node.children)

    def span(self, node: SyntaxTreeNode, plain: bool) -> str:
        kind, d = node.type, self.d
        if kind in ("text", "text_special"):
            return d.escape(node.content)
        if kind in ("softbreak", "hardbreak"):
            return d.line_break
        if kind == "code_inline":
            return f"{node.markup}{escape_entities(node.content)}{node.markup}"
        inner = "".join(self.span(child, plain) for child in node.children)
        if kind == "strong" or (kind == "em" and node.markup == "*"):
            return inner if plain or not inner.strip() else f"{d.bold}{inner}{d.bold}"
        if kind == "em":
            return f"{d.italic}{inner}{d.italic}" if inner.strip() else inner
        if kind == "s":
            return f"{d.strike}{inner}{d.strike}" if inner.strip() else inner
        if kind in ("link", "image"):
            url = str(node.attrs.get("href") or node.attrs.get("src") or "")
            label = self._label(node)
            bare = node.markup == "autolink"
            link = d.link(url, label, bare)
            return d.image_prefix + link if kind == "image" else link
        return d.escape(node.content)

    def _label(self, node: SyntaxTreeNode) -> str:
        """A link's label as plain text (no formatting inside a link, as Slack shows it)."""
        words = "".join(_plain(child) for child in node.children)
        return self.d.escape(words)


def _plain(node: SyntaxTreeNode) -> str:
    if node.type in ("softbreak", "hardbreak"):
        return " "
    if node.children:
        return "".join(_plain(child) for child in node.children)
    return node.content
