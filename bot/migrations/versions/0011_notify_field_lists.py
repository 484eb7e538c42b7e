"""The lists of list-specific fields, learnt by polls: a webhook delivery hurries one list's polls.

Revision ID: 0011_notify_field_lists
Revises: 0002_agent
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011_notify_field_lists"
down_revision = "0002_agent"
branch_labels = ("notify_field_lists",)
depends_on = None


def upgrade() -> None:
    op.create_table(
        "notify_field_lists",
        sa.Column("tenant", sa.String(length=64), nullable=False),
        sa.Column("field_id", sa.Integer(), nullable=False),
        sa.Column("list_id", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("tenant", "field_id", name=op.f("pk_notify_field_lists")),
    )


def downgrade() -> None:
    op.drop_table("notify_field_lists")
