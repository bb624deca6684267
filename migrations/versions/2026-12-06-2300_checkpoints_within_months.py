"""Checkpoints within each month for the country and its provinces (issue #18 item 4).

A past date read the nearest month-end checkpoint plus up to fifteen days of
segment changes; the whole country's reads went through every segment of the
fortnight. The ledger now also keeps the country's and the provinces' figures
on each month's 8th, 15th and 22nd, and the country's on every other day:
``report_checkpoint_days.holds`` says whose figures a day keeps (0 every area,
1 the country and its provinces, 2 the country alone). The ledger is
recomputed right after the upgrade (``REBUILDS_LEDGER``), so the new
checkpoints exist before the first read and no daily roll has to write years
of them at once. A downgrade removes them with the column, since the code
before it takes every checkpoint to hold every area.

Revision ID: 5d2c8e1f7a36
Revises: 8e3a5d7f1c20
Create Date: 2026-12-06 23:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "5d2c8e1f7a36"
down_revision: str | None = "8e3a5d7f1c20"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None
# What the kept report figures hold changed: recompute them after upgrading.
REBUILDS_LEDGER = True

_DAYS = sa.table(
    "report_checkpoint_days",
    sa.column("day", sa.Date()),
    sa.column("holds", sa.SmallInteger()),
)
_FIGURES = sa.table("report_checkpoints", sa.column("day", sa.Date()))


def upgrade() -> None:
    """Apply this revision."""
    with op.batch_alter_table("report_checkpoint_days") as batch:
        batch.add_column(
            sa.Column("holds", sa.SmallInteger(), nullable=False, server_default="0")
        )


def downgrade() -> None:
    """Revert this revision: drop the checkpoints that keep some areas only."""
    within = sa.select(_DAYS.c.day).where(_DAYS.c.holds > 0)
    op.execute(sa.delete(_FIGURES).where(_FIGURES.c.day.in_(within)))
    op.execute(sa.delete(_DAYS).where(_DAYS.c.holds > 0))
    with op.batch_alter_table("report_checkpoint_days") as batch:
        batch.drop_column("holds")
