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


def upgrade() -> None:
    """Apply this revision."""
    with op.batch_alter_table("seller_accounts") as batch:
        batch.add_column(sa.Column("payout_account_id", sa.Integer(), nullable=True))
        batch.create_foreign_key(
            op.f("fk_seller_accounts_payout_account_id_payment_accounts"),
            "payment_accounts",
            ["payout_account_id"],
            ["id"],
            ondelete="SET NULL",
        )


def downgrade() -> None:
    """Revert this revision."""
    with op.batch_alter_table("seller_accounts") as batch:
        batch.drop_constraint(
            op.f("fk_seller_accounts_payout_account_id_payment_accounts"),
            type_="foreignkey",
        )
        batch.drop_column("payout_account_id")
