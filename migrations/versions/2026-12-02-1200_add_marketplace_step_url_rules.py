"""Marketplace steps carry the shape of their evidence URL (a path pattern and an example).

Schema only; the rules of voso.vn and postmart.vn are seeded by the next revision.

Revision ID: 4e2b7c91d0a5
Revises: 8d0b5f2c4a63
Create Date: 2026-12-02 12:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "4e2b7c91d0a5"
down_revision: str | None = "8d0b5f2c4a63"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this revision."""
    with op.batch_alter_table("marketplace_steps", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("url_pattern", sa.String(length=300), nullable=True)
        )
        batch_op.add_column(
            sa.Column("url_example", sa.String(length=300), nullable=True)
        )


def downgrade() -> None:
    """Revert this revision."""
    with op.batch_alter_table("marketplace_steps", schema=None) as batch_op:
        batch_op.drop_column("url_example")
        batch_op.drop_column("url_pattern")
