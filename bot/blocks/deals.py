"""Deal card and the pipeline view (deals grouped by stage, in stage rank order)."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from bot.blocks import kit, limits
from bot.blocks.paging import RenderContext, footer, run_buttons
from bot.blocks.people import linked_names
from bot.blocks.text import (
    Links,
    escape_clip,
    format_date,
    format_money,
    names,
    one_line,
    pack_lines,
    sum_money,
)

NO_STAGE = "No stage"
MAX_STAGE_SECTIONS = 40  # leaves room for header, summary, notes and the actions row


def list_label(links: Links, list_id: Any, name: Any) -> str | None:
    """A deal's list as a link: its name, else `list <id>`; None when neither is known."""
    label = one_line(name) or (f"list {list_id}" if list_id is not None else None)
    return links.link("list", list_id, label, limit=100) if label else None


def deal_card(deal: Mapping[str, Any], ctx: RenderContext, title: str | None = None) -> kit.Message:
    """`affinity_get_opportunity` (or a created/updated `Deal`) -> card.

    `title` prefixes the fallback text, e.g. "Deal created" after `new-deal`.
    """
    links = Links(ctx.subdomain)
    did = deal.get("id")
    name = one_line(deal.get("name")) or f"Deal {did}"
    the_list = deal.get("list") or {}
    stage = (deal.get("stage") or {}).get("text")
    info = kit.fields(
        [
            ("Stage", escape_clip(one_line(stage), 200) if stage else "_no stage_"),
            ("Value", format_money(deal.get("value"), deal.get("currency"))),
            ("Owners", names(deal.get("owners") or [], limits.FIELD_TEXT - 40) or None),
            ("People", linked_names(links, "person", deal.get("people") or [])),
            ("Organizations", linked_names(links, "organization", deal.get("organizations") or [])),
            ("Created", format_date(deal.get("created_at"))),
        ]
    )
    custom = [
        f"*{escape_clip(one_line(f.get('name')), 100)}:* {_field_value(f.get('value'))}"
        for f in deal.get("fields") or []
        if _worth_showing(f, deal)
    ]
    where = list_label(links, the_list.get("id"), the_list.get("name"))
    where = f"in {where}" if where else "list unknown"
    blocks: list[kit.Block | None] = [
        kit.header(name),
        kit.context(f"{links.link('opportunity', did, name)} · {where} · id {did}"),
        info,
    ]
    if custom:
        blocks.append(kit.section("*Fields*\n" + pack_lines(custom, limits.SECTION_TEXT - 40)))
    for warning in (deal.get("owner_not_set"), deal.get("read_back")):  # a create's loose ends
        if warning:
            blocks.append(kit.context(":warning: " + escape_clip(one_line(warning), 500)))
    extra = run_buttons([("Notes", f"notes deal {did}")])
    blocks += footer(ctx, url=links.url("opportunity", did), extra=extra)
    prefix = f"{title}: " if title else ""
    return kit.message(f"{prefix}{name} ({stage or NO_STAGE})", blocks)


# Fields the card already shows above, by the deal attribute that carries them.
_SHOWN_AS = {
    "status": "stage",
    "stage": "stage",
    "owners": "owners",
    "owner": "owners",
    "amount": "value",
    "value": "value",
    "deal value": "value",
    "deal size": "value",
    "currency": "currency",
}
_ISO_TIMESTAMP = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}")


def _worth_showing(field: Mapping[str, Any], deal: Mapping[str, Any]) -> bool:
    if field.get("value") in (None, ""):
        return False
    shown_as = _SHOWN_AS.get(one_line(field.get("name")).casefold())
    return not (shown_as and deal.get(shown_as))


def _field_value(value: Any) -> str:
    text = one_line(value)
    if _ISO_TIMESTAMP.match(text):
        return format_date(text) or ""
    return escape_clip(text, 500)


def group_by_stage(deals: Sequence[Mapping[str, Any]]) -> list[tuple[str, list]]:
    """[(stage text, deals)] in stage rank order; deals without a stage last."""
    groups: dict[Any, tuple[tuple, str, list]] = {}
    for deal in deals:
        stage = deal.get("stage") or {}
        key = stage.get("id") if stage else None
        if key not in groups:
            rank = stage.get("rank")
            order = (
                not stage,
                rank is None,
                rank if rank is not None else 0,
                str(stage.get("text") or ""),
            )
            groups[key] = (order, str(stage.get("text") or NO_STAGE), [])
        groups[key][2].append(deal)
    return [(text, items) for _, text, items in sorted(groups.values(), key=lambda g: g[0])]


