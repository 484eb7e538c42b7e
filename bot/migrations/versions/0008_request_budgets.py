"""Each Affinity key's per-minute request budget, shared by every process (bot/budget.py).

Revision ID: 0008_request_budgets
Revises: 0002_agent
Create Date: 2026-11-30
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008_request_budgets"
down_revision = "0002_agent"
branch_labels = ("request_budgets",)
depends_on = None


def upgrade() -> None:
    op.create_table(
        "affinity_request_budgets",
        sa.Column("key_fingerprint", sa.String(length=64), nullable=False),
        sa.Column("per_minute", sa.Integer(), nullable=False),
        sa.Column("tokens", sa.Float(), nullable=False),
        sa.Column("refilled_at", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("key_fingerprint", name=op.f("pk_affinity_request_budgets")),
    )


def downgrade() -> None:
    op.drop_table("affinity_request_budgets")
