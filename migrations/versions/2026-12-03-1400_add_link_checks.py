"""Link checks: the last check of each verified shop and product URL.

Schema only. Issue #16 item 7: one row per subject (seller account or
listing) with the day of the last request, its outcome and the run of bad
answers that flags "có thể đã bị gỡ" in the action list.

Revision ID: 7b3e5d1a9c42
Revises: c5e80f3a1d27
Create Date: 2026-12-03 14:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "7b3e5d1a9c42"
down_revision: str | None = "c5e80f3a1d27"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this revision."""
    op.create_table(
        "link_checks",
        sa.Column(
            "subject_kind",
            sa.Enum(
                "shop", "listing", name="subjectkind", native_enum=False, length=10
            ),
            nullable=False,
        ),
        sa.Column("subject_id", sa.Integer(), nullable=False),
        sa.Column("marketplace_id", sa.Integer(), nullable=False),
        sa.Column("hamlet_id", sa.Integer(), nullable=False),
        sa.Column("url", sa.String(length=500), nullable=False),
        sa.Column("checked_on", sa.Date(), nullable=False),
        sa.Column(
            "outcome",
            sa.Enum(
                "ok",
                "gone",
                "home",
                "error",
                name="outcome",
                native_enum=False,
                length=10,
            ),
            nullable=True,
        ),
        sa.Column("status_code", sa.Integer(), nullable=True),
        sa.Column("bad_count", sa.Integer(), nullable=False),
        sa.Column("first_bad_on", sa.Date(), nullable=True),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["hamlet_id"],
            ["admin_units.id"],
            name=op.f("fk_link_checks_hamlet_id_admin_units"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["marketplace_id"],
            ["marketplaces.id"],
            name=op.f("fk_link_checks_marketplace_id_marketplaces"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_link_checks")),
        sa.UniqueConstraint(
            "subject_kind",
            "subject_id",
            name=op.f("uq_link_checks_subject_kind_subject_id"),
        ),
    )
    with op.batch_alter_table("link_checks", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_link_checks_hamlet_id"), ["hamlet_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_link_checks_marketplace_id"),
            ["marketplace_id"],
            unique=False,
        )


def downgrade() -> None:
    """Revert this revision."""
    with op.batch_alter_table("link_checks", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_link_checks_marketplace_id"))
        batch_op.drop_index(batch_op.f("ix_link_checks_hamlet_id"))

    op.drop_table("link_checks")
