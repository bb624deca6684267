"""Listing steps per product only: retired steps, step prerequisites, shop URL rule.

Schema only (issue #16 item 3); the data moves in the next revision.

- ``marketplace_steps.retired_on``: the day a step stopped being asked; the
  row stays as history so the days before still answer as they did.
- ``marketplace_steps.requires``: what must hold before the step is recorded
  (data, e.g. ``seller_open``: the producer's shop on that marketplace open).
- ``marketplaces.shop_url_pattern`` / ``shop_url_example``: what a shop page
  is on the marketplace (it was the "storefront" step's URL rule).
- ``step_moves``: where each retired step record went (seller account,
  e-payment account), with the shop URLs a person must choose between.

Revision ID: b7d41e2a9c60
Revises: 8c3d6e9a1f24
Create Date: 2026-12-03 11:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "b7d41e2a9c60"
down_revision: str | None = "8c3d6e9a1f24"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this revision."""
    op.create_table(
        "step_moves",
        sa.Column("step_record_id", sa.Integer(), nullable=False),
        sa.Column("seller_account_id", sa.Integer(), nullable=True),
        sa.Column("payment_account_id", sa.Integer(), nullable=True),
        sa.Column("candidate_url", sa.String(length=500), nullable=True),
        sa.Column("conflict", sa.Boolean(), nullable=False),
        sa.Column("moved_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["payment_account_id"],
            ["payment_accounts.id"],
            name=op.f("fk_step_moves_payment_account_id_payment_accounts"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["seller_account_id"],
            ["seller_accounts.id"],
            name=op.f("fk_step_moves_seller_account_id_seller_accounts"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["step_record_id"],
            ["step_records.id"],
            name=op.f("fk_step_moves_step_record_id_step_records"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_step_moves")),
    )
    with op.batch_alter_table("step_moves", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_step_moves_seller_account_id"),
            ["seller_account_id"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_step_moves_step_record_id"), ["step_record_id"], unique=False
        )

    with op.batch_alter_table("marketplace_steps", schema=None) as batch_op:
        batch_op.add_column(sa.Column("requires", sa.String(length=30), nullable=True))
        batch_op.add_column(sa.Column("retired_on", sa.Date(), nullable=True))

    with op.batch_alter_table("marketplaces", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("shop_url_pattern", sa.String(length=300), nullable=True)
        )
        batch_op.add_column(
            sa.Column("shop_url_example", sa.String(length=300), nullable=True)
        )


def downgrade() -> None:
    """Revert this revision.

    The columns go with a plain ``ALTER TABLE … DROP COLUMN`` (SQLite 3.35+
    does it in place): a batch copy of ``marketplaces`` would break the
    foreign keys that point at it.
    """
    op.drop_column("marketplaces", "shop_url_example")
    op.drop_column("marketplaces", "shop_url_pattern")
    op.drop_column("marketplace_steps", "retired_on")
    op.drop_column("marketplace_steps", "requires")
    op.drop_index(op.f("ix_step_moves_step_record_id"), table_name="step_moves")
    op.drop_index(op.f("ix_step_moves_seller_account_id"), table_name="step_moves")
    op.drop_table("step_moves")
