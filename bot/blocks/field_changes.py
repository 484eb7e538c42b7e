"""Field writes and removals: what changed, old -> new per field (`affinity_update_field_values`),
and what was taken off a list (`affinity_remove_from_list`)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from bot.blocks import kit, limits
from bot.blocks.deals import _ISO_TIMESTAMP
from bot.blocks.paging import RenderContext, footer, run_buttons
from bot.blocks.text import Links, escape_clip, format_date, one_line, pack_lines

ARROW = "→"
_NUMBER = re.compile(r"^-?\d{5,}(\.\d+)?$")  # 12500000 -> 12,500,000 (not years)
NOTHING = "_empty_"


def _value(text: Any) -> str:
    if text in (None, ""):
        return NOTHING
    line = one_line(text)
    if _ISO_TIMESTAMP.match(line):
        line = format_date(line) or line
    elif _NUMBER.match(line):
        line = f"{float(line):,.2f}".rstrip("0").rstrip(".")
    return escape_clip(line, 300)


def change_line(change: Mapping[str, Any]) -> str:
    """`*Status:* Diligence → IC`."""
    name = escape_clip(one_line(change.get("field")), 100)
    return f"*{name}:* {_value(change.get('old'))} {ARROW} {_value(change.get('new'))}"


def _entity_link(links: Links, entity: Mapping[str, Any]) -> str:
    return links.link(entity.get("type") or "opportunity", entity.get("id"), entity.get("name"))


def fields_updated(result: Mapping[str, Any], ctx: RenderContext) -> kit.Message:
    """Old -> new per field written; fields that already had the value are said apart."""
    links = Links(ctx.subdomain)
    entity = result.get("entity") or {}
    the_list = result.get("list") or {}
    changes = result.get("changes") or []
    unchanged = result.get("unchanged") or []
    who = _entity_link(links, entity)
    where = links.link("list", the_list.get("id"), the_list.get("name"))
    blocks: list[kit.Block | None] = []
    if changes:
        blocks.append(kit.section(f":white_check_mark: Updated {who} in {where}"))
        blocks.append(
            kit.section(pack_lines([change_line(c) for c in changes], limits.SECTION_TEXT - 40))
        )
    if unchanged:
        already = ", ".join(
            f"{escape_clip(one_line(c.get('field')), 100)} is already {_value(c.get('new'))}"
            for c in unchanged
        )
        lead = "" if changes else f"Nothing changed on {who}: "
        blocks.append(kit.context(f":information_source: {lead}{already}."))
    extra: tuple[kit.Block, ...] = ()
    if entity.get("type") == "opportunity" and entity.get("id") is not None:
        extra = run_buttons([("Show deal", f"deal {entity['id']}")])
    url = links.url(entity.get("type") or "opportunity", entity.get("id"))
    blocks += footer(ctx, url=url, extra=extra)
    name = one_line(entity.get("name")) or f"#{entity.get('id')}"
    summary = "; ".join(
        f"{one_line(c.get('field'))}: {one_line(c.get('old')) or 'empty'} {ARROW} "
        f"{one_line(c.get('new')) or 'empty'}"
        for c in changes
    )
    text = f"Updated {name}: {summary}" if changes else f"Nothing changed on {name}"
    return kit.message(text, blocks)


def removed_from_list(result: Mapping[str, Any], ctx: RenderContext) -> kit.Message:
    links = Links(ctx.subdomain)
    entity = result.get("entity") or {}
    the_list = result.get("list") or {}
    name = escape_clip(one_line(entity.get("name")) or f"#{entity.get('id')}", 200)
    where = links.link("list", the_list.get("id"), the_list.get("name"))
    if not result.get("removed"):
        text = f":information_source: {name} was not on {where}. Nothing changed."
    elif result.get("deal_deleted"):
        text = f":wastebasket: Removed the deal {name} from {where}; the deal is deleted."
    else:
        text = f":white_check_mark: Removed {name} from {where}."
    fallback = text.split(" ", 1)[1].replace("*", "")
    return kit.message(
        fallback, [kit.section(text), *footer(ctx, url=links.url("list", the_list.get("id")))]
    )
