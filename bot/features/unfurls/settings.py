"""Whether a workspace shows Affinity link previews (on unless an admin turned them off)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from sqlalchemy import Engine
from sqlalchemy.orm import sessionmaker

from bot.features.unfurls.models import UnfurlSetting


class UnfurlSettings:
    def __init__(self, engine: Engine, clock: Callable[[], dt.datetime]) -> None:
        self.sessions = sessionmaker(engine, expire_on_commit=False)
        self.clock = clock

    def enabled(self, team_id: str) -> bool:
        with self.sessions() as session:
            row = session.get(UnfurlSetting, team_id)
            return True if row is None else bool(row.enabled)

    def set(self, team_id: str, enabled: bool, admin_user_id: str) -> None:
        with self.sessions.begin() as session:
            row = session.get(UnfurlSetting, team_id) or UnfurlSetting(team_id=team_id)
            row.enabled, row.changed_by, row.changed_at = enabled, admin_user_id, self.clock()
            session.add(row)
