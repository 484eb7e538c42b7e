"""The `/affinity` command layer: grammar (text -> Command) and pure resolution helpers."""

from bot.commands.grammar import SUBCOMMANDS, Subcommand, parse, usage_of
from bot.commands.model import Command, EntityRef, ListRef, UsageError

__all__ = [
    "SUBCOMMANDS", "Command", "EntityRef", "ListRef", "Subcommand", "UsageError", "parse",
    "usage_of",
]
