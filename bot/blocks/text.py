"""Text helpers: mrkdwn escaping, clipping, links into Affinity, dates, money and bars.

Anything that comes from Affinity or from a user goes through `escape` before it reaches mrkdwn,
so a note or a name cannot make a link, a mention (`<!channel>`) or a broken entity.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

ELLIPSIS = "…"
_SUBDOMAIN = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$")
_CURRENCY_SYMBOLS = {"USD": "$", "EUR": "€", "GBP": "£", "JPY": "¥", "INR": "₹"}


def escape(text: Any) -> str:
    """Escape `&`, `<`, `>` for Slack mrkdwn (and for the `text` fallback)."""
    return str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def clip(text: str, limit: int) -> str:
    """`text` cut to at most `limit` characters, with an ellipsis when cut. For plain text."""
    return text if len(text) <= limit else text[: max(limit - 1, 0)].rstrip() + ELLIPSIS


def escape_clip(text: Any, limit: int) -> str:
    """Escape `text` and cut it so the *escaped* result fits `limit`, never inside an entity."""
    out: list[str] = []
    used = 0
    for char in str(text):
        piece = escape(char)
        if used + len(piece) > limit - 1:
            return "".join(out).rstrip() + ELLIPSIS
        out.append(piece)
        used += len(piece)
    return "".join(out)


def one_line(text: Any) -> str:
    return " ".join(str(text or "").split())


def pack_lines(
    lines: Iterable[str], limit: int, more: str = "…and {n} more", sep: str = "\n"
) -> str:
    """Join whole lines (already mrkdwn) while they fit `limit`; say how many were left out.

    Lines are never cut, so an escaped entity or a `<url|label>` link is never broken.
    """
    lines = list(lines)
    kept: list[str] = []
    used = 0
    for index, line in enumerate(lines):
        tail = sep + more.format(n=len(lines)) if index < len(lines) - 1 else ""
        cost = len(line) + (len(sep) if kept else 0)
        if used + cost + len(tail) > limit:
            kept.append(more.format(n=len(lines) - index))
            return sep.join(kept)
        kept.append(line)
        used += cost
    return sep.join(kept)


@dataclass(frozen=True)
class Links:
    """URLs into the user's Affinity (`https://<subdomain>.affinity.co/...`); none if unknown."""

    subdomain: str | None = None

    def _base(self) -> str | None:
        sub = (self.subdomain or "").lower()
        return f"https://{sub}.affinity.co" if _SUBDOMAIN.match(sub) else None

    def url(self, kind: str, record_id: Any) -> str | None:
        base = self._base()
        path = {
            "person": "persons",
            "organization": "companies",
            "opportunity": "opportunities",
            "list": "lists",
        }[kind]
        if base is None or record_id is None:
            return None
        return f"{base}/{path}/{int(record_id)}"

    def link(self, kind: str, record_id: Any, label: Any, limit: int = 200) -> str:
        """`<url|label>` in mrkdwn with the label escaped; just the label without a subdomain."""
        text = escape_clip(one_line(label) or f"#{record_id}", limit).replace("|", "¦")
        url = self.url(kind, record_id)
        return f"<{url}|{text}>" if url else text


def format_date(value: Any) -> str | None:
    """ISO 8601 -> `12 Mar 2026`; None stays None; anything unparsable is shown as given."""
    if not value:
        return None
    try:
        when = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return escape(value)
    return f"{when.day} {when:%b %Y}"


def format_money(value: Any, currency: str | None, compact: bool = False) -> str | None:
    """`1500000, "USD"` -> `$1,500,000` (or `$1.5M` when compact); None when no value."""
    if value is None:
        return None
    amount = float(value)
    code = (currency or "").upper()
    symbol = _CURRENCY_SYMBOLS.get(code)
    if compact and abs(amount) >= 1000:
        for size, suffix in ((1e9, "B"), (1e6, "M"), (1e3, "k")):
            if abs(amount) >= size:
                number = f"{amount / size:.1f}".rstrip("0").rstrip(".") + suffix
                break
    else:
        number = f"{amount:,.0f}" if amount == int(amount) else f"{amount:,.2f}"
    if symbol:
        return f"{symbol}{number}"
    return f"{number} {escape(code)}" if code else number


def sum_money(items: Iterable[Mapping[str, Any]], compact: bool = True) -> str | None:
    """Sum `value` per `currency` -> `$1.2M + €300k`; None when nothing has a value."""
    totals: dict[str, float] = {}
    for item in items:
        if item.get("value") is not None:
            code = (item.get("currency") or "").upper()
            totals[code] = totals.get(code, 0.0) + float(item["value"])
    if not totals:
        return None
    return " + ".join(format_money(v, c or None, compact) or "" for c, v in sorted(totals.items()))


BAR_FULL, BAR_EMPTY = "▇", "▁"


def strength_bar(strength: Any, width: int = 10) -> str:
    """0.72 -> `▇▇▇▇▇▇▇▁▁▁ 72` (score out of 100)."""
    try:
        value = min(max(float(strength), 0.0), 1.0)
    except (TypeError, ValueError):
        value = 0.0
    filled = round(value * width)
    return f"`{BAR_FULL * filled}{BAR_EMPTY * (width - filled)}` {round(value * 100)}"


def names(items: Iterable[Mapping[str, Any]], total: int = 2000, each: int = 200) -> str:
    """Escaped, comma-separated `name`s, at most `total` characters ("…and 3 more" if cut)."""
    return pack_lines(
        [escape_clip(one_line(i.get("name")) or f"#{i.get('id')}", each) for i in items],
        total,
        sep=", ",
    )
