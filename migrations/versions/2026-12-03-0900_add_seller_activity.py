"""Seller activity: what each shop did in a month (orders, revenue, last order).

Schema only. Issue #16 item 5.

Revision ID: e4a1c7d93b20
Revises: 6d8e3f0b52a1
Create Date: 2026-12-03 09:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "e4a1c7d93b20"
down_revision: str | None = "6d8e3f0b52a1"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this revision."""
    op.create_table(
        "seller_activity",
        sa.Column("seller_account_id", sa.Integer(), nullable=False),
        sa.Column("hamlet_id", sa.Integer(), nullable=False),
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("orders", sa.Integer(), nullable=False),
        sa.Column("revenue_vnd", sa.BigInteger(), nullable=False),
        sa.Column("last_order_on", sa.Date(), nullable=True),
        sa.Column("cancelled_unconfirmed", sa.Integer(), nullable=False),
        sa.Column("note", sa.String(length=1000), nullable=True),
        sa.Column("reported_by_id", sa.Integer(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["hamlet_id"],
            ["admin_units.id"],
            name=op.f("fk_seller_activity_hamlet_id_admin_units"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["reported_by_id"],
            ["users.id"],
            name=op.f("fk_seller_activity_reported_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["seller_account_id"],
            ["seller_accounts.id"],
            name=op.f("fk_seller_activity_seller_account_id_seller_accounts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_seller_activity")),
        sa.UniqueConstraint(
            "seller_account_id",
            "month",
            name=op.f("uq_seller_activity_seller_account_id_month"),
        ),
    )
    with op.batch_alter_table("seller_activity", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_seller_activity_hamlet_id"), ["hamlet_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_seller_activity_seller_account_id"),
            ["seller_account_id"],
            unique=False,
        )


def downgrade() -> None:
    """Revert this revision."""
    with op.batch_alter_table("seller_activity", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_seller_activity_seller_account_id"))
        batch_op.drop_index(batch_op.f("ix_seller_activity_hamlet_id"))

    op.drop_table("seller_activity")
