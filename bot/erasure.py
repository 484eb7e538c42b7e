"""What goes when a user's key goes: everything the app kept that was read with that key.

Three kinds of rows hold CRM data read with one user's key: the assistant's conversations
(`agent_conversations`), answers held for their Share button (`held_answers`) and the record
names of App Home's recent activity (`activity_records`). All are
erased on disconnect, on a deactivated Slack user, and (by identifier prefix) when a workspace
uninstalls the app, whether or not the assistant is on. So are the user's MCP tokens and the
agent identifiers linked to their account (bot/adapters), which act with that key.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import ColumnElement, Engine, delete
from sqlalchemy.orm import InstrumentedAttribute

from bot.agent.models import AgentConversation
from bot.database import rows_affected


def _owned() -> tuple[InstrumentedAttribute[str], ...]:
    """The owner columns of the tables to erase (imported here: the conversation feature's
    package imports the command features, which import this module)."""
    from bot.features.activity.models import ActivityRecord
    from bot.features.conversation.models import HeldAnswer
    from bot.models import AccountLink, McpToken

    return (
        AgentConversation.owner,
        HeldAnswer.owner,
        ActivityRecord.owner,
        McpToken.identifier,
        AccountLink.identifier,
    )


def erase_read_data(engine: Engine, owner: str) -> int:
    """Erase every row read with `owner`'s key; returns how many rows went."""
    return _erase_where(engine, lambda column: column == owner)


def erase_read_data_of_workspace(engine: Engine, team_id: str) -> int:
    """Erase every row read with the key of anyone in workspace `team_id`."""
    prefix = f"{team_id}:"
    return _erase_where(engine, lambda column: column.startswith(prefix, autoescape=True))


def _erase_where(
    engine: Engine, condition: Callable[[InstrumentedAttribute[str]], ColumnElement[bool]]
) -> int:
    erased = 0
    with engine.begin() as connection:
        for column in _owned():
            erased += rows_affected(
                connection.execute(delete(column.class_).where(condition(column)))
            )
    return erased
