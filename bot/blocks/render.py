"""One entry point from (tool name, tool result) to a message, for listeners and the agent."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from bot.blocks import kit
from bot.blocks.calendar import meetings_list, reminder_saved, reminders_list
from bot.blocks.choices import search_results
from bot.blocks.deal_updates import deal_updated
from bot.blocks.deals import deal_card, pipeline
from bot.blocks.directory import organization_created, person_created
from bot.blocks.field_changes import fields_updated, removed_from_list
from bot.blocks.lists import added_to_list, lists_overview
from bot.blocks.notes import note_created, note_deleted, note_updated, notes_list
from bot.blocks.organizations import organization_card
from bot.blocks.paging import RenderContext
from bot.blocks.people import person_card, relationship_strengths

Renderer = Callable[[Mapping[str, Any], RenderContext], kit.Message]

RENDERERS: dict[str, Renderer] = {
    "affinity_get_person": person_card,
    "affinity_get_organization": organization_card,
    "affinity_list_lists": lists_overview,
    "affinity_list_opportunities": pipeline,
    "affinity_get_opportunity": deal_card,
    "affinity_create_opportunity": lambda r, c: deal_card(r, c, "Deal created"),
    "affinity_update_opportunity": deal_updated,
    "affinity_create_note": note_created,
    "affinity_list_notes": notes_list,
    "affinity_add_to_list": added_to_list,
    "affinity_get_relationship_strength": relationship_strengths,
    "affinity_update_note": note_updated,
    "affinity_delete_note": note_deleted,
    "affinity_list_reminders": reminders_list,
    "affinity_create_reminder": reminder_saved,
    "affinity_complete_reminder": reminder_saved,
    "affinity_list_meetings": meetings_list,
    "affinity_create_person": person_created,
    "affinity_create_organization": organization_created,
    "affinity_search_list_entries": pipeline,
    "affinity_update_field_values": fields_updated,
    "affinity_remove_from_list": removed_from_list,
}


def render(tool: str, result: Mapping[str, Any], ctx: RenderContext, term: str = "") -> kit.Message:
    """The message for `tool`'s `result`. `term` titles search results ("3 people match …")."""
    if tool in {"affinity_search_persons", "affinity_search_organizations"}:
        return search_results(result, ctx, term)
    try:
        builder = RENDERERS[tool]
    except KeyError:
        raise ValueError(f"no renderer for {tool}") from None
    return builder(result, ctx)
