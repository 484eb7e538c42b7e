"""The /affinity command layer: write claims and stored More/Share button values.

Revision ID: 0004_commands
Revises: 0002_agent
Create Date: 2026-11-28
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from vault.models import UTCDateTime

revision = "0004_commands"
down_revision = "0002_agent"
branch_labels = ("commands",)
depends_on = None


def upgrade() -> None:
    op.create_table(
        "command_claims",
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("claimed_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_command_claims")),
    )
    op.create_index(op.f("ix_command_claims_claimed_at"), "command_claims", ["claimed_at"])
    op.create_table(
        "command_page_keys",
        sa.Column("key", sa.String(length=32), nullable=False),
        sa.Column("owner", sa.String(length=255), nullable=False),
        sa.Column("command", sa.Text(), nullable=False),
        sa.Column("page_token", sa.Text(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_command_page_keys")),
    )
    op.create_index(op.f("ix_command_page_keys_created_at"), "command_page_keys", ["created_at"])


def downgrade() -> None:
    op.drop_index(op.f("ix_command_page_keys_created_at"), table_name="command_page_keys")
    op.drop_table("command_page_keys")
    op.drop_index(op.f("ix_command_claims_claimed_at"), table_name="command_claims")
    op.drop_table("command_claims")
