"""Report revisions: a per-area number bumped by each commit that moves its figures.

Issue #16 item 6: a coverage answer kept in a worker's memory is stamped with
its area's revision and the ledger's state; a commit that moves the area's
figures bumps the revision, so the next read computes the answer again.
Schema only: an area without a row reads as revision 0, and the ledger's
state (its ``rebuilt_at``) already changes with every rebuild.

Revision ID: 4d8e2a6c1f37
Revises: 9c4f1a7e2b58
Create Date: 2026-12-06 13:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "4d8e2a6c1f37"
down_revision: str | None = "9c4f1a7e2b58"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this revision."""
    op.create_table(
        "report_revisions",
        sa.Column("area_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("rev", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("area_id", name=op.f("pk_report_revisions")),
    )


def downgrade() -> None:
    """Revert this revision."""
    op.drop_table("report_revisions")
