"""List subscriptions (shared polls, a per-destination outbox, channel grants), daily briefs.

Revision ID: 0007_notifications
Revises: 0002_agent
Create Date: 2026-11-30
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from vault.models import UTCDateTime

revision = "0007_notifications"
down_revision = "0002_agent"
branch_labels = ("notifications",)
depends_on = None


def upgrade() -> None:
    op.create_table(
        "notify_subscriptions",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("owner", sa.String(length=255), nullable=False),
        sa.Column("tenant", sa.String(length=64), nullable=False),
        sa.Column("list_id", sa.Integer(), nullable=False),
        sa.Column("list_name", sa.String(length=255), nullable=False),
        sa.Column("list_public", sa.Boolean(), nullable=False),
        sa.Column("mode", sa.String(length=16), nullable=False),
        sa.Column("destination", sa.String(length=32), nullable=False),
        sa.Column("paused", sa.String(length=255), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notify_subscriptions")),
        sa.UniqueConstraint(
            "owner",
            "list_id",
            "destination",
            name=op.f("uq_notify_subscriptions_owner"),
        ),
    )
    op.create_index(op.f("ix_notify_subscriptions_owner"), "notify_subscriptions", ["owner"])
    op.create_index(op.f("ix_notify_subscriptions_list_id"), "notify_subscriptions", ["list_id"])
    op.create_table(
        "notify_polls",
        sa.Column("key", sa.String(length=320), nullable=False),
        sa.Column("last_changed_at", UTCDateTime(), nullable=False),
        sa.Column("last_change_id", sa.Integer(), nullable=False),
        sa.Column("last_polled_at", UTCDateTime(), nullable=False),
        sa.Column("next_poll_at", UTCDateTime(), nullable=False),
        sa.Column("leased_until", UTCDateTime(), nullable=False),
        sa.Column("backoff_seconds", sa.Integer(), nullable=False),
        sa.Column("requests_today", sa.Integer(), nullable=False),
        sa.Column("requests_day", sa.String(length=10), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_notify_polls")),
    )
    op.create_index(op.f("ix_notify_polls_next_poll_at"), "notify_polls", ["next_poll_at"])
    op.create_table(
        "notify_outbox",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("change_id", sa.Integer(), nullable=False),
        sa.Column("subscription_id", sa.Integer(), nullable=False),
        sa.Column("owner", sa.String(length=255), nullable=False),
        sa.Column("target", sa.String(length=64), nullable=False),
        sa.Column("line", sa.Text(), nullable=False),
        sa.Column("backlog", sa.Boolean(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("sent_at", UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notify_outbox")),
        sa.UniqueConstraint(
            "change_id",
            "target",
            name=op.f("uq_notify_outbox_change_id"),
        ),
    )
    for column in ("subscription_id", "owner", "target", "sent_at"):
        op.create_index(op.f(f"ix_notify_outbox_{column}"), "notify_outbox", [column])
    op.create_table(
        "notify_channel_grants",
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("channel_id", sa.String(length=32), nullable=False),
        sa.Column("list_id", sa.Integer(), nullable=False),
        sa.Column("granted_by", sa.String(length=255), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint(
            "team_id", "channel_id", "list_id", name=op.f("pk_notify_channel_grants")
        ),
    )
    op.create_table(
        "notify_briefs",
        sa.Column("owner", sa.String(length=255), nullable=False),
        sa.Column("at", sa.String(length=5), nullable=False),
        sa.Column("zone", sa.String(length=64), nullable=False),
        sa.Column("next_at", UTCDateTime(), nullable=False),
        sa.Column("last_sent_at", UTCDateTime(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("owner", name=op.f("pk_notify_briefs")),
    )
    op.create_index(op.f("ix_notify_briefs_next_at"), "notify_briefs", ["next_at"])


def downgrade() -> None:
    op.drop_index(op.f("ix_notify_briefs_next_at"), table_name="notify_briefs")
    op.drop_table("notify_briefs")
    op.drop_table("notify_channel_grants")
    for column in ("sent_at", "target", "owner", "subscription_id"):
        op.drop_index(op.f(f"ix_notify_outbox_{column}"), table_name="notify_outbox")
    op.drop_table("notify_outbox")
    op.drop_index(op.f("ix_notify_polls_next_poll_at"), table_name="notify_polls")
    op.drop_table("notify_polls")
    op.drop_index(op.f("ix_notify_subscriptions_list_id"), table_name="notify_subscriptions")
    op.drop_index(op.f("ix_notify_subscriptions_owner"), table_name="notify_subscriptions")
    op.drop_table("notify_subscriptions")
