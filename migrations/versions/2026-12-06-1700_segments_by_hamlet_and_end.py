"""Report segments indexed by hamlet and end day (issue #18 item 4).

Coverage of a province or a commune on a past date adds to the nearest
checkpoint the segments that start or end between it and the date. Those of
the area's own hamlets are now sought hamlet by hamlet: the start day already
had its index beside the hamlet (``ix_report_segments_hamlet_start``); this
gives the end day one (``ix_report_segments_hamlet_end``).

Revision ID: 8e3a5d7f1c20
Revises: 6b1f0c9d2e84
Create Date: 2026-12-06 17:00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "8e3a5d7f1c20"
down_revision: str | None = "6b1f0c9d2e84"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this revision."""
    op.create_index(
        "ix_report_segments_hamlet_end", "report_segments", ["hamlet_id", "end_day"]
    )


def downgrade() -> None:
    """Revert this revision."""
    op.drop_index("ix_report_segments_hamlet_end", table_name="report_segments")
