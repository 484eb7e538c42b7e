"""Block Kit builders for Affinity tool results (shapes in docs/tool-results.md).

Every builder returns plain dicts: a message `{"text", "blocks"}` (pass as `respond(**msg)`) or a
view `{"type": "modal"|"home", ...}`. All CRM and user text is escaped for mrkdwn, and every output
stays within Slack's limits (see `bot.blocks.limits.problems`).
"""

from bot.blocks.choices import chooser, problem, search_results
from bot.blocks.connection import (
    ConnectionView,
    connect_modal,
    connected,
    connection_status,
    disconnect_confirmation,
    disconnected,
    reconnect_prompt,
)
from bot.blocks.deals import deal_card, pipeline
from bot.blocks.feedback import error_message, help_message, usage_error
from bot.blocks.home import app_home
from bot.blocks.lists import added_to_list, lists_overview
from bot.blocks.notes import note_created, notes_list
from bot.blocks.organizations import organization_card
from bot.blocks.paging import RenderContext, decode_more_value, needs_more_key
from bot.blocks.people import person_card, relationship_strengths
from bot.blocks.render import render

__all__ = [
    "ConnectionView",
    "RenderContext",
    "added_to_list",
    "app_home",
    "chooser",
    "connect_modal",
    "connected",
    "connection_status",
    "deal_card",
    "decode_more_value",
    "disconnect_confirmation",
    "disconnected",
    "error_message",
    "help_message",
    "lists_overview",
    "needs_more_key",
    "note_created",
    "notes_list",
    "organization_card",
    "person_card",
    "pipeline",
    "problem",
    "reconnect_prompt",
    "relationship_strengths",
    "render",
    "search_results",
    "usage_error",
]
