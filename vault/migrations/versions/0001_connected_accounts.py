"""Connected accounts with sealed credentials, and their status history.

Revision ID: 0001_connected_accounts
Revises:
Create Date: 2026-11-28
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from vault.models import UTCDateTime

revision = "0001_connected_accounts"
down_revision = None
branch_labels = ("vault",)
depends_on = None


def upgrade() -> None:
    op.create_table(
        "vault_connected_accounts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("connection_name", sa.String(length=64), nullable=False),
        sa.Column("identifier", sa.String(length=255), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("status_reason", sa.Text(), nullable=True),
        sa.Column("status_changed_at", UTCDateTime(), nullable=False),
        sa.Column("revoked_at", UTCDateTime(), nullable=True),
        sa.Column("ciphertext", sa.LargeBinary(), nullable=True),
        sa.Column("wrapped_key", sa.LargeBinary(), nullable=True),
        sa.Column("kid", sa.String(length=64), nullable=True),
        sa.Column("format_version", sa.Integer(), nullable=True),
        sa.Column("affinity_user_id", sa.BigInteger(), nullable=True),
        sa.Column("affinity_user_name", sa.String(length=255), nullable=True),
        sa.Column("affinity_user_email", sa.String(length=320), nullable=True),
        sa.Column("affinity_tenant_id", sa.BigInteger(), nullable=True),
        sa.Column("affinity_tenant_name", sa.String(length=255), nullable=True),
        sa.Column("affinity_tenant_subdomain", sa.String(length=255), nullable=True),
        sa.Column("connected_at", UTCDateTime(), nullable=True),
        sa.Column("last_verified_at", UTCDateTime(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_vault_connected_accounts")),
        sa.UniqueConstraint(
            "connection_name", "identifier", name=op.f("uq_vault_connected_accounts_connection_name")
        ),
    )
    with op.batch_alter_table("vault_connected_accounts") as batch:
        batch.create_index(batch.f("ix_vault_connected_accounts_status"), ["status"])
        batch.create_index(batch.f("ix_vault_connected_accounts_kid"), ["kid"])
    op.create_table(
        "vault_account_status_history",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("changed_at", UTCDateTime(), nullable=False),
        sa.Column("from_status", sa.String(length=16), nullable=True),
        sa.Column("to_status", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["vault_connected_accounts.id"],
            name=op.f("fk_vault_account_status_history_account_id_vault_connected_accounts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_vault_account_status_history")),
    )
    with op.batch_alter_table("vault_account_status_history") as batch:
        batch.create_index(batch.f("ix_vault_account_status_history_account_id"), ["account_id"])


def downgrade() -> None:
    op.drop_table("vault_account_status_history")
    op.drop_table("vault_connected_accounts")
