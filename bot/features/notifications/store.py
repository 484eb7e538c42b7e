"""Subscriptions and channel grants in the database (no Slack, no Affinity here)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from sqlalchemy import Engine, delete, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from bot.database import rows_affected
from bot.features.notifications.models import ChannelGrant, PollState, Subscription
from bot.services import Services

DM = "dm"


def utc_day(now: datetime) -> str:
    """The day polls count their requests in (UTC), as `requests_day` holds it."""
    return now.astimezone(UTC).strftime("%Y-%m-%d")


def requests_spent(engine: Engine, now: datetime) -> int:
    """Affinity requests all list polls have made today (UTC)."""
    with Session(engine) as session:
        total = session.scalar(
            select(func.coalesce(func.sum(PollState.requests_today), 0)).where(
                PollState.requests_day == utc_day(now)
            )
        )
    return int(total or 0)


def poll_key(sub: Subscription) -> str:
    """Subscriptions with the same access share one poll: a public list is seen alike by every
    key of its tenant; a private list's poll is its subscriber's own."""
    base = f"{sub.tenant}:{sub.list_id}"
    return base if sub.list_public else f"{base}:{sub.owner}"


class Subscriptions:
    def __init__(self, engine: Engine, clock: Callable[[], datetime]) -> None:
        self.clock = clock
        self.sessions = sessionmaker(engine, expire_on_commit=False)

    def add(
        self,
        owner: str,
        tenant: str,
        list_id: int,
        list_name: str,
        public: bool,
        mode: str,
        destination: str,
    ) -> tuple[Subscription, bool]:
        """(the subscription, True if new); an existing one takes the new mode and resumes. A
        subscription in a new mode begins now (`created_at`): it is told of entries added from
        now on, not of those added while it followed the list in another mode."""
        with self.sessions.begin() as session:
            found = self._find(session, owner, list_id, destination)
            if found is not None:
                if found.mode != mode:
                    found.created_at = self.clock()
                found.mode, found.paused, found.list_name = mode, None, list_name
                found.list_public = public
                return found, False
        sub = Subscription(
            owner=owner,
            tenant=tenant,
            list_id=list_id,
            list_name=list_name,
            list_public=public,
            mode=mode,
            destination=destination,
            paused=None,
            created_at=self.clock(),
        )
        try:
            with self.sessions.begin() as session:
                session.add(sub)
        except IntegrityError:  # the same command twice at once: the other one made it
            return self.add(owner, tenant, list_id, list_name, public, mode, destination)
        return sub, True

    def remove(self, owner: str, list_id: int, destination: str) -> bool:
        with self.sessions.begin() as session:
            result = session.execute(
                delete(Subscription).where(
                    Subscription.owner == owner,
                    Subscription.list_id == list_id,
                    Subscription.destination == destination,
                )
            )
            return rows_affected(result) > 0

    def of_owner(self, owner: str) -> list[Subscription]:
        with self.sessions() as session:
            rows = session.scalars(
                select(Subscription).where(Subscription.owner == owner).order_by(Subscription.id)
            )
            return list(rows)

    def by_ids(self, ids: list[int]) -> dict[int, Subscription]:
        with self.sessions() as session:
            rows = session.scalars(select(Subscription).where(Subscription.id.in_(ids)))
            return {row.id: row for row in rows}

    def all_active(
        self, tenant: str | None = None, list_id: int | None = None
    ) -> list[Subscription]:
        """The running subscriptions, of one tenant (and one list of it) when given."""
        query = select(Subscription).where(Subscription.paused.is_(None))
        if tenant is not None:
            query = query.where(Subscription.tenant == tenant)
        if list_id is not None:
            query = query.where(Subscription.list_id == list_id)
        with self.sessions() as session:
            return list(session.scalars(query.order_by(Subscription.id)))

    def paused_for(self, reason: str) -> list[Subscription]:
        with self.sessions() as session:
            return list(session.scalars(select(Subscription).where(Subscription.paused == reason)))

    def pause_owner(self, owner: str, reason: str) -> int:
        """Pause the owner's running subscriptions; the count paused now (0: already paused,
        so whoever paused them has told the owner)."""
        with self.sessions.begin() as session:
            result = session.execute(
                update(Subscription)
                .where(Subscription.owner == owner, Subscription.paused.is_(None))
                .values(paused=reason)
            )
            return rows_affected(result)

    def pause(self, sub_id: int, reason: str) -> bool:
        with self.sessions.begin() as session:
            result = session.execute(
                update(Subscription)
                .where(Subscription.id == sub_id, Subscription.paused.is_(None))
                .values(paused=reason)
            )
            return rows_affected(result) > 0

    def resume_owner(self, owner: str, reason: str) -> int:
        with self.sessions.begin() as session:
            result = session.execute(
                update(Subscription)
                .where(Subscription.owner == owner, Subscription.paused == reason)
                .values(paused=None)
            )
            return rows_affected(result)

    @staticmethod
    def _find(session: Session, owner: str, list_id: int, destination: str) -> Subscription | None:
        return session.scalars(
            select(Subscription).where(
                Subscription.owner == owner,
                Subscription.list_id == list_id,
                Subscription.destination == destination,
            )
        ).first()

    # -- channel grants for private lists ---------------------------------------------------

    def allow(self, team_id: str, channel_id: str, list_id: int, admin: str) -> None:
        with self.sessions.begin() as session:
            if session.get(ChannelGrant, (team_id, channel_id, list_id)) is None:
                session.add(
                    ChannelGrant(
                        team_id=team_id,
                        channel_id=channel_id,
                        list_id=list_id,
                        granted_by=admin,
                        created_at=self.clock(),
                    )
                )

    def allowed(self, team_id: str, channel_id: str, list_id: int) -> bool:
        with self.sessions() as session:
            return session.get(ChannelGrant, (team_id, channel_id, list_id)) is not None


def tenant_of(services: Services, identifier: str) -> str | None:
    """The Affinity firm (tenant id, as text) of `identifier`'s connected key; None when it is
    not known (not connected, or connected before profiles were kept)."""
    account = services.connector.account(identifier)
    return str(account.profile.tenant_id) if account and account.profile else None
