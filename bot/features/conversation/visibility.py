"""Who sees the bot's answers in a channel: the asker only (the default), or everyone there.

A workspace admin may make one channel's answers public with `/affinity channel-answers public`
(and private again with `… private`); `/affinity channel-answers` alone says which it is. The
setting is stored per (workspace, channel) in the database, so every process agrees, and each
change is written to the audit log. DMs are private whatever the setting.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy import Engine
from sqlalchemy.orm import sessionmaker

from bot.blocks import kit
from bot.features.conversation.models import ChannelAnswerSetting
from bot.models import AuditLogEntry

if TYPE_CHECKING:  # bot.services builds this module's ChannelVisibility
    from bot.services import Services

log = logging.getLogger(__name__)

PUBLIC, PRIVATE = "public", "private"
AUDIT_TOOL = "setting:channel-answers"  # not an Affinity call: App Home's activity skips it

PRIVATE_TEXT = (
    "In <#{channel}>, my answers are *private*: whoever asks sees the answer in the "
    "thread, with a *Share* button to post it for everyone."
)
PUBLIC_TEXT = (
    "In <#{channel}>, my answers are *public*: everyone in the channel sees them in "
    "the thread. A workspace admin can make them private again with "
    "`/affinity channel-answers private`."
)
NOT_A_CHANNEL_TEXT = (
    "Run `/affinity channel-answers` in the channel you mean. Here, in our "
    "direct messages, my answers are always private to you."
)
NOT_ADMIN_TEXT = (
    "Only a Slack workspace admin or owner can change who sees my answers in a "
    "channel; nothing was changed."
)
ADMIN_UNKNOWN_TEXT = (
    "I couldn't check with Slack that you are a workspace admin ({error}); "
    "nothing was changed. Try again in a moment."
)


def is_channel(channel_id: str | None) -> bool:
    """A conversation several people may read (public or private channel, group DM)."""
    return bool(channel_id) and not str(channel_id).startswith("D")


def channel_visibility(services: Services) -> ChannelVisibility:
    """The process's one channel-answers store."""
    return services.shared(
        ChannelVisibility, lambda: ChannelVisibility(services.engine, services.clock)
    )


class ChannelVisibility:
    """The stored per-channel setting. Reads are one primary-key lookup per answer."""

    def __init__(self, engine: Engine, clock: Any) -> None:
        self.sessions = sessionmaker(engine, expire_on_commit=False)
        self.clock = clock

    def is_public(self, team_id: str, channel_id: str) -> bool:
        with self.sessions() as session:
            row = session.get(ChannelAnswerSetting, (team_id, channel_id))
            return bool(row and row.public)

    def set(
        self, team_id: str, channel_id: str, *, public: bool, user_id: str, identifier: str
    ) -> None:
        """Store the setting and audit who changed it, in one transaction."""
        now = self.clock()
        with self.sessions.begin() as session:
            row = session.get(ChannelAnswerSetting, (team_id, channel_id)) or (
                ChannelAnswerSetting(team_id=team_id, channel_id=channel_id)
            )
            row.public, row.changed_by, row.changed_at = public, user_id, now
            session.add(row)
            session.add(
                AuditLogEntry(
                    at=now,
                    identifier=identifier[:255],
                    tool=AUDIT_TOOL,
                    outcome=PUBLIC if public else PRIVATE,
                    duration_ms=0,
                    reference=channel_id[:64],
                )
            )
        log.info(
            "channel answers in %s/%s made %s by %s",
            team_id,
            channel_id,
            PUBLIC if public else PRIVATE,
            user_id,
        )


def channel_answers_reply(
    services: Services,
    client: WebClient | None,
    *,
    team_id: str,
    user_id: str,
    channel_id: str | None,
    identifier: str,
    setting: str | None,
) -> kit.Message:
    """`/affinity channel-answers [public|private]`: show, or (admins only) change, the
    setting of the channel it was typed in."""
    if not is_channel(channel_id):
        return _reply(NOT_A_CHANNEL_TEXT)
    assert channel_id is not None
    visibility = channel_visibility(services)
    current = PUBLIC if visibility.is_public(team_id, channel_id) else PRIVATE
    if setting is None:
        return _reply(_state_text(current, channel_id))
    if client is None:
        return _reply(NOT_ADMIN_TEXT)
    from bot.features.connect import is_workspace_admin  # the check pin-tenant uses

    try:
        admin = is_workspace_admin(client, user_id)
    except SlackApiError as error:
        return _reply(ADMIN_UNKNOWN_TEXT.format(error=error.response.get("error") or "no answer"))
    if not admin:
        return _reply(f"{NOT_ADMIN_TEXT} {_state_text(current, channel_id)}")
    visibility.set(
        team_id, channel_id, public=setting == PUBLIC, user_id=user_id, identifier=identifier
    )
    return _reply(":white_check_mark: Changed. " + _state_text(setting, channel_id))


def _state_text(setting: str, channel_id: str) -> str:
    return (PUBLIC_TEXT if setting == PUBLIC else PRIVATE_TEXT).format(channel=channel_id)


def _reply(text: str) -> kit.Message:
    return {"text": text, "blocks": [kit.section(text)]}
