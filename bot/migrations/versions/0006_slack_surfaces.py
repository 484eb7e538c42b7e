"""Slack-native surfaces: note forms of "Log to Affinity", assistant feedback, unfurl settings.

Revision ID: 0006_slack_surfaces
Revises: 0002_agent
Create Date: 2026-11-30
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from vault.models import UTCDateTime

revision = "0006_slack_surfaces"
down_revision = "0002_agent"
branch_labels = ("surfaces",)
depends_on = None


def upgrade() -> None:
    op.create_table(
        "note_drafts",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("owner", sa.String(length=255), nullable=False),
        sa.Column("channel_id", sa.String(length=64), nullable=True),
        sa.Column("message_ts", sa.String(length=64), nullable=True),
        sa.Column("thread_ts", sa.String(length=64), nullable=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("note_id", sa.BigInteger(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_note_drafts")),
    )
    op.create_index(op.f("ix_note_drafts_created_at"), "note_drafts", ["created_at"])
    op.create_table(
        "assistant_threads",
        sa.Column("channel_id", sa.String(length=64), nullable=False),
        sa.Column("thread_ts", sa.String(length=64), nullable=False),
        sa.Column("team_id", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.String(length=64), nullable=False),
        sa.Column("context", sa.JSON(), nullable=False),
        sa.Column("titled", sa.Boolean(), nullable=False),
        sa.Column("started_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("channel_id", "thread_ts", name=op.f("pk_assistant_threads")),
    )
    op.create_index(op.f("ix_assistant_threads_started_at"), "assistant_threads", ["started_at"])
    op.create_table(
        "assistant_feedback",
        sa.Column("channel_id", sa.String(length=64), nullable=False),
        sa.Column("message_ts", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.String(length=64), nullable=False),
        sa.Column("team_id", sa.String(length=64), nullable=False),
        sa.Column("thread_ts", sa.String(length=64), nullable=False),
        sa.Column("verdict", sa.String(length=8), nullable=False),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint(
            "channel_id", "message_ts", "user_id", name=op.f("pk_assistant_feedback")
        ),
    )
    op.create_index(op.f("ix_assistant_feedback_team_id"), "assistant_feedback", ["team_id"])
    op.create_table(
        "unfurl_settings",
        sa.Column("team_id", sa.String(length=64), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("changed_by", sa.String(length=64), nullable=False),
        sa.Column("changed_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("team_id", name=op.f("pk_unfurl_settings")),
    )
    op.create_table(
        "activity_records",
        sa.Column("reference", sa.String(length=32), nullable=False),
        sa.Column("owner", sa.String(length=255), nullable=False),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.Column("term", sa.String(length=200), nullable=True),
        sa.Column("records", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("reference", name=op.f("pk_activity_records")),
    )
    op.create_index(op.f("ix_activity_records_owner"), "activity_records", ["owner"])


def downgrade() -> None:
    op.drop_index(op.f("ix_activity_records_owner"), table_name="activity_records")
    op.drop_table("activity_records")
    op.drop_table("unfurl_settings")
    op.drop_index(op.f("ix_assistant_feedback_team_id"), table_name="assistant_feedback")
    op.drop_table("assistant_feedback")
    op.drop_index(op.f("ix_assistant_threads_started_at"), table_name="assistant_threads")
    op.drop_table("assistant_threads")
    op.drop_index(op.f("ix_note_drafts_created_at"), table_name="note_drafts")
    op.drop_table("note_drafts")
