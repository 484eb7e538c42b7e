"""The asking user's time zone (from Slack's `users.info`), so that "today" is their today.

Cached per process for an hour; any failure (no scope, unknown zone) falls back to UTC.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
import time
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

log = logging.getLogger(__name__)

CACHE_SECONDS = 3600.0
UTC = "UTC"


class UserTimezones:
    def __init__(self, ttl: float = CACHE_SECONDS) -> None:
        self.ttl = ttl
        self._cache: dict[tuple[str, str], tuple[str, float]] = {}
        self._lock = threading.Lock()

    def of(self, client: WebClient, team_id: str, user_id: str) -> str:
        key = (team_id, user_id)
        with self._lock:
            cached = self._cache.get(key)
        if cached and time.monotonic() - cached[1] < self.ttl:
            return cached[0]
        zone = self._fetch(client, user_id)
        with self._lock:
            self._cache[key] = (zone, time.monotonic())
        return zone

    @staticmethod
    def _fetch(client: WebClient, user_id: str) -> str:
        try:
            zone = (client.users_info(user=user_id).get("user") or {}).get("tz") or UTC
            ZoneInfo(zone)
            return zone
        except (SlackApiError, ZoneInfoNotFoundError, ValueError) as error:
            log.info("time zone of a user unavailable (%s); using UTC", type(error).__name__)
            return UTC


def today_in(zone: str, now: dt.datetime | None = None) -> dt.date:
    now = now or dt.datetime.now(dt.UTC)
    return now.astimezone(ZoneInfo(zone)).date()
