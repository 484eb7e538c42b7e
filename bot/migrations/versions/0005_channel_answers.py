"""Channel answers: the per-channel public/private setting and answers held for Share.

Revision ID: 0005_channel_answers
Revises: 0002_agent
Create Date: 2026-11-30
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from vault.models import UTCDateTime

revision = "0005_channel_answers"
down_revision = "0002_agent"
branch_labels = ("channel_answers",)
depends_on = None


def upgrade() -> None:
    op.create_table(
        "channel_answer_settings",
        sa.Column("team_id", sa.String(length=64), nullable=False),
        sa.Column("channel_id", sa.String(length=64), nullable=False),
        sa.Column("public", sa.Boolean(), nullable=False),
        sa.Column("changed_by", sa.String(length=64), nullable=False),
        sa.Column("changed_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("team_id", "channel_id", name=op.f("pk_channel_answer_settings")),
    )
    op.create_table(
        "held_answers",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("owner", sa.String(length=255), nullable=False),
        sa.Column("channel_id", sa.String(length=64), nullable=False),
        sa.Column("thread_ts", sa.String(length=64), nullable=False),
        sa.Column("messages", sa.JSON(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_held_answers")),
    )
    op.create_index(op.f("ix_held_answers_created_at"), "held_answers", ["created_at"])


def downgrade() -> None:
    op.drop_index(op.f("ix_held_answers_created_at"), table_name="held_answers")
    op.drop_table("held_answers")
    op.drop_table("channel_answer_settings")
