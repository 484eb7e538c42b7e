"""Who is asking, and where: the per-turn context the agent needs."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any


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
    today: dt.date | None = None  # defaults to the current UTC date
    timezone: str = "UTC"

    def current_date(self) -> dt.date:
        return self.today or dt.datetime.now(dt.UTC).date()