def _pipeline_line(links: Links, deal: Mapping[str, Any]) -> str:
    parts = [
        links.link("opportunity", deal.get("id"), deal.get("name"), limit=120)
        + f" (id {deal.get('id')})"
    ]
    money = format_money(deal.get("value"), deal.get("currency"), compact=True)
    if money:
        parts.append(money)
    for key in ("organizations", "people"):
        if deal.get(key):
            parts.append(names(deal[key], 150, 60))
    owners = [o for o in deal.get("owners") or [] if o]
    if owners:
        parts.append("owner" + ("s " if len(owners) > 1 else " ") + names(owners, 150, 60))
    return " · ".join(parts)


def _plural(count: int) -> str:
    return f"{count} deal{'s' if count != 1 else ''}"


def _stage_totals(result: Mapping[str, Any]) -> dict[Any, Mapping[str, Any]]:
    """Count and amount per stage over every matching deal, when the search gave them."""
    return {(t.get("stage") or {}).get("id"): t for t in result.get("stages") or []}


def pipeline(result: Mapping[str, Any], ctx: RenderContext) -> kit.Message:
    """`affinity_list_opportunities` or `affinity_search_list_entries` -> one section per stage
    with counts and summed values: over every matching deal when the search totals them, else
    over the page (and said so)."""
    links = Links(ctx.subdomain)
    the_list = result.get("list") or {}
    title = one_line(the_list.get("name")) or (
        f"List {the_list['id']}" if the_list.get("id") is not None else "Unknown list"
    )
    deals = result.get("opportunities") or result.get("entries") or []
    more_pages = bool(result.get("next_page_token"))
    overall = result.get("total")
    per_stage = _stage_totals(result)
    if overall is not None:
        money = format_money(overall.get("amount"), overall.get("currency"), compact=True)
        summary = _plural(int(overall.get("count") or 0)) + (f" · {money}" if money else "")
        if more_pages or len(deals) < int(overall.get("count") or 0):
            summary += f" · showing {len(deals)}"  # a later page shows its own
        filters = result.get("filters") or []
        if filters:
            summary += " · " + "; ".join(one_line(f) for f in filters)
    else:
        total = sum_money(deals)
        summary = _plural(len(deals)) + (" on this page" if more_pages else "")
        summary += f" · {total}" if total else ""
    blocks: list[kit.Block | None] = [
        kit.header(title),
        kit.context(escape_clip(summary, limits.SECTION_TEXT)),
    ]
    groups = group_by_stage(deals)
    for stage, items in groups[:MAX_STAGE_SECTIONS]:
        key = (items[0].get("stage") or {}).get("id")
        known = per_stage.get(key)
        count = int(known["count"]) if known else len(items)
        value = (
            format_money(known.get("amount"), overall.get("currency") if overall else None, True)
            if known
            else sum_money(items)
        )
        head = f"*{escape_clip(stage, 200)}* — {count}" + (f" · {value}" if value else "")
        if known and count > len(items):
            head += f" (showing {len(items)})"
        lines = [_pipeline_line(links, d) for d in items]
        blocks.append(
            kit.section(
                head
                + "\n"
                + pack_lines(
                    lines, limits.SECTION_TEXT - len(head) - 5, "…and {n} more in this stage"
                )
            )
        )
    if len(groups) > MAX_STAGE_SECTIONS:
        hidden = groups[MAX_STAGE_SECTIONS:]
        blocks.append(
            kit.context(
                f"…and {len(hidden)} more stages "
                f"({sum(len(i) for _, i in hidden)} deals): open the list."
            )
        )
    if not deals:
        blocks.append(
            kit.section(
                "No deals match these filters."
                if overall is not None and result.get("filters")
                else "No deals in this list yet."
            )
        )
    blocks += footer(
        ctx, page_token=result.get("next_page_token"), url=links.url("list", the_list.get("id"))
    )
    stage_counts = ", ".join(f"{stage}: {len(items)}" for stage, items in groups[:10])
    return kit.message(f"{title}: {summary}. {stage_counts}", blocks)
