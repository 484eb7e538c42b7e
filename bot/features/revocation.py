"""The revocation loop: a revoked key is noticed, the user is told once, and they reconnect.

- Any 401 (from any surface, through the connector), or a stored credential that fails
  verification (tampered, its profile edited), marks the account REVOKED; the connector
  then calls `notify_revoked`, which claims `revoked-dm:<identifier>:<revoked_at>` in the
  database: only the first process to claim it DMs the user (why, and a Reconnect button), so
  several failing calls, or several processes, send one DM. The Home tab is refreshed too.
- A background sweep (every `REVOCATION_SWEEP_HOURS`, default 6 h, jittered) re-verifies ACTIVE
  accounts not verified for that long with whoami. Each account's check is claimed in the
  database first (a compare-and-set on `connector_claims.claimed_until`), so several processes
  sweeping together check each account once. Success touches `last_verified_at`; a 401 revokes
  and notifies as above; other failures (Affinity down, rate limited) leave the account alone.
- A key the app cannot read because a master key id is not configured is not a revocation: the
  account stays ACTIVE and the workspace's admins are told (bot/features/admin_alerts.py).
- A Slack user who is deactivated (`user_change` with `user.deleted`) has their credentials
  erased in every workspace the event names.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from slack_bolt import App, BoltContext

from affinity_client.errors import AffinityError
from bot.blocks.connection import reconnect_prompt
from bot.connector import (
    CONNECTION,
    ConnectorError,
    KeyRevokedError,
    identifier_for,
    parse_identifier,
)
from bot.erasure import erase_read_data
from bot.features import admin_alerts
from bot.features.home import connection_view, publish_home, slack_client_for
from bot.services import Services
from vault import ConnectedAccount

log = logging.getLogger("bot.features.revocation")

SWEEP_JOB = "revocation-sweep"


# ------------------------------------------------------------------------------ notifying


def notice_key(identifier: str, account: ConnectedAccount) -> str:
    when = account.revoked_at or account.status_changed_at
    return f"revoked-dm:{identifier}:{when.isoformat()}"


def notify_revoked(services: Services, identifier: str, account: ConnectedAccount) -> bool:
    """DM the user once per revocation (claimed across processes); refresh their Home.

    Returns True if this call sent the DM. An account made outside Slack (bot/adapters) has no
    one to DM: its owner sees the revocation in their agent's error and `accounts status`.
    """
    from bot.adapters.identifiers import is_slack_identifier

    if str(account.status) != "REVOKED" or not is_slack_identifier(identifier):
        return False
    claims = services.claims
    key = notice_key(identifier, account)
    if not claims.claim_once(key):
        return False
    user = parse_identifier(identifier)
    client = slack_client_for(services, user)
    if client is None:
        claims.release(key)
        return False
    try:
        client.chat_postMessage(channel=user.user_id, **reconnect_prompt(connection_view(account)))
    except Exception:
        claims.release(key)  # let the next failing call or sweep try again
        log.warning("could not DM %s about their revoked key", identifier, exc_info=True)
        return False
    publish_home(services, client, identifier)
    return True


# ------------------------------------------------------------------------------ the sweep


@dataclass
class SweepReport:
    checked: list[str] = field(default_factory=list)
    revoked: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    skipped: int = 0


def sweep(services: Services) -> SweepReport:
    """Re-verify ACTIVE accounts not verified for one sweep interval (safe in parallel)."""
    connector = services.connector
    claims = services.claims
    interval = timedelta(seconds=services.settings.revocation_sweep_seconds)
    lease = max(interval / 2, timedelta(minutes=1))
    report = SweepReport()
    due = services.vault.list_accounts(
        "ACTIVE", CONNECTION, verified_before=services.clock() - interval
    )
    for account in due:
        identifier = account.identifier
        if not claims.claim_lease(f"sweep:{identifier}", lease):
            report.skipped += 1
            continue
        try:
            connector.run(identifier, "whoami", lambda client: client.whoami())
            services.vault.touch_verified(CONNECTION, identifier)
            report.checked.append(identifier)
        except KeyRevokedError:
            report.revoked.append(identifier)
        except (ConnectorError, AffinityError) as error:
            log.info("sweep could not verify %s: %s", identifier, type(error).__name__)
            report.failed.append(identifier)
    claims.prune()
    if report.checked or report.revoked or report.failed:
        log.info(
            "revocation sweep: %d verified, %d revoked, %d failed, %d left to others",
            len(report.checked),
            len(report.revoked),
            len(report.failed),
            report.skipped,
        )
    return report


# ------------------------------------------------------------------------------ deactivated users


def identifiers_of_deleted_user(user: dict[str, Any], enterprise_id: str | None) -> set[str]:
    """Every identifier a deactivated Slack user may have had with this app."""
    teams = {user.get("team_id"), (user.get("profile") or {}).get("team")}
    enterprise_user = user.get("enterprise_user") or {}
    teams.update(enterprise_user.get("teams") or [])
    enterprise = enterprise_user.get("enterprise_id") or enterprise_id
    found: set[str] = set()
    for team in filter(None, teams):
        found.add(identifier_for(team, user["id"]))
        if enterprise:
            found.add(identifier_for(team, user["id"], enterprise))
    return found


def erase_deactivated(
    services: Services, user: dict[str, Any], enterprise_id: str | None = None
) -> int:
    connector = services.connector
    erased = 0
    for identifier in identifiers_of_deleted_user(user, enterprise_id):
        connector.evict(identifier)
        erased += services.vault.delete_for_identifier(identifier)
        erase_read_data(services.engine, identifier)
    if erased:
        log.info(
            "erased %d Affinity credential(s) of deactivated Slack user %s", erased, user.get("id")
        )
    return erased


# ------------------------------------------------------------------------------ listeners


def register(app: App, services: Services) -> None:
    connector = services.connector
    connector.on_revoked(lambda identifier, account: notify_revoked(services, identifier, account))
    admin_alerts.register(app, services)  # a missing master key: the admins, not the user
    services.background.register(
        SWEEP_JOB, services.settings.revocation_sweep_seconds, lambda: sweep(services), jitter=0.1
    )

    @app.event("user_change")
    def handle_user_change(event: dict[str, Any], context: BoltContext) -> None:
        user = event.get("user") or {}
        if user.get("deleted") and user.get("id") and not user.get("is_bot"):
            erase_deactivated(services, user, context.enterprise_id)
