"""Compact previews of Affinity records for `chat.unfurl` (a few lines, never notes or fields
beyond what a card needs)."""

from __future__ import annotations

from typing import Any

from bot.blocks import kit
from bot.blocks.text import Links, escape_clip, format_money

MAX_NAMES = 3


def _names(items: list[dict[str, Any]] | None) -> str:
    names = [escape_clip(i.get("name") or "", 60) for i in (items or []) if i.get("name")]
    more = len(names) - MAX_NAMES
    return ", ".join(names[:MAX_NAMES]) + (f" and {more} more" if more > 0 else "")


def _card(title: str, *lines: str) -> dict[str, Any]:
    blocks = [kit.section(title)]
    details = [line for line in lines if line]
    if details:
        blocks.append(kit.context(" · ".join(details)))
    return {"blocks": blocks}


def person_card(person: dict[str, Any], links: Links) -> dict[str, Any]:
    title = "*" + links.link("person", person["id"], person.get("name")) + "*"
    email = person.get("primary_email")
    return _card(
        title,
        "Person",
        escape_clip(email, 100) if email else "",
        _names(person.get("organizations")),
    )


def organization_card(org: dict[str, Any], links: Links) -> dict[str, Any]:
    title = "*" + links.link("organization", org["id"], org.get("name")) + "*"
    people = org.get("people_count")
    deals = org.get("deals") or []
    return _card(
        title,
        "Organization",
        escape_clip(org.get("domain") or "", 100),
        f"{people} people" if people else "",
        f"{len(deals)} deal{'s' if len(deals) != 1 else ''}" if deals else "",
    )


def deal_card(deal: dict[str, Any], links: Links) -> dict[str, Any]:
    title = "*" + links.link("opportunity", deal["id"], deal.get("name")) + "*"
    stage = (deal.get("stage") or {}).get("text")
    value = format_money(deal.get("value"), deal.get("currency"), compact=True)
    return _card(
        title,
        "Deal in " + escape_clip((deal.get("list") or {}).get("name") or "a list", 100),
        f"Stage: {escape_clip(stage, 60)}" if stage else "",
        f"Value: {value}" if value else "",
        _names(deal.get("organizations")),
    )


def list_card(item: dict[str, Any], links: Links) -> dict[str, Any]:
    title = "*" + links.link("list", item["id"], item.get("name")) + "*"
    kind = {"opportunity": "Deal list", "person": "People list", "organization": "Company list"}
    size = item.get("size")
    return _card(
        title,
        kind.get(str(item.get("type")), "List"),
        f"{size} entries" if size is not None else "",
    )
