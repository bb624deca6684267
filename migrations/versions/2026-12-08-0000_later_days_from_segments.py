"""A later day's figures read from the segments; the schedule goes (issue #18 item 2).

``report_schedule`` kept, per area, day and metric, each change already known
for a later day: what the segments that start or end on that day say. An
import of 20,000 rows wrote 348,000 of its rows (1.6 s on PostgreSQL, its
primary key's index most of it). A later day now reads the counts plus the
segments that start or end in between, through the indexes the past dates'
windows use, and the daily roll moves the counts by the same segments.

Downgrading makes the table again, empty, and marks the counts stale: the
earlier code counts from the segments until the ledger is rebuilt.

Revision ID: 6c2e8d4a9f13
Revises: 3f7a9c1e5b24
Create Date: 2026-12-08 00:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "6c2e8d4a9f13"
down_revision: str | None = "3f7a9c1e5b24"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this revision."""
    op.drop_table("report_schedule")


def downgrade() -> None:
    """Revert this revision."""
    op.create_table(
        "report_schedule",
        sa.Column("area_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("metric", sa.String(length=60), nullable=False),
        sa.Column("delta", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint(
            "area_id", "day", "metric", name=op.f("pk_report_schedule")
        ),
    )
    op.execute(sa.text("UPDATE report_state SET stale = true"))
