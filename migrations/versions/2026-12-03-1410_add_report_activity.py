"""Shops' monthly activity kept per area and month (issue #16 item 6).

Schema only. The producers' segments now also carry their open shops: a
database whose ledger is already built has it recomputed right after the
upgrade (``REBUILDS_LEDGER``, run by ``core.migrate.upgrade``), so no figure
reads 0 in the meantime.

Revision ID: b7d2e9a4c613
Revises: 7b3e5d1a9c42
Create Date: 2026-12-03 14:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "b7d2e9a4c613"
down_revision: str | None = "7b3e5d1a9c42"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None
# What the kept report figures count changed: recompute them after upgrading.
REBUILDS_LEDGER = True


def upgrade() -> None:
    """Apply this revision."""
    op.create_table(
        "report_activity",
        sa.Column("area_id", sa.Integer(), nullable=False),
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("active_shops", sa.Integer(), nullable=False),
        sa.Column("orders", sa.BigInteger(), nullable=False),
        sa.Column("revenue_vnd", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("area_id", "month", name=op.f("pk_report_activity")),
    )


def downgrade() -> None:
    """Revert this revision."""
    op.drop_table("report_activity")
