"""Scan counts of the public product page, and QR matrices kept per product.

Revision ID: 6b8f3d0a2e41
Revises: ccc4079477a8
Create Date: 2026-11-25 15:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "6b8f3d0a2e41"
down_revision: str | None = "ccc4079477a8"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this revision."""
    op.create_table(
        "product_scan_days",
        sa.Column("product_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["product_id"],
            ["products.id"],
            name=op.f("fk_product_scan_days_product_id_products"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("product_id", "day", name=op.f("pk_product_scan_days")),
    )
    op.create_table(
        "qr_matrices",
        sa.Column("product_id", sa.Integer(), nullable=False),
        sa.Column("payload", sa.String(length=300), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("bits", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["product_id"],
            ["products.id"],
            name=op.f("fk_qr_matrices_product_id_products"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("product_id", name=op.f("pk_qr_matrices")),
    )


def downgrade() -> None:
    """Revert this revision."""
    op.drop_table("qr_matrices")
    op.drop_table("product_scan_days")
