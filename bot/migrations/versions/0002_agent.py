"""The agent's tables: conversation memory per (thread, user) and proposed writes.

Revision ID: 0002_agent
Revises: 0001_bot_base
Create Date: 2026-11-28
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from vault.models import UTCDateTime

revision = "0002_agent"
down_revision = "0001_bot_base"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "agent_conversations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.String(length=64), nullable=False),
        sa.Column("channel_id", sa.String(length=64), nullable=False),
        sa.Column("thread_ts", sa.String(length=64), nullable=False),
        sa.Column("owner", sa.String(length=255), nullable=False),
        sa.Column("messages", sa.JSON(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_agent_conversations")),
        sa.UniqueConstraint(
            "team_id",
            "channel_id",
            "thread_ts",
            "owner",
            name="uq_agent_conversations_thread_owner",
        ),
    )
    op.create_table(
        "agent_proposals",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("owner", sa.String(length=255), nullable=False),
        sa.Column("team_id", sa.String(length=64), nullable=False),
        sa.Column("channel_id", sa.String(length=64), nullable=False),
        sa.Column("thread_ts", sa.String(length=64), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("expires_at", UTCDateTime(), nullable=False),
        sa.Column("card_channel", sa.String(length=64), nullable=True),
        sa.Column("card_ts", sa.String(length=64), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_agent_proposals")),
    )
    op.create_index(op.f("ix_agent_proposals_expires_at"), "agent_proposals", ["expires_at"])
    op.create_table(
        "agent_proposal_items",
        sa.Column("batch_id", sa.String(length=32), nullable=False),
        sa.Column("idx", sa.Integer(), nullable=False),
        sa.Column("tool", sa.String(length=64), nullable=False),
        sa.Column("input", sa.JSON(), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("details", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("result_summary", sa.Text(), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["batch_id"],
            ["agent_proposals.id"],
            ondelete="CASCADE",
            name=op.f("fk_agent_proposal_items_batch_id_agent_proposals"),
        ),
        sa.PrimaryKeyConstraint("batch_id", "idx", name=op.f("pk_agent_proposal_items")),
    )


def downgrade() -> None:
    op.drop_table("agent_proposal_items")
    op.drop_index(op.f("ix_agent_proposals_expires_at"), table_name="agent_proposals")
    op.drop_table("agent_proposals")
    op.drop_table("agent_conversations")
