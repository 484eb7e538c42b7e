"""Confirmations of `affinity_create_person` and `affinity_create_organization`: what was added,
or the record that already existed (nothing was created)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from bot.blocks import kit
from bot.blocks.paging import RenderContext, footer
from bot.blocks.text import Links, escape_clip, one_line


def _confirmation(
    kind: str,
    word: str,
    record: Mapping[str, Any],
    details: list[str],
    existed: bool,
    ctx: RenderContext,
) -> kit.Message:
    links = Links(ctx.subdomain)
    name = one_line(record.get("name")) or f"#{record.get('id')}"
    who = links.link(kind, record.get("id"), name)
    shown = ", ".join(escape_clip(one_line(d), 200) for d in details if d)
    suffix = f" ({shown})" if shown else ""
    if existed:
        text = f":information_source: {who}{suffix} was already in Affinity. Nothing was created."
        fallback = f"{name} was already in Affinity"
    else:
        text = f":white_check_mark: Added {word} {who}{suffix} to Affinity."
        fallback = f"Added {name} to Affinity"
    return kit.message(
        fallback, [kit.section(text), *footer(ctx, url=links.url(kind, record.get("id")))]
    )


def person_created(result: Mapping[str, Any], ctx: RenderContext) -> kit.Message:
    person = result.get("person") or {}
    emails = list(result.get("emails") or []) or [person.get("primary_email")]
    return _confirmation(
        "person", "the person", person, emails, bool(result.get("already_existed")), ctx
    )


def organization_created(result: Mapping[str, Any], ctx: RenderContext) -> kit.Message:
    org = result.get("organization") or {}
    domains = list(result.get("domains") or []) or [org.get("domain")]
    return _confirmation(
        "organization", "the organization", org, domains, bool(result.get("already_existed")), ctx
    )
