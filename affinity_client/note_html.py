"""Note content as the HTML Affinity's V2 note writes accept (2026-07-15 `notes.ContentToBeSaved`).

Plain text is escaped, one paragraph a line. HTML is checked against the allow-list before
anything is sent: `<p> <br> <strong> <em> <u> <ol> <ul> <li> <span>` with no attributes and
`<a href>` with http, https or mailto links. `<b>` and `<i>` become `<strong>` and `<em>`;
anything else is refused with a sentence naming the tag, so a note is never half-written.
"""

from __future__ import annotations

import html
from html.parser import HTMLParser

ALLOWED_TAGS = ("p", "br", "strong", "em", "u", "ol", "ul", "li", "span", "a")
RENAMED = {"b": "strong", "i": "em"}
LINK_SCHEMES = ("http:", "https:", "mailto:")


class NoteHtmlError(ValueError):
    """HTML the note endpoints would refuse; the message says what to change."""


def text_to_html(text: str) -> str:
    """Plain text as paragraphs; blank lines keep their space as an empty line."""
    lines = text.strip().split("\n")
    return "".join(
        f"<p>{html.escape(line)}</p>" if line.strip() else "<p><br></p>" for line in lines
    )


class _Rewriter(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=False)
        self.out: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        tag = RENAMED.get(tag, tag)
        if tag not in ALLOWED_TAGS:
            raise NoteHtmlError(
                f"<{tag}> cannot be used in an Affinity note; use only "
                + ", ".join(f"<{t}>" for t in ALLOWED_TAGS)
                + "."
            )
        kept = ""
        for name, value in attrs:
            if tag == "a" and name == "href":
                if not (value or "").strip().lower().startswith(LINK_SCHEMES):
                    raise NoteHtmlError("Links in a note must start with http, https or mailto.")
                kept = f' href="{html.escape(value or "", quote=True)}"'
            elif name == "data-type" or name.startswith("data-note-mention"):
                raise NoteHtmlError("@mentions cannot be written through the API.")
            # other attributes (style, class, ...) are dropped: the allow-list has none
        self.out.append(f"<{tag}{kept}>")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)

    def handle_endtag(self, tag: str) -> None:
        tag = RENAMED.get(tag, tag)
        if tag in ALLOWED_TAGS and tag != "br":
            self.out.append(f"</{tag}>")

    def handle_data(self, data: str) -> None:
        self.out.append(data)

    def handle_entityref(self, name: str) -> None:
        self.out.append(f"&{name};")

    def handle_charref(self, name: str) -> None:
        self.out.append(f"&#{name};")


def allowed_html(markup: str) -> str:
    """`markup` within the allow-list (attributes other than a link's href dropped)."""
    rewriter = _Rewriter()
    rewriter.feed(markup.strip())
    rewriter.close()
    return "".join(rewriter.out)


def note_html(content: str, fmt: str) -> str:
    """The HTML to send for `content` given as "text" or "html"."""
    return allowed_html(content) if fmt == "html" else text_to_html(content)
