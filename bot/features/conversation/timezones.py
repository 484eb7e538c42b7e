"""The asking user's time zone (from Slack's `users.info`), so that "today" is their today.

Cached per process for an hour; any failure (no scope, unknown zone) falls back to UTC.
"""

from __future__ import annotations

import datetime as dt
import logging
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from slack_sdk import WebClient

from bot.slack_users import SlackUsers

log = logging.getLogger(__name__)

CACHE_SECONDS = 3600.0
UTC = "UTC"


class UserTimezones:
    """A user's IANA time zone from `users.info` (cached), else UTC."""

    def __init__(self, users: SlackUsers | None = None) -> None:
        self.users = users or SlackUsers()

    def of(self, client: WebClient, team_id: str, user_id: str) -> str:
        zone = (self.users.get(client, team_id, user_id) or {}).get("tz") or UTC
        try:
            ZoneInfo(zone)
        except (ZoneInfoNotFoundError, ValueError):
            log.info("unknown time zone %r of a user; using UTC", zone)
            return UTC
        return zone


def today_in(zone: str, now: dt.datetime | None = None) -> dt.date:
    now = now or dt.datetime.now(dt.UTC)
    return now.astimezone(ZoneInfo(zone)).date()
