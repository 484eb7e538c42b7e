"""The connector's tables: cross-process claims (revocation DMs, sweep checks), tenant pins.

Revision ID: 0003_connector
Revises: 0002_agent
Create Date: 2026-11-28
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from vault.models import UTCDateTime

revision = "0003_connector"
down_revision = "0002_agent"
branch_labels = ("connector",)
depends_on = None


def upgrade() -> None:
    op.create_table(
        "connector_claims",
        sa.Column("key", sa.String(length=320), nullable=False),
        sa.Column("claimed_until", UTCDateTime(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_connector_claims")),
    )
    op.create_index(
        op.f("ix_connector_claims_claimed_until"), "connector_claims", ["claimed_until"]
    )
    op.create_table(
        "connector_tenant_pins",
        sa.Column("team_id", sa.String(length=64), nullable=False),
        sa.Column("tenant_id", sa.BigInteger(), nullable=False),
        sa.Column("tenant_name", sa.String(length=255), nullable=True),
        sa.Column("pinned_by", sa.String(length=64), nullable=False),
        sa.Column("pinned_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("team_id", name=op.f("pk_connector_tenant_pins")),
    )


def downgrade() -> None:
    op.drop_table("connector_tenant_pins")
    op.drop_index(op.f("ix_connector_claims_claimed_until"), table_name="connector_claims")
    op.drop_table("connector_claims")
