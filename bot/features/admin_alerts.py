"""Telling a workspace's admins about a problem in the app's own configuration.

Two problems: stored keys sealed with a master key id that `VAULT_MASTER_KEYS` lacks (the
connector tells at most once an hour per workspace, with an ERROR log line), and the
firm's monthly Affinity API quota used up (at most once a day per workspace, while
it lasts). The connector decides when (a claim in `connector_claims`, so the limits hold across
processes); this module decides whom, and sends the DM:

- OAuth installs (HTTP mode with the installation store): the Slack user who installed the app in
  that workspace (the installation's `user_id`);
- a single workspace (Socket Mode, or HTTP with `SLACK_BOT_TOKEN`): from `users.list`, the primary
  owner, else the first owner, else the first admin (active humans only).
Nobody found, or Slack unreachable: the ERROR log line is all there is.
"""

from __future__ import annotations

import logging

from slack_bolt import App
from slack_sdk import WebClient

from affinity_client.errors import MonthlyQuotaError
from bot.connector import parse_identifier
from bot.features.home import slack_client_for
from bot.services import Services

log = logging.getLogger("bot.features.admin_alerts")

USERS_PAGE = 200
ADMIN_ROLES = ("is_primary_owner", "is_owner", "is_admin")  # best first
MAX_PAGES = 50


def missing_key_message(kid: str) -> str:
    return (
        ":warning: *Affinity for Slack cannot use the Affinity keys stored for this workspace.* "
        f"They are sealed with master key id `{kid}`, which the app's configuration "
        "(`VAULT_MASTER_KEYS`) does not hold. Nobody's connection was removed: whoever runs the "
        "app should add that key back to `VAULT_MASTER_KEYS` and restart it; everything then "
        "works again. Users who try meanwhile are told the app has a configuration problem."
    )


def monthly_quota_message(error: MonthlyQuotaError) -> str:
    return (
        ":warning: *Affinity is refusing this workspace's requests: the firm's monthly Affinity "
        f"API quota is used up.* {error}  Affinity for Slack cannot read or change anything in "
        "Affinity until then; users who try are told the same. To get requests back sooner, "
        "ask Affinity about your plan's monthly limit. You get this message at most once a day "
        "while it lasts."
    )


def installer_of(app: App, team_id: str, enterprise_id: str | None) -> str | None:
    """The installing user of an OAuth install; None in single-workspace mode or if unknown."""
    store = app.installation_store
    if store is None:
        return None
    installation = store.find_installation(enterprise_id=enterprise_id, team_id=team_id)
    return getattr(installation, "user_id", None) if installation else None


def workspace_admin(client: WebClient) -> str | None:
    """The primary owner, else an owner, else an admin, from `users.list` (humans only)."""
    best: tuple[int, str] | None = None
    cursor = None
    for _page in range(MAX_PAGES):
        response = client.users_list(limit=USERS_PAGE, cursor=cursor)
        for member in response.get("members") or []:
            if member.get("deleted") or member.get("is_bot") or member.get("id") == "USLACKBOT":
                continue
            rank = next((r for r, role in enumerate(ADMIN_ROLES) if member.get(role)), None)
            if rank is not None and (best is None or rank < best[0]):
                best = (rank, member["id"])
        if best is not None and best[0] == 0:
            break
        cursor = (response.get("response_metadata") or {}).get("next_cursor")
        if not cursor:
            break
    return best[1] if best else None


def tell_admins(app: App, services: Services, identifier: str, kid: str) -> str | None:
    """DM the admin of the identifier's workspace about a missing master key."""
    return dm_admin(app, services, identifier, missing_key_message(kid), f"master key {kid!r}")


def tell_quota_used_up(
    app: App, services: Services, identifier: str, error: MonthlyQuotaError
) -> str | None:
    """DM the admin of the identifier's workspace about the used-up monthly quota."""
    return dm_admin(
        app, services, identifier, monthly_quota_message(error), "the monthly Affinity quota"
    )


def dm_admin(app: App, services: Services, identifier: str, text: str, about: str) -> str | None:
    """DM `text` to the installer (else an owner or admin) of the identifier's workspace; the
    admin's user id, or None (`about` names the problem in log lines). An account made outside
    Slack (bot/adapters) has no workspace: its problem is in the ERROR log line only."""
    from bot.adapters.identifiers import is_slack_identifier

    if not is_slack_identifier(identifier):
        return None
    user = parse_identifier(identifier)
    client = slack_client_for(services, user)
    if client is None:
        return None
    try:
        admin = installer_of(app, user.team_id, user.enterprise_id) or workspace_admin(client)
        if admin is None:
            log.error("no admin found in workspace %s to tell about %s", user.team_id, about)
            return None
        client.chat_postMessage(channel=admin, text=text)
    except Exception:
        log.warning("could not tell the admins of %s about %s", user.team_id, about, exc_info=True)
        return None
    return admin


def register(app: App, services: Services) -> None:
    """Called by the revocation feature (it owns the key's lifecycle messages)."""

    services.connector.on_configuration_problem(
        lambda identifier, kid: tell_admins(app, services, identifier, kid)
    )
    services.connector.on_monthly_quota(
        lambda identifier, error: tell_quota_used_up(app, services, identifier, error)
    )
