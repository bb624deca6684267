"""Households' private links: one per producer, only the token's hash kept.

Schema only. Issue #17 item 1 (SECURITY.md §M): a capability URL that opens
the producer's own progress without an account; issuing a new one replaces
the hash (the old link is dead at once); the row goes with the producer.

Revision ID: 9d4b7e2f1a38
Revises: 2f9a6c1e8d47
Create Date: 2026-12-03 15:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "9d4b7e2f1a38"
down_revision: str | None = "2f9a6c1e8d47"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this revision."""
    op.create_table(
        "household_links",
        sa.Column("producer_id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("issued_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("issued_by_id", sa.Integer(), nullable=True),
        sa.Column("views", sa.Integer(), nullable=False),
        sa.Column("last_viewed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["issued_by_id"],
            ["users.id"],
            name=op.f("fk_household_links_issued_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["producer_id"],
            ["producers.id"],
            name=op.f("fk_household_links_producer_id_producers"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_household_links")),
        sa.UniqueConstraint("producer_id", name=op.f("uq_household_links_producer_id")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_household_links_token_hash")),
    )


def downgrade() -> None:
    """Revert this revision."""
    op.drop_table("household_links")
