"""Personal bearer tokens of the MCP server, stored as digests (bot/adapters/tokens.py).

Revision ID: 0006_mcp_tokens
Revises: 0002_agent
Create Date: 2026-11-30
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from vault.models import UTCDateTime

revision = "0006_mcp_tokens"
down_revision = "0002_agent"
branch_labels = ("mcp_tokens",)
depends_on = None


def upgrade() -> None:
    op.create_table(
        "mcp_tokens",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("token_digest", sa.String(length=64), nullable=False),
        sa.Column("identifier", sa.String(length=255), nullable=False),
        sa.Column("label", sa.String(length=100), nullable=False),
        sa.Column("hint", sa.String(length=16), nullable=False),
        sa.Column("created_via", sa.String(length=16), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("last_used_at", UTCDateTime(), nullable=True),
        sa.Column("revoked_at", UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mcp_tokens")),
        sa.UniqueConstraint("token_digest", name=op.f("uq_mcp_tokens_token_digest")),
    )
    op.create_index(op.f("ix_mcp_tokens_identifier"), "mcp_tokens", ["identifier"])


def downgrade() -> None:
    op.drop_index(op.f("ix_mcp_tokens_identifier"), table_name="mcp_tokens")
    op.drop_table("mcp_tokens")
