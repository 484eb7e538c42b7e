"""Search results and the "several matches, pick one" chooser: one Choose button per match.

A chooser whose options write (which list for `new-deal`/`add`) is a *write card*: the caller
passes the card id it minted, and each Choose button's value is `{"w": card, "c": command}`
(`write_value` / `parse_write_value`), so that the click is claimed by the card's id.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from bot.blocks import actions as ids
from bot.blocks import kit, limits
from bot.blocks.paging import RenderContext, footer
from bot.blocks.text import Links, escape_clip, format_date, one_line
from bot.grammar.resolve import Choice, Option, Problem

MAX_OPTIONS = 40  # one section each, under the 50-block limit with room for the footer


def write_value(card: str, command: str) -> str:
    """The value of a write button: the card it belongs to and the command it runs."""
    return json.dumps({"w": card, "c": command}, separators=(",", ":"), ensure_ascii=False)


def parse_write_value(value: str) -> tuple[str, str] | None:
    """`(card id, command)` from a write button's value; None for any other value."""
    if not value.startswith('{"w":'):
        return None
    try:
        data = json.loads(value)
    except ValueError:
        return None
    if isinstance(data, dict) and isinstance(data.get("w"), str) and isinstance(data.get("c"), str):
        return data["w"], data["c"]
    return None


def option_rows(
    options: Sequence[Option],
    links: Links,
    kind: str | None = None,
    card: str | None = None,
    button: str = "Choose",
) -> list[kit.Block]:
    """One section per option, with a button (`button`, Choose by default) that runs the
    option's command (claimed by `card` when the options write)."""
    rows = []
    for option in options[:MAX_OPTIONS]:
        label = (
            links.link(kind, option.id, option.label)
            if kind
            else escape_clip(one_line(option.label), 300)
        )
        detail = f" · {escape_clip(one_line(option.detail), 300)}" if option.detail else ""
        value = write_value(card, option.command) if card else option.command
        fits = len(value) <= limits.BUTTON_VALUE  # never cut a command short
        choose = kit.button(button, ids.PICK, value) if fits else None
        rows.append(kit.section(f"{label}{detail}", choose))
    if len(options) > MAX_OPTIONS:
        rows.append(kit.context(f"…and {len(options) - MAX_OPTIONS} more. Be more specific."))
    return rows


def chooser(
    choice: Choice,
    ctx: RenderContext,
    kind: str | None = None,
    card: str | None = None,
    button: str = "Choose",
) -> kit.Message:
    """A `Choice` from `bot.grammar.resolve` -> "pick one" message (More when paged; `kind`
    links each option into Affinity; `card`: the write card its buttons claim; `button`: their
    label, e.g. Remove for a question with one answer)."""
    return kit.message(
        choice.prompt,
        [
            kit.section(escape_clip(choice.prompt, limits.SECTION_TEXT)),
            *option_rows(choice.options, Links(ctx.subdomain), kind, card, button),
            *footer(ctx, page_token=choice.next_page_token, share=False),
        ],
    )


def problem(found: Problem, ctx: RenderContext, card: str | None = None) -> kit.Message:
    """A `Problem` (list not found, wrong kind, no match) with its suggestions as buttons
    (claimed by `card` when they write)."""
    blocks: list[kit.Block | None] = [
        kit.section(":warning: " + escape_clip(found.message, limits.SECTION_TEXT - 20))
    ]
    if found.options:
        blocks.append(kit.context("Did you mean one of these?"))
        blocks += option_rows(found.options, Links(ctx.subdomain), card=card)
    return kit.message(found.message, blocks)


def _person_option(person: Mapping[str, Any]) -> Option:
    last = format_date((person.get("interaction_dates") or {}).get("last_interaction"))
    detail = " · ".join(x for x in (person.get("primary_email"), last and f"last {last}") if x)
    return Option(
        int(person["id"]),
        str(person.get("name") or person["id"]),
        f"person {person['id']}",
        detail or None,
    )


def _org_option(org: Mapping[str, Any]) -> Option:
    return Option(
        int(org["id"]), str(org.get("name") or org["id"]), f"org {org['id']}", org.get("domain")
    )


def search_results(result: Mapping[str, Any], ctx: RenderContext, term: str = "") -> kit.Message:
    """`affinity_search_persons` / `affinity_search_organizations` -> matches with Choose buttons.

    The caller shows the card directly when exactly one record matches (see resolve.follow_up).
    """
    if "persons" in result:
        records, kind, noun = result.get("persons") or [], "person", "people"
        options = [_person_option(p) for p in records]
    else:
        records, kind, noun = result.get("organizations") or [], "organization", "organizations"
        options = [_org_option(o) for o in records]
    heading = f"{len(records)} {noun}" + (f" match “{one_line(term)}”" if term else "")
    if result.get("next_page_token"):
        heading += " (first page)"
    blocks: list[kit.Block | None] = [kit.section(f"*{escape_clip(heading, 300)}*")]
    if not records:
        blocks = [kit.section(f"No {noun} match “{escape_clip(one_line(term), 300)}”.")]
    blocks += option_rows(options, Links(ctx.subdomain), kind)
    blocks += footer(ctx, page_token=result.get("next_page_token"), share=False)
    return kit.message(heading, blocks)
