"""The `/affinity` command: every subcommand, its results, paging, sharing, and commands in DMs.

Public interface:
- `register(app, services)`: the slash command and the result buttons (Choose, Run, More,
  Share, Help, Open in Affinity);
- `run_in_thread(services, client, *, team_id, user_id, channel_id, thread_ts, text,
  enterprise_id=None, surface=None)`: run command text typed to the bot (a DM, a mention) and
  reply in that thread (through `surface` when given).

Whether DM text is a command at all is the grammar's `bot.grammar.is_command(text)`. See
docs/commands.md for behaviour, privacy and the write-once rules.
"""

from __future__ import annotations

from slack_bolt import App
from slack_sdk import WebClient

from bot.connector import identifier_for
from bot.features.commands.engine import Invocation, WriteGuard, command_runner
from bot.features.commands.listeners import register_listeners
from bot.features.commands.surfaces import Surface, ThreadSurface
from bot.grammar import UsageError, parse, writes
from bot.services import Services

PRUNE_SECONDS = 3600


def register(app: App, services: Services) -> None:
    runner = command_runner(services)
    register_listeners(app, runner)
    services.background.register("prune-command-claims", PRUNE_SECONDS, runner.claims.prune)
    services.background.register("prune-command-page-keys", PRUNE_SECONDS, runner.pages.prune)
    services.background.register("prune-command-write-cards", PRUNE_SECONDS, runner.cards.prune)


def run_in_thread(
    services: Services,
    client: WebClient,
    *,
    team_id: str,
    user_id: str,
    channel_id: str,
    thread_ts: str,
    text: str,
    enterprise_id: str | None = None,
    surface: Surface | None = None,
) -> None:
    """Run command text addressed to the bot; the reply goes in the thread (`surface`, when
    given, decides how: the conversation feature passes a private one for channels)."""
    identifier = identifier_for(team_id, user_id, enterprise_id or None)
    runner = command_runner(services)
    surface = surface or ThreadSurface(client, channel_id, thread_ts)
    parsed = parse(text)
    is_write = not isinstance(parsed, UsageError) and writes(parsed)
    guard = WriteGuard.for_typed(identifier, text) if is_write else None
    reply = runner.run_text(
        text, Invocation(identifier, client, guard=guard, channel_id=channel_id)
    )
    if reply is not None:
        surface.show(reply.message)


__all__ = ["register", "run_in_thread"]
