"""Indexes that answer a past date's window without reading the tables (issue #18 item 4).

The whole country on a past date counts the segments that start or end
between the nearest checkpoint and the date, each joined to its hamlet's
province. The start and end days' indexes now carry the hamlet and the three
columns of a child's line, and the closure links' index by descendant carries
the ancestor and the dates, so both sides are read from their indexes alone
(PostgreSQL chose to scan every link before: 56 of 62 ms).

Revision ID: 9a4b6e2d1c57
Revises: 5d2c8e1f7a36
Create Date: 2026-12-06 23:30:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "9a4b6e2d1c57"
down_revision: str | None = "5d2c8e1f7a36"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_LINE = ["hamlet_id", "category", "listed", "both"]


def upgrade() -> None:
    """Apply this revision."""
    op.drop_index("ix_report_segments_start_day", table_name="report_segments")
    op.drop_index("ix_report_segments_end_day", table_name="report_segments")
    op.create_index(
        "ix_report_segments_start_cover", "report_segments", ["start_day", *_LINE]
    )
    op.create_index(
        "ix_report_segments_end_cover", "report_segments", ["end_day", *_LINE]
    )
    op.drop_index("ix_admin_unit_links_descendant_id", table_name="admin_unit_links")
    op.create_index(
        "ix_admin_unit_links_descendant_cover",
        "admin_unit_links",
        ["descendant_id", "ancestor_id", "valid_from", "valid_to"],
    )


def downgrade() -> None:
    """Revert this revision."""
    op.drop_index("ix_admin_unit_links_descendant_cover", table_name="admin_unit_links")
    op.create_index(
        "ix_admin_unit_links_descendant_id", "admin_unit_links", ["descendant_id"]
    )
    op.drop_index("ix_report_segments_end_cover", table_name="report_segments")
    op.drop_index("ix_report_segments_start_cover", table_name="report_segments")
    op.create_index("ix_report_segments_end_day", "report_segments", ["end_day"])
    op.create_index("ix_report_segments_start_day", "report_segments", ["start_day"])
