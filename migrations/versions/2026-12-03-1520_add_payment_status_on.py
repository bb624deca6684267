"""E-payment accounts: the day their status last changed.

Issue #16 item 6's action list counts how long Mobile Money has waited; until
now it counted from the account's last edit of any kind. The new column is
filled for the accounts already there from that last edit (the best day
known, as a Vietnam date); from now on the service sets it when the status
changes. No kept figure depends on it.

Revision ID: 4c8e1b7d2a95
Revises: 9d4b7e2f1a38
Create Date: 2026-12-03 15:20:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "4c8e1b7d2a95"
down_revision: str | None = "9d4b7e2f1a38"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this revision."""
    with op.batch_alter_table("payment_accounts") as batch:
        batch.add_column(sa.Column("status_on", sa.Date(), nullable=True))
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "UPDATE payment_accounts SET status_on = "
            "(updated_at AT TIME ZONE 'Asia/Ho_Chi_Minh')::date"
        )
    else:
        op.execute(
            "UPDATE payment_accounts SET status_on = date(updated_at, '+7 hours')"
        )


def downgrade() -> None:
    """Revert this revision."""
    with op.batch_alter_table("payment_accounts") as batch:
        batch.drop_column("status_on")
