"""Two checks fewer on the rows a list import writes most (issue #18 item 2).

- ``ix_products_producer_id`` went: ``uq_products_producer_id_name`` is led
  by the same column and answers every lookup by producer.
- ``report_segments.hamlet_id`` loses its foreign key. A segment's hamlet is
  its subject's, whose row is held to the tree by its own key; the check
  cost a lookup of the hamlet for each of an import's 80,000 segments
  (0.4 s on PostgreSQL), and no unit is ever deleted.

Revision ID: 8d1f3b7e2a60
Revises: 6c2e8d4a9f13
Create Date: 2026-12-08 01:00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "8d1f3b7e2a60"
down_revision: str | None = "6c2e8d4a9f13"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this revision."""
    with op.batch_alter_table("products") as batch:
        batch.drop_index(batch.f("ix_products_producer_id"))
    with op.batch_alter_table("report_segments") as batch:
        batch.drop_constraint(
            batch.f("fk_report_segments_hamlet_id_admin_units"), type_="foreignkey"
        )


def downgrade() -> None:
    """Revert this revision."""
    with op.batch_alter_table("report_segments") as batch:
        batch.create_foreign_key(
            batch.f("fk_report_segments_hamlet_id_admin_units"),
            "admin_units",
            ["hamlet_id"],
            ["id"],
            ondelete="CASCADE",
        )
    with op.batch_alter_table("products") as batch:
        batch.create_index(
            batch.f("ix_products_producer_id"), ["producer_id"], unique=False
        )
