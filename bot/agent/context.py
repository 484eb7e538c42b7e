"""Who is asking, and where: the per-turn context the agent needs."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError


@dataclass(frozen=True)
class ThreadKey:
    """A Slack thread: team (or enterprise) id, channel id and the thread's root ``ts``."""

    team_id: str
    channel_id: str
    thread_ts: str

    def __str__(self) -> str:
        return f"{self.team_id}/{self.channel_id}/{self.thread_ts}"


@dataclass(frozen=True)
class CachedList:
    id: int
    name: str
    type: str  # "person" | "organization" | "opportunity"

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> CachedList:
        return cls(int(data["id"]), str(data["name"]), str(data.get("type") or "unknown"))


@dataclass(frozen=True)
class UserContext:
    """The asking user: their vault identifier and the Affinity identity of their key."""

    identifier: str  # the vault's connected-account identifier, e.g. "T123:U456"
    affinity_user_name: str
    workspace: str  # the Affinity tenant name
    affinity_user_email: str | None = None
    lists: tuple[CachedList, ...] = field(default_factory=tuple)
    lists_fresh: bool = True  # False: cached long enough ago that a list may have changed
    today: dt.date | None = None  # defaults to the current date in ``timezone``
    timezone: str = "UTC"  # an IANA name, e.g. "America/New_York"
    now: dt.datetime | None = None  # the instant of the turn (default: the clock)
    # Where in Slack the user is writing from, as text the model reads as data: the thread an
    # @mention is in, the channel the assistant pane is open beside (None: nothing to add).
    slack_context: str | None = None

    def zone(self) -> dt.tzinfo:
        try:
            return ZoneInfo(self.timezone)
        except (ZoneInfoNotFoundError, ValueError):
            return dt.UTC

    def local_now(self) -> dt.datetime:
        return (self.now or dt.datetime.now(dt.UTC)).astimezone(self.zone())

    def current_date(self) -> dt.date:
        return self.today or self.local_now().date()

    def utc_offset(self) -> str:
        """``UTC-05:00`` for the user's zone at this moment (``UTC`` itself when none)."""
        offset = self.local_now().utcoffset() or dt.timedelta(0)
        if not offset:
            return "UTC+00:00"
        sign = "-" if offset < dt.timedelta(0) else "+"
        minutes = abs(int(offset.total_seconds())) // 60
        return f"UTC{sign}{minutes // 60:02d}:{minutes % 60:02d}"
