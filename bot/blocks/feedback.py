"""Help, usage errors and failures, as messages."""

from __future__ import annotations

from bot.blocks import actions as ids
from bot.blocks import kit, limits
from bot.blocks.text import escape, escape_clip, pack_lines
from bot.grammar.grammar import SLASH, SUBCOMMANDS, Subcommand
from bot.grammar.model import UsageError

HELP_GROUPS = (
    ("Look up", ("person", "org", "intro", "lists")),
    ("People and organizations", ("new-person", "new-org")),
    (
        "Pipeline",
        (
            "deals",
            "deal",
            "stage",
            "set",
            "new-deal",
            "rename-deal",
            "deal-add",
            "deal-remove",
            "add",
            "remove",
        ),
    ),
    ("Notes", ("note", "notes", "note-edit", "note-delete")),
    ("Reminders and meetings", ("remind", "reminders", "done", "meetings", "brief", "prep")),
    ("Following lists", ("follow", "unfollow", "following")),
    ("Your connection", ("connect", "status", "disconnect", "mcp-token", "link-agent", "help")),
    (
        "Workspace admins",
        ("pin-tenant", "unpin-tenant", "channel-answers", "follow-allow", "webhooks"),
    ),
)
WRITES_MARK = ":pencil2:"


def _usage_line(spec: Subcommand) -> str:
    mark = f" {WRITES_MARK}" if spec.writes else ""
    return f"`{SLASH} {escape(spec.usage)}`{mark}\n      {escape(spec.summary)}"


def help_message(topic: str | None = None) -> kit.Message:
    """`/affinity help` (every command) or `/affinity help <command>` (one, with examples)."""
    if topic:
        return _help_topic(SUBCOMMANDS[topic])
    blocks: list[kit.Block | None] = [kit.header("Affinity commands")]
    for title, names in HELP_GROUPS:
        lines = [_usage_line(SUBCOMMANDS[n]) for n in names]
        blocks.append(kit.section(f"*{title}*\n" + pack_lines(lines, limits.SECTION_TEXT - 40)))
    blocks.append(
        kit.context(
            f"{WRITES_MARK} changes data in Affinity. Quote names with spaces: "
            f'`{SLASH} add "Series A" org 310`. Ids appear on every card. '
            "You can also just message me in plain language."
        )
    )
    return kit.message("Affinity commands: type /affinity help <command> for details", blocks)


def _help_topic(spec: Subcommand) -> kit.Message:
    lines = [_usage_line(spec)]
    if spec.aliases:
        lines.append("Also: " + ", ".join(f"`{escape(a)}`" for a in spec.aliases))
    if spec.writes:
        lines.append(f"{WRITES_MARK} This changes data in Affinity.")
    if spec.examples:
        lines.append("*Examples*\n" + "\n".join(f"`{SLASH} {escape(e)}`" for e in spec.examples))
    return kit.message(f"/affinity {spec.usage}", [kit.section("\n".join(lines))])


def usage_error(error: UsageError) -> kit.Message:
    """A `UsageError`: the reason, a suggestion, and how to type it. Nothing was run."""
    text = ":grey_question: " + escape_clip(error.reason, 1000)
    if error.suggestion:
        text += f"\nDid you mean `{SLASH} {escape_clip(error.suggestion, 500)}`?"
    text += f"\nUsage: {escape_clip(error.usage, 1000)}"
    help_value = f"help {error.subcommand}" if error.subcommand else "help"
    return kit.message(
        error.message,
        [
            kit.section(text),
            kit.actions([kit.button("Show help", ids.HELP, help_value)]),
        ],
    )


def error_message(summary: str, detail: str | None = None, hint: str | None = None) -> kit.Message:
    """A failure the user should know about. `summary`/`detail` must already be safe to show
    (e.g. `str()` of an `AffinityError`); they are escaped here, never interpreted."""
    text = ":warning: *" + escape_clip(summary, 500) + "*"
    if detail:
        text += "\n" + escape_clip(detail, 2000)
    blocks: list[kit.Block | None] = [kit.section(text)]
    if hint:
        blocks.append(kit.context(escape_clip(hint, 1000)))
    return kit.message(summary, blocks)
