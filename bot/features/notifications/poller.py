"""The scheduler of list subscriptions: shared polls leased in the database, an outbox that posts
each change once per destination, and the pauses and back-offs around them.

One tick (`Poller.tick`, every few seconds to a minute on every process):
1. resume the subscriptions of subscribers whose key works again;
2. make sure every running subscription's shared poll has a row in `notify_polls`;
3. lease due polls one at a time — on PostgreSQL picked with `FOR UPDATE SKIP LOCKED`, and on
   any database taken by a compare-and-set on `leased_until`, so each poll runs in one process —
   read the changes with one subscriber's key, and in ONE transaction queue a row per change and
   destination in `notify_outbox` (unique: the claim) and move the poll's cursor;
4. post what is queued, per destination under a short lease, as one message per destination.
A crash between 3 and 4 loses nothing (the rows wait); a poll repeated after a crash queues
nothing twice (the unique key). A crash after Slack took a post but before its rows were marked
sent repeats nothing either: each post carries its outbox ids in Slack message metadata, and
rows handed to Slack before are first looked for in the destination's recent history. After
downtime (the poll's last read longer than three intervals ago) the queued changes are posted
as one summary.

Requests are counted per poll and day; once all polls together have spent
`NOTIFY_DAILY_REQUEST_CAP` today (UTC), no poll runs until the next day (posting goes on).
"""

from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy import delete, select, update
from sqlalchemy.orm import sessionmaker

from affinity_client import AffinityClient
from affinity_client.errors import MonthlyQuotaError, RateLimitedError
from bot.blocks.text import Links
from bot.connector import (
    KeyRevokedError,
    NotConnectedError,
    PermissionProblem,
    parse_identifier,
)
from bot.database import insert_ignoring_conflicts, rows_affected
from bot.features.home import slack_client_for
from bot.features.notifications import field_lists, messages
from bot.features.notifications.changes import Read, line, read_changes
from bot.features.notifications.models import Outbox, PollState, Subscription
from bot.features.notifications.store import (
    DM,
    Subscriptions,
    poll_key,
    requests_spent,
    utc_day,
)
from bot.services import Services

log = logging.getLogger(__name__)

LEASE = timedelta(minutes=5)  # a poll or a post not finished by then is taken over
SEND_LEASE = timedelta(minutes=2)
BACKLOG_INTERVALS = 3  # a poll this many intervals late was down: its changes are summarised
BACKLOG_MIN = 6  # fewer changes than this are posted as usual even after downtime
MAX_BACKOFF = timedelta(hours=1)
EVENT_TYPE = "affinity_list_changes_posted"  # Slack message metadata of a subscription's post
CLOCK_SKEW = timedelta(minutes=10)  # history is searched from this long before the attempt
HISTORY_LIMIT = 200
ENTRY_MODES = {"new"}  # the modes told of entries added to the list (a read of every entry)
REVOKED = "revoked"
NOT_VISIBLE = "not-visible"
NOT_ALLOWED = "not-allowed"
CANNOT_POST = "cannot-post"
# Slack errors that mean the channel will not take the post: the subscription is paused.
GONE = {"channel_not_found", "not_in_channel", "is_archived", "channel_is_archived"}


def target_of(sub: Subscription) -> str:
    """Where a subscription posts, as `team:channel` (the subscriber's user id for the DM)."""
    user = parse_identifier(sub.owner)
    return f"{user.team_id}:{user.user_id if sub.destination == DM else sub.destination}"


def following_since(sub: Subscription) -> datetime:
    """When a subscription began, to Affinity's whole second (its times have no fraction)."""
    return sub.created_at.replace(microsecond=0)


def next_month(now: datetime) -> datetime:
    first = now.astimezone(UTC).replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    return (first + timedelta(days=32)).replace(day=1)


def next_day(now: datetime) -> datetime:
    """The next midnight, UTC: when the daily request cap starts again."""
    midnight = now.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    return midnight + timedelta(days=1)


def metadata(rows: list[Outbox]) -> dict[str, Any]:
    """What a post carries so that a later process can tell it was made."""
    return {
        "event_type": EVENT_TYPE,
        "event_payload": {"outbox_ids": ",".join(str(r.id) for r in rows)},
    }


