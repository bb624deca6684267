"""Checkpoints of the coverage ledger, so that a past date reads fast.

Schema only: after upgrading a database that already holds a ledger, run
``ocop-tracker reports rebuild`` once to fill the checkpoints (until then past
dates are read from the segments, as before).

Revision ID: 8d0b5f2c4a63
Revises: 7c9a4e1b3f52
Create Date: 2026-11-25 15:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "8d0b5f2c4a63"
down_revision: str | None = "7c9a4e1b3f52"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this revision."""
    op.create_index(
        "ix_report_segments_start_day",
        "report_segments",
        ["start_day"],
        unique=False,
    )
    op.create_index(
        "ix_report_segments_end_day",
        "report_segments",
        ["end_day"],
        unique=False,
    )
    op.create_table(
        "report_checkpoints",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("area_id", sa.Integer(), nullable=False),
        sa.Column("metric", sa.String(length=60), nullable=False),
        sa.Column("value", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint(
            "day", "area_id", "metric", name=op.f("pk_report_checkpoints")
        ),
    )
    op.create_table(
        "report_checkpoint_days",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("tree_change", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("day", name=op.f("pk_report_checkpoint_days")),
    )


def downgrade() -> None:
    """Revert this revision."""
    op.drop_table("report_checkpoint_days")
    op.drop_table("report_checkpoints")
    op.drop_index("ix_report_segments_end_day", table_name="report_segments")
    op.drop_index("ix_report_segments_start_day", table_name="report_segments")
