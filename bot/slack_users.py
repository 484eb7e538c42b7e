"""Slack users as `users.info` describes them, cached for an hour.

Readers given the same cache (a user's time zone, a thread author's name: the conversation
feature shares one) ask Slack once per user. A failed lookup is not cached.
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

log = logging.getLogger(__name__)

CACHE_SECONDS = 3600.0


class SlackUsers:
    def __init__(self, ttl: float = CACHE_SECONDS) -> None:
        self.ttl = ttl
        self._cache: dict[tuple[str, str], tuple[dict[str, Any], float]] = {}
        self._lock = threading.Lock()

    def get(self, client: WebClient, team_id: str, user_id: str) -> dict[str, Any] | None:
        """The `user` object of `users.info`, or None when Slack does not answer."""
        key = (team_id, user_id)
        with self._lock:
            cached = self._cache.get(key)
        if cached and time.monotonic() - cached[1] < self.ttl:
            return cached[0]
        try:
            user = client.users_info(user=user_id).get("user") or {}
        except SlackApiError as error:
            log.info("users.info unavailable (%s)", error.response.get("error"))
            return None
        with self._lock:
            self._cache[key] = (user, time.monotonic())
        return user
