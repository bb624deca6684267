"""Coverage counts kept in step with writes, and monthly report submissions.

Schema only: after upgrading a database that already holds products, run
``ocop-tracker reports rebuild`` once to fill the ledger (until then the
reports read nothing for those products).

Revision ID: 7c9a4e1b3f52
Revises: 6b8f3d0a2e41
Create Date: 2026-11-25 15:20:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "7c9a4e1b3f52"
down_revision: str | None = "6b8f3d0a2e41"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this revision."""
    op.create_table(
        "report_segments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("subject_type", sa.String(length=10), nullable=False),
        sa.Column("subject_id", sa.Integer(), nullable=False),
        sa.Column("hamlet_id", sa.Integer(), nullable=False),
        sa.Column("start_day", sa.Date(), nullable=False),
        sa.Column("end_day", sa.Date(), nullable=True),
        sa.Column("category", sa.String(length=10), nullable=False),
        sa.Column("stars", sa.Integer(), nullable=True),
        sa.Column("group_id", sa.Integer(), nullable=True),
        sa.Column("kind", sa.String(length=20), nullable=True),
        sa.Column("ptype", sa.String(length=20), nullable=True),
        sa.Column("listed", sa.Boolean(), nullable=False),
        sa.Column("both", sa.Boolean(), nullable=False),
        sa.Column("expiring", sa.Boolean(), nullable=False),
        sa.Column("paying", sa.Boolean(), nullable=False),
        sa.Column("markets", sa.String(length=200), nullable=False),
        sa.Column("steps", sa.String(length=300), nullable=False),
        sa.ForeignKeyConstraint(
            ["hamlet_id"],
            ["admin_units.id"],
            name=op.f("fk_report_segments_hamlet_id_admin_units"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_report_segments")),
    )
    op.create_index(
        "ix_report_segments_subject",
        "report_segments",
        ["subject_type", "subject_id"],
        unique=False,
    )
    op.create_index(
        "ix_report_segments_hamlet_start",
        "report_segments",
        ["hamlet_id", "start_day"],
        unique=False,
    )
    op.create_table(
        "report_counts",
        sa.Column("area_id", sa.Integer(), nullable=False),
        sa.Column("metric", sa.String(length=60), nullable=False),
        sa.Column("value", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("area_id", "metric", name=op.f("pk_report_counts")),
    )
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
    op.create_table(
        "report_state",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("counts_day", sa.Date(), nullable=False),
        sa.Column("stale", sa.Boolean(), nullable=False),
        sa.Column("rebuilt_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_report_state")),
    )
    op.create_table(
        "report_submissions",
        sa.Column("area_id", sa.Integer(), nullable=False),
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("submitted_by_id", sa.Integer(), nullable=True),
        sa.Column("submitted_by_name", sa.String(length=120), nullable=False),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("on_time", sa.Boolean(), nullable=False),
        sa.Column("recipient", sa.String(length=200), nullable=False),
        sa.Column("note", sa.String(length=1000), nullable=True),
        sa.Column("snapshot", sa.JSON(), nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["area_id"],
            ["admin_units.id"],
            name=op.f("fk_report_submissions_area_id_admin_units"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["submitted_by_id"],
            ["users.id"],
            name=op.f("fk_report_submissions_submitted_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_report_submissions")),
        sa.UniqueConstraint(
            "area_id",
            "month",
            "version",
            name=op.f("uq_report_submissions_area_id_month_version"),
        ),
    )
    op.create_index(
        op.f("ix_report_submissions_area_id"),
        "report_submissions",
        ["area_id"],
        unique=False,
    )


def downgrade() -> None:
    """Revert this revision."""
    op.drop_index(
        op.f("ix_report_submissions_area_id"), table_name="report_submissions"
    )
    op.drop_table("report_submissions")
    op.drop_table("report_state")
    op.drop_table("report_schedule")
    op.drop_table("report_counts")
    op.drop_index("ix_report_segments_hamlet_start", table_name="report_segments")
    op.drop_index("ix_report_segments_subject", table_name="report_segments")
    op.drop_table("report_segments")
