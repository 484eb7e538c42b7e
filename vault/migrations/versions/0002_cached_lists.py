"""Cache each account's Affinity lists, with when they were fetched.

Revision ID: 0002_cached_lists
Revises: 0001_connected_accounts
Create Date: 2026-11-28
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from vault.models import UTCDateTime

revision = "0002_cached_lists"
down_revision = "0001_connected_accounts"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("vault_connected_accounts") as batch:
        batch.add_column(sa.Column("lists_fetched_at", UTCDateTime(), nullable=True))
    op.create_table(
        "vault_account_lists",
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("list_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("type", sa.String(length=32), nullable=False),
        sa.Column("fetched_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["vault_connected_accounts.id"],
            name=op.f("fk_vault_account_lists_account_id_vault_connected_accounts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("account_id", "list_id", name=op.f("pk_vault_account_lists")),
    )


def downgrade() -> None:
    op.drop_table("vault_account_lists")
    with op.batch_alter_table("vault_connected_accounts") as batch:
        batch.drop_column("lists_fetched_at")
