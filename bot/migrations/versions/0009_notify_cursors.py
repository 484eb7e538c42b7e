"""Subscriptions: a new-entry cursor per shared poll, when each batch was handed to Slack.

The hand-off time finds a batch after a crash instead of posting it twice.

Revision ID: 0009_notify_cursors
Revises: 0007_notifications
Create Date: 2026-11-30
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from vault.models import UTCDateTime

revision = "0009_notify_cursors"
down_revision = "0007_notifications"  # it alters that revision's tables
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("notify_polls") as batch:
        batch.add_column(sa.Column("entries_since", UTCDateTime(), nullable=True))
        batch.add_column(sa.Column("last_entry_id", sa.Integer(), nullable=True))
    with op.batch_alter_table("notify_outbox") as batch:
        batch.add_column(sa.Column("attempted_at", UTCDateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("notify_outbox") as batch:
        batch.drop_column("attempted_at")
    with op.batch_alter_table("notify_polls") as batch:
        batch.drop_column("last_entry_id")
        batch.drop_column("entries_since")
