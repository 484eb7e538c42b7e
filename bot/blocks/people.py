"""Person card and "who knows them" relationship bars."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from bot.blocks import kit, limits
from bot.blocks.paging import RenderContext, footer, run_buttons
from bot.blocks.text import Links, escape_clip, format_date, one_line, pack_lines, strength_bar

INTERACTION_LABELS = (
    ("last_interaction", "Last interaction"),
    ("last_email", "Last email"),
    ("last_event", "Last meeting"),
    ("next_event", "Next meeting"),
)


def interaction_fields(dates: Mapping[str, Any] | None) -> list[tuple[str, str | None]]:
    dates = dates or {}
    return [(label, format_date(dates.get(key))) for key, label in INTERACTION_LABELS]


def linked_names(
    links: Links,
    kind: str,
    items: Sequence[Mapping[str, Any]],
    id_key: str = "id",
    name_key: str = "name",
) -> str | None:
    """Comma-separated links, packed to fit a field."""
    if not items:
        return None
    unique = {i.get(id_key): i for i in items}.values()  # one entry per record
    parts = [links.link(kind, i.get(id_key), i.get(name_key)) for i in unique]
    return pack_lines(parts, limits.FIELD_TEXT - 50, sep=", ")


def relationship_lines(relationships: Sequence[Mapping[str, Any]]) -> list[str]:
    ranked = sorted(relationships, key=lambda r: float(r.get("strength") or 0), reverse=True)
    return [
        f"{strength_bar(r.get('strength'))}  {escape_clip(one_line(r.get('name')), 200)}"
        for r in ranked
    ]


def person_card(person: Mapping[str, Any], ctx: RenderContext) -> kit.Message:
    """`affinity_get_person` -> card (contacts, orgs, lists, interactions, who knows them)."""
    links = Links(ctx.subdomain)
    pid = person.get("id")
    name = one_line(person.get("name")) or f"Person {pid}"
    emails = [escape_clip(e, 300) for e in person.get("emails") or []]
    phones = [escape_clip(p, 100) for p in person.get("phone_numbers") or []]
    info = kit.fields(
        [
            ("Email", pack_lines(emails, limits.FIELD_TEXT - 40) if emails else None),
            ("Phone", pack_lines(phones, limits.FIELD_TEXT - 40) if phones else None),
            (
                "Organizations",
                linked_names(links, "organization", person.get("organizations") or []),
            ),
            (
                "Lists",
                linked_names(links, "list", person.get("lists") or [], "list_id", "list_name"),
            ),
            *interaction_fields(person.get("interaction_dates")),
        ]
    )
    kind = "internal (your team)" if person.get("type") == "internal" else "external"
    relationships = person.get("relationships") or []
    blocks = [
        kit.header(name),
        kit.context(f"{links.link('person', pid, name)} · {kind} · id {pid}"),
        info,
    ]
    if relationships:
        text = "*Who knows them best*\n" + pack_lines(
            relationship_lines(relationships), limits.SECTION_TEXT - 40
        )
        blocks.append(kit.section(text))
    extra = run_buttons([("Notes", f"notes person {pid}"), ("Who knows them", f"intro {pid}")])
    blocks += footer(ctx, url=links.url("person", pid), extra=extra)
    return kit.message(f"{name} ({person.get('primary_email') or 'Affinity person'})", blocks)


def relationship_strengths(result: Mapping[str, Any], ctx: RenderContext) -> kit.Message:
    """`affinity_get_relationship_strength` -> who on the team knows them, strongest first."""
    links = Links(ctx.subdomain)
    person = result.get("person") or {}
    name = one_line(person.get("name")) or f"Person {person.get('id')}"
    lines = relationship_lines(result.get("relationships") or [])
    blocks: list[kit.Block | None] = [kit.header(f"Who knows {name}")]
    if lines:
        body = pack_lines(lines, limits.SECTION_TEXT - 40, "…and {n} more colleagues")
        blocks.append(kit.section(body))
        blocks.append(kit.context("Strength from Affinity (0 to 100), updated daily."))
        strongest = sorted(result["relationships"], key=lambda r: float(r.get("strength") or 0))
        fallback = f"{one_line(strongest[-1].get('name'))} knows {name} best"
    else:
        blocks.append(
            kit.section(
                "No one on your team has emailed or met "
                f"{links.link('person', person.get('id'), name)} yet, as far as Affinity knows."
            )
        )
        fallback = f"No one on your team knows {name} yet"
    blocks += footer(ctx, url=links.url("person", person.get("id")))
    return kit.message(fallback, blocks)
