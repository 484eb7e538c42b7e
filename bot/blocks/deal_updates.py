"""`affinity_update_opportunity` -> the deal card, saying plainly what the update did not change.

Adding someone already on a deal, removing someone never on it, or renaming a deal to its own
name changes nothing in Affinity; the card says so instead of looking like a change happened.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from bot.blocks import kit
from bot.blocks.deals import deal_card
from bot.blocks.paging import RenderContext
from bot.blocks.text import escape_clip, one_line

_KINDS = (("person", "people"), ("organization", "organizations"))


def deal_updated(result: Mapping[str, Any], ctx: RenderContext) -> kit.Message:
    unchanged = result.get("unchanged") or {}
    lines = unchanged_lines(result, unchanged)
    if not lines:
        return deal_card(result, ctx, "Deal updated")
    everything = result.get("changed") is False
    card = deal_card(result, ctx, "Deal unchanged" if everything else "Deal updated")
    tail = "Nothing changed." if everything else "The rest was updated."
    notice = kit.section(":information_source: " + " ".join(lines) + f" {tail}")
    card["blocks"].insert(1, notice)
    return card


def unchanged_lines(deal: Mapping[str, Any], unchanged: Mapping[str, Any]) -> list[str]:
    """One sentence per request that changed nothing, naming the records where known."""
    lines: list[str] = []
    if unchanged.get("name"):
        lines.append(f"The deal is already named {escape_clip(one_line(unchanged['name']), 200)}.")
    for kind, plural in _KINDS:
        known = {item.get("id"): item.get("name") for item in deal.get(plural) or []}
        for verb, template in (
            ("add", "{} is already on this deal."),
            ("remove", "{} is not on this deal."),
        ):
            for record_id in unchanged.get(f"{verb}_{kind}_ids") or []:
                label = known.get(record_id)
                who = (
                    f"{escape_clip(one_line(label), 200)} (id {record_id})"
                    if label
                    else f"{kind.capitalize()} {record_id}"
                )
                lines.append(template.format(who))
    return lines
