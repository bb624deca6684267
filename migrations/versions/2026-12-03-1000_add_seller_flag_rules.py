"""Seller flag rules: what puts a shop or a listing on the action list.

Schema only (the rules are seeded by the next revision). Issue #16 item 5.

Revision ID: 5b8f2c1d7e03
Revises: e4a1c7d93b20
Create Date: 2026-12-03 10:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "5b8f2c1d7e03"
down_revision: str | None = "e4a1c7d93b20"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this revision."""
    op.create_table(
        "seller_flag_rules",
        sa.Column("code", sa.String(length=30), nullable=False),
        sa.Column("label", sa.String(length=200), nullable=False),
        sa.Column("days", sa.Integer(), nullable=False),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_seller_flag_rules")),
        sa.UniqueConstraint("code", name=op.f("uq_seller_flag_rules_code")),
    )


def downgrade() -> None:
    """Revert this revision."""
    op.drop_table("seller_flag_rules")
