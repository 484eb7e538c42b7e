"""The daily brief: changes on deals the user owns since their last brief, reminders due today
and today's meetings (the first three with people from outside the firm prepared as
`/affinity prep` does: their organizations, open deals, last note and warmest colleague), read
with the user's own key and sent to their DM at the time they chose in
their Slack time zone (`/affinity brief daily 08:00`), or shown at once (`/affinity brief`).

Cost of one brief: one `affinity_search_list_entries` per pipeline list (the deals the user
owns), the change history since the last brief (one request per 100 changes in the workspace,
plus names), one reminders read, one meetings read, and the preparation of up to three meetings
(see prep.py).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from slack_sdk import WebClient
from sqlalchemy import select
from sqlalchemy.orm import sessionmaker

from affinity_client import AffinityClient
from affinity_client.errors import AffinityError
from bot.blocks import kit
from bot.blocks.text import Links, escape_clip
from bot.connector import cached_lists, parse_identifier
from bot.features.conversation.timezones import UserTimezones, today_in
from bot.features.home import slack_client_for
from bot.features.notifications.changes import (
    Change,
    format_time,
    line,
    parse_change,
    parse_time,
)
from bot.features.notifications.models import Brief
from bot.features.notifications.prep import attendee_text, fit, gather, meetings_between
from bot.services import Services

log = logging.getLogger(__name__)

FIRST_LOOKBACK = timedelta(days=1)  # a first brief covers the last day
BRIEF = "brief"  # the audit rows of the brief's reads say so (App Home: "for your daily brief")
MEETINGS_SHOWN = 8
MEETINGS_PREPARED = 3  # today's first meetings with outside people get their full preparation
ZONES = UserTimezones()


def next_occurrence(at: str, zone: str, now: datetime) -> datetime:
    """The next `at` (HH:MM) in `zone` strictly after `now`, in UTC."""
    hour, minute = (int(x) for x in at.split(":"))
    tz = ZoneInfo(zone)
    local = now.astimezone(tz)
    candidate = datetime.combine(local.date(), time(hour, minute), tz)
    if candidate <= local:
        candidate = datetime.combine(local.date() + timedelta(days=1), time(hour, minute), tz)
    return candidate.astimezone(ZoneInfo("UTC"))


class Briefs:
    def __init__(self, services: Services) -> None:
        self.services = services
        self.sessions = sessionmaker(services.engine, expire_on_commit=False)

    # -- the command ------------------------------------------------------------------------

    def command(
        self, identifier: str, schedule: str | None, client: WebClient | None
    ) -> kit.Message:
        if schedule is None:
            with self.sessions() as session:
                row = session.get(Brief, identifier)
            zone = row.zone if row else self._zone(identifier, client)
            since = row.last_sent_at if row and row.last_sent_at else None
            return self.build(identifier, zone, since)
        if schedule == "off":
            with self.sessions.begin() as session:
                row = session.get(Brief, identifier)
                if row is not None:
                    session.delete(row)
            if row is None:
                return kit.section_message(
                    ":information_source: You have no daily brief; `/affinity brief daily 08:00` "
                    "sets one up, `/affinity brief` shows it now."
                )
            return kit.section_message(
                ":no_bell: No daily brief any more. `/affinity brief` still shows it."
            )
        zone = self._zone(identifier, client)
        now = self.services.clock()
        with self.sessions.begin() as session:
            row = session.get(Brief, identifier)
            if row is None:
                row = Brief(owner=identifier, created_at=now, last_sent_at=None)
                session.add(row)
            row.at, row.zone, row.next_at = schedule, zone, next_occurrence(schedule, zone, now)
        return kit.section_message(
            f":sunrise: Your brief comes to your DM every day at {schedule} ({zone}, your Slack "
            "time zone): changes on deals you own, reminders due today, today's meetings. "
            "`/affinity brief off` stops it."
        )

    def _zone(self, identifier: str, client: WebClient | None) -> str:
        user = parse_identifier(identifier)
        client = client or slack_client_for(self.services, user)
        return ZONES.of(client, user.team_id, user.user_id) if client else "UTC"

    # -- the scheduled send -----------------------------------------------------------------

    def send_due(self) -> int:
        """DM every brief that is due, each once (claimed per owner and due time)."""
        now = self.services.clock()
        with self.sessions() as session:
            due = list(session.scalars(select(Brief).where(Brief.next_at <= now)))
        sent = 0
        for row in due:
            if not self.services.claims.claim_once(f"brief:{row.owner}:{row.next_at.isoformat()}"):
                continue
            account = self.services.connector.account(row.owner)
            if account is not None and str(account.status) == "ACTIVE":
                sent += self._send(row)
            with self.sessions.begin() as session:
                stored = session.get(Brief, row.owner)
                if stored is not None:
                    stored.next_at = next_occurrence(stored.at, stored.zone, now)
                    if account is not None and str(account.status) == "ACTIVE":
                        stored.last_sent_at = now
        return sent

    def _send(self, row: Brief) -> int:
        user = parse_identifier(row.owner)
        client = slack_client_for(self.services, user)
        if client is None:
            return 0
        message = self.build(row.owner, row.zone, row.last_sent_at)
        try:
            client.chat_postMessage(channel=user.user_id, unfurl_links=False, **message)
        except Exception:
            log.warning("the brief of %s was not sent", row.owner, exc_info=True)
            return 0
        return 1

    # -- the content ------------------------------------------------------------------------

    def build(self, identifier: str, zone: str, since: datetime | None) -> kit.Message:
        now = self.services.clock()
        today = today_in(zone, now)
        since = since or now - FIRST_LOOKBACK
        account = self.services.connector.account(identifier)
        links = Links(account.profile.tenant_subdomain if account and account.profile else None)
        blocks: list[dict[str, Any]] = [
            kit.section(f":sunrise: *Your brief for {today:%A} {today.day} {today:%B}*")
        ]
        for title, part in (
            ("Changes on your deals", lambda: self._deal_changes(identifier, since, links)),
            ("Reminders due today", lambda: self._reminders(identifier, today, links)),
        ):
            blocks.append(kit.section(f"*{title}*\n{_safely(part)}"[:2900]))
        try:
            blocks += self._meetings(identifier, today, zone, links)
        except AffinityError as error:
            blocks.append(kit.section(f"*Today's meetings*\n{_unreadable(error)}"))
        return kit.message(f"Your brief for {today.isoformat()}", blocks[:50])

    def _deal_changes(self, identifier: str, since: datetime, links: Links) -> str:
        connector = self.services.connector
        owned: dict[int, str] = {}
        pipelines = [
            x for x in cached_lists(connector.account(identifier)) if x.type == "opportunity"
        ]
        for pipeline in pipelines:
            found = connector.execute_tool(
                identifier,
                "affinity_search_list_entries",
                {"list_id": pipeline.id, "owner": "me", "page_size": 100},
                via=BRIEF,
            )
            for entry in found.get("entries") or []:
                owned[int(entry["id"])] = str(entry.get("name") or "")
        if not owned:
            return "_You own no deals on your pipelines._"

        def read(client: AffinityClient) -> list[Change]:
            return _owned_changes(client, since, set(owned))

        changes = connector.run(identifier, "brief_changes", read)
        names = {("opportunity", deal): name for deal, name in owned.items()}
        lines = [line(c, names, links) for c in changes[-15:]]
        more = f"\n…and {len(changes) - 15} earlier" if len(changes) > 15 else ""
        return "\n".join(lines) + more if lines else "_No changes since your last brief._"

    def _reminders(self, identifier: str, today: date, links: Links) -> str:
        result = self.services.connector.execute_tool(
            identifier,
            "affinity_list_reminders",
            {"mine": True, "due_from": today.isoformat(), "due_until": today.isoformat()},
            via=BRIEF,
        )
        rows = [r for r in result.get("reminders") or [] if r.get("status") != "completed"]
        lines = []
        for r in rows[:10]:
            entity = r.get("entity") or {}
            kind = str(entity.get("type") or "")
            kind = "organization" if kind == "company" else kind
            about = (
                f" — {links.link(kind, entity.get('id'), entity.get('name'), 80)}"
                if kind in {"person", "organization", "opportunity"}
                else ""
            )
            lines.append(f"• {escape_clip(r.get('content') or 'Reminder', 200)}{about}")
        return "\n".join(lines) or "_Nothing due today._"

    def _meetings(
        self, identifier: str, today: date, zone: str, links: Links
    ) -> list[dict[str, Any]]:
        """Today's meetings in the user's zone; the first few with people from outside the firm
        come with their preparation (organizations, open deals, last note, warmest colleague)."""
        execute = self.services.connector.executor_for(identifier, via=BRIEF)
        meetings = meetings_between(execute, today, today)
        if not meetings:
            return [kit.section("*Today's meetings*\n_No meetings today._")]
        blocks = [kit.section(f"*Today's meetings* ({len(meetings)})")]
        prepared = 0
        for m in meetings[:MEETINGS_SHOWN]:
            start = parse_time(str(m["start_time"])).astimezone(ZoneInfo(zone))
            when = "all day" if m.get("all_day") else start.strftime("%H:%M")
            head = (
                f"• *{when}* {escape_clip(m.get('title') or 'Meeting', 150)}"
                f"  (`/affinity prep {m['id']}`)"
            )
            external = [a for a in m.get("attendees") or [] if not a.get("internal")]
            if external and prepared < MEETINGS_PREPARED:
                prepared += 1
                found = gather(execute, m)
                people = [attendee_text(p, links).split("\n") for p in found["attendees"]]
                blocks.append(kit.section(fit([head, *(text for p in people for text in p)])))
                continue
            who = ", ".join(
                escape_clip(a.get("name") or a.get("email") or "?", 60) for a in external[:5]
            )
            blocks.append(kit.section(head + (f" — with {who}" if who else "")))
        if len(meetings) > MEETINGS_SHOWN:
            blocks.append(kit.context(f"…and {len(meetings) - MEETINGS_SHOWN} more today"))
        return blocks


def _owned_changes(client: AffinityClient, since: datetime, deals: set[int]) -> list[Change]:
    params = {"filter": f'changedAt>="{format_time(since)}"', "orderBy": "changedAt", "limit": 100}
    changes = (parse_change(item) for item in client.iter_items("/v2/field-value-changes", params))
    return [c for c in changes if c.entity_type == "opportunity" and c.entity_id in deals]


def _safely(part: Callable[[], str]) -> str:
    try:
        return part()
    except AffinityError as error:
        return _unreadable(error)


def _unreadable(error: AffinityError) -> str:
    log.info("a part of a brief failed: %s", type(error).__name__)
    return f"_I couldn't read this from Affinity ({escape_clip(str(error), 200)})._"


__all__ = ["Briefs", "next_occurrence"]
