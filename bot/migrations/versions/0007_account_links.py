"""Agent identifiers that Slack users linked to their accounts (bot/adapters/links.py).

Revision ID: 0007_account_links
Revises: 0006_mcp_tokens
Create Date: 2026-11-30
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from vault.models import UTCDateTime

revision = "0007_account_links"
down_revision = "0006_mcp_tokens"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "account_links",
        sa.Column("external_identifier", sa.String(length=255), nullable=False),
        sa.Column("identifier", sa.String(length=255), nullable=False),
        sa.Column("linked_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("external_identifier", name=op.f("pk_account_links")),
    )
    op.create_index(op.f("ix_account_links_identifier"), "account_links", ["identifier"])


def downgrade() -> None:
    op.drop_index(op.f("ix_account_links_identifier"), table_name="account_links")
    op.drop_table("account_links")
