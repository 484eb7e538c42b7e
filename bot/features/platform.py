"""Platform events: the app uninstalled from a workspace, tokens revoked.

In OAuth mode the workspace's installation (bot token) is deleted from the installation store,
so no process keeps using a dead token, and the log says so. In single-workspace modes there is
no store: the event is logged for the operator (the configured token no longer works).

Uninstalling also erases what the app holds for that workspace's people: their sealed Affinity
keys, the workspace's tenant pin, and the assistant's conversations (CRM data read with those
keys). A workspace that installs again starts from nothing; each person reconnects.
Deactivated users (`user_change`) are the connector's business, not this module's.
"""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import App, BoltContext
from slack_bolt.listener.builtins import TokenRevocationListeners
from sqlalchemy import delete

from bot.erasure import erase_read_data_of_workspace
from bot.models import TenantPin
from bot.services import Services

logger = logging.getLogger("bot.platform")


def register(app: App, services: Services) -> None:
    store = app.installation_store
    revocations = TokenRevocationListeners(store) if store is not None else None

    @app.event("app_uninstalled")
    def handle_app_uninstalled(context: BoltContext) -> None:
        if context.team_id:
            erase_workspace(services, context.team_id)
        if revocations is None:
            logger.warning(
                "the app was uninstalled from team %s; its bot token no longer works",
                context.team_id,
            )
            return
        revocations.handle_app_uninstalled_events(context)
        logger.info(
            "the app was uninstalled from team %s (enterprise %s): installations deleted",
            context.team_id,
            context.enterprise_id,
        )

    @app.event("tokens_revoked")
    def handle_tokens_revoked(event: dict[str, Any], context: BoltContext) -> None:
        tokens = event.get("tokens") or {}
        users, bots = tokens.get("oauth") or [], tokens.get("bot") or []
        if revocations is None:
            logger.warning(
                "tokens revoked in team %s (%d user, %d bot): the configured token may be dead",
                context.team_id,
                len(users),
                len(bots),
            )
            return
        revocations.handle_tokens_revoked_events(event, context)
        logger.info(
            "tokens revoked in team %s: %d user and %d bot installations deleted",
            context.team_id,
            len(users),
            len(bots),
        )


def erase_workspace(services: Services, team_id: str) -> int:
    """Erase every credential, the tenant pin and the assistant's memory of one workspace.

    Identifiers start with the team id (`bot.connector.identifier_for`), so one prefix covers the
    workspace's people. Returns how many Affinity connections were erased.
    """
    prefix = f"{team_id}:"
    erased = services.vault.delete_for_identifier_prefix(prefix)
    with services.engine.begin() as connection:
        connection.execute(delete(TenantPin).where(TenantPin.team_id == team_id))
    erase_read_data_of_workspace(services.engine, team_id)
    logger.info("erased %d Affinity connection(s) of uninstalled team %s", erased, team_id)
    return erased
