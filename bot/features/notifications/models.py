"""Tables of list subscriptions: who follows which list where, what each shared poll has read,
the changes waiting to be posted (one row per change and destination: the claim that posts it
once), and the private lists a workspace admin allowed into a channel."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from bot.models import Base
from vault.models import UTCDateTime


class Subscription(Base):
    """One destination (a channel, or the subscriber's DM: `destination` = "dm") following one
    list for one subscriber, who is the key every read for it uses."""

    __tablename__ = "notify_subscriptions"
    __table_args__ = (UniqueConstraint("owner", "list_id", "destination"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    owner: Mapped[str] = mapped_column(String(255), index=True)  # the subscriber's identifier
    tenant: Mapped[str] = mapped_column(String(64))  # the Affinity tenant of the owner's key
    list_id: Mapped[int] = mapped_column(Integer, index=True)
    list_name: Mapped[str] = mapped_column(String(255))
    list_public: Mapped[bool] = mapped_column(Boolean)
    mode: Mapped[str] = mapped_column(String(16))  # stages | new | all
    destination: Mapped[str] = mapped_column(String(32))  # a channel id, or "dm"
    paused: Mapped[str | None] = mapped_column(String(255))  # why, when paused
    # When it began following in its mode: a `new` subscription is told of entries added since.
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())


class PollState(Base):
    """One shared poll: a list read with one key for every subscription of the same access
    (`key` = tenant + list for a public list, + the owner for a private one). Leased by the
    process running it; `last_*` is where the next read starts."""

    __tablename__ = "notify_polls"

    key: Mapped[str] = mapped_column(String(320), primary_key=True)
    last_changed_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    last_change_id: Mapped[int] = mapped_column(Integer, default=0)
    last_polled_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    next_poll_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), index=True)
    leased_until: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    backoff_seconds: Mapped[int] = mapped_column(Integer, default=0)
    requests_today: Mapped[int] = mapped_column(Integer, default=0)
    requests_day: Mapped[str] = mapped_column(String(10), default="")
    # New list entries (the `new` mode) are read after (entries_since, last_entry_id).
    entries_since: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    last_entry_id: Mapped[int | None] = mapped_column(Integer)


class Outbox(Base):
    """A change waiting for (or done with) one destination (`target`); the unique key is the
    claim that posts it once there, whichever process or subscription found it, however often
    the poll that found it is repeated."""

    __tablename__ = "notify_outbox"
    __table_args__ = (UniqueConstraint("change_id", "target"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    change_id: Mapped[int] = mapped_column(Integer)
    subscription_id: Mapped[int] = mapped_column(Integer, index=True)
    owner: Mapped[str] = mapped_column(String(255), index=True)
    target: Mapped[str] = mapped_column(String(64), index=True)  # team:channel-or-user posted to
    line: Mapped[str] = mapped_column(Text)  # the change as one mrkdwn line (read by the owner)
    backlog: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    sent_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), index=True)
    # When a post of this row was last handed to Slack: a row with this set and no `sent_at` may
    # have been posted by a process that crashed before marking it, so Slack is asked first.
    attempted_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())


class ChannelGrant(Base):
    """A workspace admin allowed a private list's changes into a channel."""

    __tablename__ = "notify_channel_grants"

    team_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    channel_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    list_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    granted_by: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())


class Brief(Base):
    """A user's daily brief: when (`at`, in `zone`), and when it is next due (UTC)."""

    __tablename__ = "notify_briefs"

    owner: Mapped[str] = mapped_column(String(255), primary_key=True)
    at: Mapped[str] = mapped_column(String(5))  # HH:MM in the user's time zone
    zone: Mapped[str] = mapped_column(String(64))
    next_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), index=True)
    last_sent_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
