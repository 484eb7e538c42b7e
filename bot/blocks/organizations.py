"""Organization card: domains, people, deal history with stages, interaction dates."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from bot.blocks import kit, limits
from bot.blocks.deals import list_label
from bot.blocks.paging import RenderContext, footer, run_buttons
from bot.blocks.people import interaction_fields, linked_names
from bot.blocks.text import Links, escape_clip, one_line, pack_lines


def _stage_rank(deal: Mapping[str, Any]) -> tuple:
    stage = deal.get("stage") or {}
    return (str(deal.get("list_name") or ""), stage.get("rank") is None, stage.get("rank") or 0)


def deal_line(links: Links, deal: Mapping[str, Any]) -> str:
    stage = (deal.get("stage") or {}).get("text")
    the_list = deal.get("list") or {}
    where = list_label(
        links,
        deal.get("list_id", the_list.get("id")),
        deal.get("list_name") or the_list.get("name"),
    )
    parts = [
        links.link("opportunity", deal.get("id"), deal.get("name")),
        f"*{escape_clip(one_line(stage), 100)}*" if stage else "_no stage_",
    ]
    if where:
        parts.append(where)
    return " · ".join(parts)


def organization_card(org: Mapping[str, Any], ctx: RenderContext) -> kit.Message:
    """`affinity_get_organization` -> card."""
    links = Links(ctx.subdomain)
    oid = org.get("id")
    name = one_line(org.get("name")) or f"Organization {oid}"
    domains = [escape_clip(d, 200) for d in org.get("domains") or [] if d] or (
        [escape_clip(org["domain"], 200)] if org.get("domain") else []
    )
    info = kit.fields(
        [
            ("Domains", pack_lines(domains, limits.FIELD_TEXT - 40) if domains else None),
            ("Lists", linked_names(links, "list", org.get("lists") or [], "list_id", "list_name")),
            *interaction_fields(org.get("interaction_dates")),
        ]
    )
    people = [
        links.link("person", p.get("id"), p.get("name"))
        + (f" · {escape_clip(p['primary_email'], 200)}" if p.get("primary_email") else "")
        for p in org.get("people") or []
    ]
    deals = [deal_line(links, d) for d in sorted(org.get("deals") or [], key=_stage_rank)]
    blocks: list[kit.Block | None] = [
        kit.header(name),
        kit.context(f"{links.link('organization', oid, name)} · id {oid}"),
        info,
    ]
    if people:
        count = max(int(org.get("people_count") or 0), len(people))  # all of them, not the named
        blocks.append(
            kit.section(f"*People ({count})*\n" + pack_lines(people, limits.SECTION_TEXT - 40))
        )
    if deals:
        blocks.append(
            kit.section(f"*Deals ({len(deals)})*\n" + pack_lines(deals, limits.SECTION_TEXT - 40))
        )
    if org.get("deals_unavailable"):  # what of the deals Affinity would not give, and why
        blocks.append(kit.context(escape_clip(one_line(org["deals_unavailable"]), 2000)))
    extra = run_buttons([("Notes", f"notes org {oid}")])
    blocks += footer(ctx, url=links.url("organization", oid), extra=extra)
    return kit.message(f"{name} ({org.get('domain') or 'Affinity organization'})", blocks)
