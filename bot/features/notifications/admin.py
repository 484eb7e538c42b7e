"""What polling costs, in the workspace admin's App Home: the Affinity requests list polls made
today (UTC) against `NOTIFY_DAILY_REQUEST_CAP`, how many shared polls serve how many
subscriptions, which polls are waiting (the cap, a rate limit, the monthly quota), and whether
the firm's Affinity webhook is on."""

from __future__ import annotations

import logging
from typing import Any

from slack_sdk import WebClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.blocks import kit
from bot.connector import parse_identifier
from bot.features.connect import known_workspace_admin
from bot.features.notifications.models import PollState, Subscription
from bot.features.notifications.poller import next_day
from bot.features.notifications.store import requests_spent
from bot.features.notifications.webhooks import describe, tenant_registration
from bot.features.notifications.webhooks_models import WebhookRegistration
from bot.services import Services

log = logging.getLogger(__name__)


def usage_section(services: Services, client: WebClient, identifier: str) -> list[dict[str, Any]]:
    """The admin's blocks about list polling, or none (not an admin, or nothing followed)."""
    if not known_workspace_admin(client, parse_identifier(identifier).user_id):
        return []
    now = services.clock()
    with Session(services.engine) as session:
        subscriptions = session.scalar(select(func.count()).select_from(Subscription)) or 0
        polls = session.scalar(select(func.count()).select_from(PollState)) or 0
        waiting = session.scalar(
            select(func.count()).where(PollState.backoff_seconds > 0, PollState.next_poll_at > now)
        )
    if not subscriptions and not polls:
        return []
    spent = requests_spent(services.engine, now)
    cap = services.settings.notify_daily_request_cap
    of_cap = f" of the daily cap of {cap:,}" if cap else " (no daily cap)"
    blocks = [
        kit.section(
            f"*List notifications* made *{spent:,} Affinity requests today*{of_cap} "
            f"(`NOTIFY_DAILY_REQUEST_CAP`, days in UTC): {polls} shared "
            f"poll{'s' if polls != 1 else ''} for {subscriptions} "
            f"subscription{'s' if subscriptions != 1 else ''}."
        )
    ]
    if cap and spent >= cap:
        blocks.append(
            kit.context(
                f":warning: Today's cap is reached: no list is read until "
                f"{next_day(now).strftime('%H:%M UTC on %d %b')}. Changes made meanwhile are "
                "posted then."
            )
        )
    webhook = tenant_registration(services, identifier)
    if webhook is not None or services.settings.mode != "socket":
        blocks.append(kit.context(describe(services, webhook) + _webhooks_hint(webhook)))
    if waiting:
        blocks.append(
            kit.context(
                f":hourglass: {waiting} poll{'s' if waiting != 1 else ''} backing off after "
                "Affinity's rate limit."
            )
        )
    return blocks


def _webhooks_hint(webhook: WebhookRegistration | None) -> str:
    if webhook is not None and webhook.webhook_id is not None:
        return " `/affinity webhooks status` checks it with Affinity."
    return " `/affinity webhooks on` reads followed lists within seconds of a change."
