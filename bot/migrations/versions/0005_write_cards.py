"""Single-use write buttons of the /affinity command: one row per card, minted when it is built.

Revision ID: 0005_write_cards
Revises: 0002_agent
Create Date: 2026-11-30
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from vault.models import UTCDateTime

revision = "0005_write_cards"
down_revision = "0002_agent"
branch_labels = ("write_cards",)
depends_on = None


def upgrade() -> None:
    op.create_table(
        "command_write_cards",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("owner", sa.String(length=255), nullable=False),
        sa.Column("command_digest", sa.String(length=64), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("outcome", sa.Text(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("expires_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_command_write_cards")),
    )
    op.create_index(
        op.f("ix_command_write_cards_command_digest"), "command_write_cards", ["command_digest"]
    )
    op.create_index(
        op.f("ix_command_write_cards_created_at"), "command_write_cards", ["created_at"]
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_command_write_cards_created_at"), table_name="command_write_cards")
    op.drop_index(op.f("ix_command_write_cards_command_digest"), table_name="command_write_cards")
    op.drop_table("command_write_cards")
