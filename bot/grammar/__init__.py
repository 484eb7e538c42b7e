"""The `/affinity` command grammar: text -> `Command` (or a `UsageError`), and back, and the pure
planning of a command into tool calls (`resolve`). No Slack, no storage, no network: the
`/affinity` feature (bot/features/commands/) runs what this package plans."""

from bot.grammar.grammar import (
    SUBCOMMANDS,
    Subcommand,
    format_command,
    is_command,
    parse,
    usage_of,
    writes,
)
from bot.grammar.model import Command, DealRef, EntityRef, Filter, ListRef, UsageError

__all__ = [
    "SUBCOMMANDS",
    "Command",
    "DealRef",
    "EntityRef",
    "Filter",
    "ListRef",
    "Subcommand",
    "UsageError",
    "format_command",
    "is_command",
    "parse",
    "usage_of",
    "writes",
]
