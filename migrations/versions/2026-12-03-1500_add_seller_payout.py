"""Seller accounts: the e-payment account the marketplace pays the shop into.

Schema only. Issue #16 item 2: "the seller account's payout can point to one
of them" — a nullable reference to one of the producer's own payment
accounts, cleared if that account is deleted. No figure depends on it.

Revision ID: 2f9a6c1e8d47
Revises: b7d2e9a4c613
Create Date: 2026-12-03 15:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "2f9a6c1e8d47"
down_revision: str | None = "b7d2e9a4c613"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


FK = "fk_seller_accounts_payout_account_id_payment_accounts"


def upgrade() -> None:
    """Apply this revision.

    On SQLite the column and its reference are added in place: a batch
    "recreate" would drop the old table, and with foreign keys on, dropping it
    deletes the rows that cascade from it (checklist items, verifications,
    months) and clears the step moves that point at it.
    """
    if op.get_bind().dialect.name == "sqlite":
        op.execute(
            "ALTER TABLE seller_accounts ADD COLUMN payout_account_id INTEGER "
            f"CONSTRAINT {FK} REFERENCES payment_accounts (id) ON DELETE SET NULL"
        )
        return
    op.add_column(
        "seller_accounts", sa.Column("payout_account_id", sa.Integer(), nullable=True)
    )
    op.create_foreign_key(
        FK,
        "seller_accounts",
        "payment_accounts",
        ["payout_account_id"],
        ["id"],
        ondelete="SET NULL",
    )


def downgrade() -> None:
    """Revert this revision (in place on SQLite too, for the same reason)."""
    if op.get_bind().dialect.name == "sqlite":
        op.execute("ALTER TABLE seller_accounts DROP COLUMN payout_account_id")
        return
    op.drop_constraint(FK, "seller_accounts", type_="foreignkey")
    op.drop_column("seller_accounts", "payout_account_id")
