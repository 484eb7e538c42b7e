"""The firm's Affinity webhook (`/affinity webhooks on`): one registration per Affinity tenant.

Revision ID: 0010_notify_webhooks
Revises: 0002_agent
Create Date: 2026-11-30
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from vault.models import UTCDateTime

revision = "0010_notify_webhooks"
down_revision = "0002_agent"
branch_labels = ("notify_webhooks",)
depends_on = None


def upgrade() -> None:
    op.create_table(
        "notify_webhooks",
        sa.Column("tenant", sa.String(length=64), nullable=False),
        sa.Column("webhook_id", sa.Integer(), nullable=True),
        sa.Column("secret_hash", sa.String(length=64), nullable=False),
        sa.Column("created_by", sa.String(length=255), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("last_delivery_at", UTCDateTime(), nullable=True),
        sa.Column("deliveries", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("tenant", name=op.f("pk_notify_webhooks")),
        sa.UniqueConstraint("secret_hash", name=op.f("uq_notify_webhooks_secret_hash")),
    )


def downgrade() -> None:
    op.drop_table("notify_webhooks")