def posted_ids(messages: list[dict[str, Any]]) -> set[int]:
    """The outbox ids of the subscription posts among `messages` (as conversations.history
    gives them with `include_all_metadata`)."""
    ids: set[int] = set()
    for message in messages:
        meta = message.get("metadata") or {}
        if meta.get("event_type") != EVENT_TYPE:
            continue
        text = str((meta.get("event_payload") or {}).get("outbox_ids") or "")
        ids.update(int(part) for part in text.split(",") if part.strip().isdigit())
    return ids


@dataclass
class TickReport:
    polled: int = 0
    queued: int = 0
    posted: int = 0
    capped: bool = False  # today's request cap is reached: no poll ran


class Poller:
    def __init__(self, services: Services) -> None:
        self.services = services
        self.engine = services.engine
        self.clock = services.clock
        self.subs = Subscriptions(services.engine, services.clock)
        self.sessions = sessionmaker(services.engine, expire_on_commit=False)

    @property
    def interval(self) -> timedelta:
        return timedelta(seconds=self.services.settings.notify_poll_seconds)

    def tick(self) -> TickReport:
        report = TickReport()
        self.resume_reconnected()
        subs = self.subs.all_active()
        self.ensure_polls(subs)
        while not (capped := self.capped()) and (key := self.lease_due()) is not None:
            report.polled += 1
            report.queued += self.poll(key, [s for s in subs if poll_key(s) == key])
        report.capped = capped
        if capped and self.services.claims.claim_once(f"notify-cap:{utc_day(self.clock())}"):
            log.warning(
                "list polling reached NOTIFY_DAILY_REQUEST_CAP (%s requests): no poll until "
                "00:00 UTC",
                self.services.settings.notify_daily_request_cap,
            )
        report.posted = self.deliver()
        return report

    def capped(self) -> bool:
        """Whether all polls together have spent today's `NOTIFY_DAILY_REQUEST_CAP`."""
        cap = self.services.settings.notify_daily_request_cap
        return bool(cap) and requests_spent(self.engine, self.clock()) >= cap

    # -- polls ------------------------------------------------------------------------------

    def ensure_polls(self, subs: list[Subscription]) -> None:
        """A row per shared poll, its cursor at now: a new subscription starts with what
        happens after it was made, never with the list's history."""
        now = self.clock()
        start = now.replace(microsecond=0)  # Affinity's change times may be whole seconds
        keys = {poll_key(s) for s in subs}
        if not keys:
            return
        with self.sessions() as session:
            known = set(session.scalars(select(PollState.key).where(PollState.key.in_(keys))))
        for key in keys - known:
            values = {
                "key": key,
                "last_changed_at": start,
                "last_change_id": 0,
                "last_polled_at": now,
                "next_poll_at": now,
                "leased_until": now - timedelta(seconds=1),
                "backoff_seconds": 0,
                "requests_today": 0,
                "requests_day": "",
                "entries_since": start,
                "last_entry_id": 0,
            }
            with self.engine.begin() as connection:
                connection.execute(insert_ignoring_conflicts(connection, PollState, values))

    def make_due(self) -> int:
        """Every poll not backing off and not running is due now (the console's `/poll`)."""
        now = self.clock()
        with self.engine.begin() as connection:
            result = connection.execute(
                update(PollState)
                .where(PollState.backoff_seconds == 0, PollState.leased_until <= now)
                .values(next_poll_at=now)
            )
            return rows_affected(result)

    def lease_due(self) -> str | None:
        """The key of one due poll, now leased by this process; None when none is due."""
        now = self.clock()
        due = (
            select(PollState.key)
            .where(PollState.next_poll_at <= now, PollState.leased_until <= now)
            .order_by(PollState.next_poll_at)
            .limit(5)
        )
        if self.engine.dialect.name == "postgresql":
            due = due.with_for_update(skip_locked=True)
        with self.engine.begin() as connection:
            keys = list(connection.execute(due).scalars())
            for key in keys:
                taken = connection.execute(
                    update(PollState)
                    .where(PollState.key == key, PollState.leased_until <= now)
                    .values(leased_until=now + LEASE)
                )
                if taken.rowcount == 1:
                    return str(key)
        return None

    def poll(self, key: str, subs: list[Subscription]) -> int:
        """Read one shared poll with the first subscriber whose key works; queue its changes."""
        with self.sessions() as session:
            state = session.get(PollState, key)
        if state is None:
            return 0
        if not subs:
            self._release(state, next_at=self.clock() + self.interval)
            return 0
        readers = list(dict.fromkeys(s.owner for s in sorted(subs, key=lambda s: s.id)))
        list_id, since, after = subs[0].list_id, state.last_changed_at, state.last_change_id
        entries_after = self._entries_after(state, subs)

        def read_list(client: AffinityClient) -> Read:
            return read_changes(client, list_id, since, after, entries_after)

        for reader in readers:
            mine = [s for s in subs if s.owner == reader]
            try:
                read = self.services.connector.run(reader, "notify_poll", read_list)
            except (KeyRevokedError, NotConnectedError):
                self.pause_revoked(reader)
                subs = [s for s in subs if s.owner != reader]
                continue
            except PermissionProblem:
                for sub in mine:
                    self.subs.pause(sub.id, NOT_VISIBLE)
                subs = [s for s in subs if s.owner != reader]
                continue
            except MonthlyQuotaError:
                log.warning("monthly Affinity quota used up: poll %s waits for the month", key)
                self._release(state, next_at=next_month(self.clock()), spent=1)
                return 0
            except RateLimitedError as error:
                backoff = self.backoff(state, error)
                log.info("poll %s rate limited; next try in %ss", key, backoff)
                self._release(
                    state,
                    next_at=self.clock() + timedelta(seconds=backoff),
                    backoff=backoff,
                    spent=1,
                )
                return 0
            except Exception:
                self._release(state, next_at=self.clock() + self.interval, spent=1)
                raise
            return self._queue(state, read, subs, reader)
        self._release(state, next_at=self.clock() + self.interval)
        return 0

    def backoff(self, state: PollState, error: RateLimitedError) -> int:
        """Seconds until a rate-limited poll runs again: doubling from one interval (at most an
        hour), and never before Affinity's own `Retry-After` / rate-limit reset."""
        doubled = max(state.backoff_seconds * 2, int(self.interval.total_seconds()))
        hint = int(error.retry_after or 0) + 1 if error.retry_after else 0
        return max(min(doubled, int(MAX_BACKOFF.total_seconds())), hint)

    @staticmethod
    def _entries_after(state: PollState, subs: list[Subscription]) -> tuple[datetime, int] | None:
        """Where this poll's read of new entries starts; None when no subscription of the poll
        wants them. A poll that did not read entries until now (a `new` follower joined a poll
        of `stages` followers) starts when its earliest `new` follower began following, or at
        its last read for one who began before it (resumed after a pause: like the poll's field
        changes, entries are told from its last read on, not from when the follower paused)."""
        followers = [s for s in subs if s.mode in ENTRY_MODES]
        if not followers:
            return None
        if state.entries_since is None:
            last_read = state.last_polled_at.replace(microsecond=0)
            return (min(max(following_since(s), last_read) for s in followers), 0)
        return (state.entries_since, state.last_entry_id or 0)

    def _queue(
        self,
        state: PollState,
        read: Read,
        subs: list[Subscription],
        reader: str,
    ) -> int:
        """One transaction: the outbox rows (a change once per destination) and the cursors.
        A destination is told of an entry added after its subscription began, never before."""
        now = self.clock()
        account = self.services.connector.account(reader)
        subdomain = account.profile.tenant_subdomain if account and account.profile else None
        links = Links(subdomain)
        late = now - state.last_polled_at > self.interval * BACKLOG_INTERVALS
        rows: list[dict[str, Any]] = []
        for change in read.found:
            for sub in subs:
                if not change.matches(sub.mode) or not self._may_post(sub):
                    continue
                if change.entry and change.changed_at < following_since(sub):
                    continue
                rows.append(
                    {
                        "change_id": change.claim,
                        "subscription_id": sub.id,
                        "owner": sub.owner,
                        "target": target_of(sub),
                        "line": line(change, read.names, links),
                        "backlog": late,
                        "created_at": now,
                        "sent_at": None,
                    }
                )
        last = read.changes[-1] if read.changes else None
        entries_since, last_entry_id = read.entry_cursor or (None, None)
        queued = 0
        with self.engine.begin() as connection:
            for row in rows:
                result = connection.execute(insert_ignoring_conflicts(connection, Outbox, row))
                queued += rows_affected(result)
            field_lists.learn(connection, subs[0].tenant, read.field_lists)
            connection.execute(
                update(PollState)
                .where(PollState.key == state.key)
                .values(
                    last_changed_at=last.changed_at if last else state.last_changed_at,
                    last_change_id=last.id if last else state.last_change_id,
                    last_polled_at=now,
                    next_poll_at=now + self.interval,
                    leased_until=now,
                    backoff_seconds=0,
                    entries_since=entries_since,
                    last_entry_id=last_entry_id,
                    **self._spent(state, read.requests),
                )
            )
        return queued

    def _spent(self, state: PollState, requests: int) -> dict[str, Any]:
        """The poll's request count for today with `requests` more (a new day starts at 0)."""
        day = utc_day(self.clock())
        before = state.requests_today if state.requests_day == day else 0
        return {"requests_day": day, "requests_today": before + requests}

    def _may_post(self, sub: Subscription) -> bool:
        """A private list goes to a channel only while an admin's grant for it stands."""
        if sub.list_public or sub.destination == DM:
            return True
        team = parse_identifier(sub.owner).team_id
        if self.subs.allowed(team, sub.destination, sub.list_id):
            return True
        self.subs.pause(sub.id, NOT_ALLOWED)
        return False

    def _release(
        self, state: PollState, *, next_at: datetime, backoff: int = 0, spent: int = 0
    ) -> None:
        """Give the poll up until `next_at`; `spent`: requests a failed read cost."""
        with self.engine.begin() as connection:
            connection.execute(
                update(PollState)
                .where(PollState.key == state.key)
                .values(
                    next_poll_at=next_at,
                    leased_until=self.clock(),
                    backoff_seconds=backoff,
                    **self._spent(state, spent),
                )
            )

    # -- the subscriber's key ---------------------------------------------------------------

    def pause_revoked(self, owner: str) -> None:
        """Pause the owner's subscriptions; the process that paused them tells the owner, once."""
        count = self.subs.pause_owner(owner, REVOKED)
        if count:
            self._dm(owner, messages.paused(count))

    def resume_reconnected(self) -> None:
        owners = {s.owner for s in self.subs.paused_for(REVOKED)}
        for owner in owners:
            account = self.services.connector.account(owner)
            if account is not None and str(account.status) == "ACTIVE":
                self.subs.resume_owner(owner, REVOKED)

    def _dm(self, owner: str, message: dict[str, Any]) -> None:
        user = parse_identifier(owner)
        client = slack_client_for(self.services, user)
        if client is None:
            return
        try:
            client.chat_postMessage(channel=user.user_id, **message)
        except SlackApiError as error:
            log.info("could not DM %s: %s", owner, error.response.get("error"))

    # -- posting ----------------------------------------------------------------------------

    def deliver(self) -> int:
        """Post each destination's queued changes as one message; the rows are marked sent."""
        with self.sessions() as session:
            pending = list(
                session.scalars(select(Outbox).where(Outbox.sent_at.is_(None)).order_by(Outbox.id))
            )
        by_target: dict[str, list[Outbox]] = defaultdict(list)
        for row in pending:
            by_target[row.target].append(row)
        posted = 0
        for target, rows in by_target.items():
            claim = f"notify-send:{target}"
            if not self.services.claims.claim_lease(claim, SEND_LEASE):
                continue
            try:
                posted += self._post(target, self._still_pending(rows))
            finally:
                self.services.claims.release(claim)
        return posted

    def _still_pending(self, rows: list[Outbox]) -> list[Outbox]:
        """The rows no other process posted while this one waited for the destination."""
        with self.sessions() as session:
            ids = set(
                session.scalars(
                    select(Outbox.id).where(
                        Outbox.id.in_([r.id for r in rows]), Outbox.sent_at.is_(None)
                    )
                )
            )
        return [r for r in rows if r.id in ids]

    def _post(self, target: str, rows: list[Outbox]) -> int:
        if not rows:
            return 0
        subs = self.subs.by_ids(sorted({r.subscription_id for r in rows}))
        by_list: dict[int, list[Outbox]] = defaultdict(list)
        names: dict[int, str] = {}
        for row in rows:
            sub = subs.get(row.subscription_id)
            list_id = sub.list_id if sub else 0
            names[list_id] = sub.list_name if sub else "A followed list"
            by_list[list_id].append(row)
        client = slack_client_for(self.services, parse_identifier(rows[0].owner))
        if client is None:
            return 0
        channel = target.split(":", 1)[1]
        done = self._already_posted(client, channel, rows)
        posted = len(done)
        for list_id, group in by_list.items():
            group = [r for r in group if r.id not in done]
            if not group:
                continue
            lines = [r.line for r in group]
            follower = parse_identifier(group[0].owner).user_id
            late = all(r.backlog for r in group) and len(group) >= BACKLOG_MIN
            message = (
                messages.backlog(names[list_id], lines, follower)
                if late
                else messages.batch(names[list_id], lines, follower)
            )
            self._mark_attempted(group)
            try:
                client.chat_postMessage(
                    channel=channel,
                    unfurl_links=False,
                    unfurl_media=False,
                    metadata=metadata(group),
                    **message,
                )
            except SlackApiError as error:
                code = str(error.response.get("error") or "")
                log.info("could not post to %s: %s", target, code)
                if code not in GONE:
                    continue  # Slack's trouble, not the channel's: the rows wait for next time
                sub = subs.get(group[0].subscription_id)
                if sub is not None and self.subs.pause(sub.id, CANNOT_POST):
                    self._dm(sub.owner, messages.cannot_post(channel, sub.list_name))
            self._mark_sent(group)
            posted += len(group)
        return posted

    def _already_posted(self, client: WebClient, channel: str, rows: list[Outbox]) -> set[int]:
        """The ids of `rows` that a post before this one already carried to Slack (a process
        died between Slack's answer and marking them sent); they are marked sent now. Only rows
        handed to Slack before are looked for, in the destination's history since then."""
        tried = [r.attempted_at for r in rows if r.attempted_at is not None]
        if not tried:
            return set()
        oldest = min(tried) - CLOCK_SKEW
        try:
            where = channel
            if channel[:1] in ("U", "W"):  # a DM: its history is the IM channel's
                where = client.conversations_open(users=channel)["channel"]["id"]
            history = client.conversations_history(
                channel=where,
                oldest=f"{oldest.timestamp():.6f}",
                include_all_metadata=True,
                limit=HISTORY_LIMIT,
            )
        except SlackApiError as error:  # cannot tell: posting again beats losing the changes
            log.warning(
                "could not look for an earlier post in %s: %s", channel, error.response.get("error")
            )
            return set()
        found = posted_ids(list(history.get("messages") or []))
        done = [r for r in rows if r.id in found]
        if done:
            log.info("%d changes for %s were posted before a crash; not again", len(done), channel)
            self._mark_sent(done)
        return {r.id for r in done}

    def _mark_attempted(self, rows: list[Outbox]) -> None:
        with self.engine.begin() as connection:
            connection.execute(
                update(Outbox)
                .where(Outbox.id.in_([r.id for r in rows]))
                .values(attempted_at=self.clock())
            )

    def prune(self) -> int:
        """Forget posted rows after a week (a change is never read again by then)."""
        cutoff = self.clock() - timedelta(days=7)
        with self.engine.begin() as connection:
            result = connection.execute(delete(Outbox).where(Outbox.sent_at < cutoff))
            return rows_affected(result)

    def _mark_sent(self, rows: list[Outbox]) -> None:
        with self.engine.begin() as connection:
            connection.execute(
                update(Outbox)
                .where(Outbox.id.in_([r.id for r in rows]), Outbox.sent_at.is_(None))
                .values(sent_at=self.clock())
            )
