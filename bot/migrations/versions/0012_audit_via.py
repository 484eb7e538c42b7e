"""What made an audited call when the user did not ask for it there and then (their brief).

Revision ID: 0012_audit_via
Revises: 0002_agent
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012_audit_via"
down_revision = "0002_agent"
branch_labels = ("audit_via",)
depends_on = None


def upgrade() -> None:
    op.add_column("audit_log", sa.Column("via", sa.String(length=32), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("audit_log") as batch:
        batch.drop_column("via")
