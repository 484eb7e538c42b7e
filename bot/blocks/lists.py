"""Lists overview (grouped by type, with sizes) and the "added to list" confirmation."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from bot.blocks import kit, limits
from bot.blocks.paging import RenderContext, footer
from bot.blocks.text import Links, format_date, one_line, pack_lines

TYPE_TITLES = (
    ("opportunity", "Deal pipelines"),
    ("organization", "Organization lists"),
    ("person", "People lists"),
)


def list_line(links: Links, entry: Mapping[str, Any]) -> str:
    size = entry.get("size")
    parts = [links.link("list", entry.get("id"), entry.get("name"))]
    if size is not None:
        parts.append(f"{size} {'entry' if size == 1 else 'entries'}")
    if entry.get("public") is False:
        parts.append("private")
    parts.append(f"id {entry.get('id')}")
    return " · ".join(parts)


def lists_overview(result: Mapping[str, Any], ctx: RenderContext) -> kit.Message:
    """`affinity_list_lists` -> one section per list type, names linked, sizes shown."""
    links = Links(ctx.subdomain)
    lists = result.get("lists") or []
    blocks: list[kit.Block | None] = [kit.header("Your Affinity lists")]
    known = {kind for kind, _ in TYPE_TITLES}
    groups = [*TYPE_TITLES, ("other", "Other lists")]
    for kind, title in groups:
        items = [e for e in lists if (e.get("type") if e.get("type") in known else "other") == kind]
        if not items:
            continue
        items.sort(key=lambda e: str(e.get("name") or "").casefold())
        body = pack_lines([list_line(links, e) for e in items], limits.SECTION_TEXT - 60)
        blocks.append(kit.section(f"*{title} ({len(items)})*\n{body}"))
    if not lists:
        blocks.append(kit.section("You can't see any lists in Affinity yet."))
    else:
        blocks.append(kit.context("Use a pipeline: `/affinity deals &lt;list name&gt;`"))
    blocks += footer(ctx)
    return kit.message(f"Your Affinity lists: {len(lists)}", blocks)


def added_to_list(result: Mapping[str, Any], ctx: RenderContext) -> kit.Message:
    """`affinity_add_to_list` -> confirmation (or "already on the list": nothing changed)."""
    links = Links(ctx.subdomain)
    the_list, entity = result.get("list") or {}, result.get("entity") or {}
    who = links.link(entity.get("type") or "person", entity.get("id"), entity.get("name"))
    where = links.link("list", the_list.get("id"), the_list.get("name"))
    if result.get("already_on_list"):
        text = f":information_source: {who} was already on {where}. Nothing changed."
        fallback = f"{one_line(entity.get('name'))} was already on {one_line(the_list.get('name'))}"
    else:
        when = format_date(result.get("created_at"))
        text = f":white_check_mark: Added {who} to {where}" + (f" ({when})." if when else ".")
        fallback = f"Added {one_line(entity.get('name'))} to {one_line(the_list.get('name'))}"
    return kit.message(
        fallback, [kit.section(text), *footer(ctx, url=links.url("list", the_list.get("id")))]
    )
