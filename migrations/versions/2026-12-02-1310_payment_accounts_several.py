"""E-payment accounts, the schema: a table of providers, an account's kind and SIM.

- ``payment_providers``: e-wallets, Mobile Money services (with the mobile
  network they run on) and banks, as data; filled by the next revision.
- ``payment_accounts`` gains ``kind`` and ``sim_in_holder_name`` (nullable
  here; the next revision fills ``kind`` and requires it).

Revision ID: 5c7d2e9a41f0
Revises: c3e9f1a27b45
Create Date: 2026-12-02 13:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "5c7d2e9a41f0"
down_revision: str | None = "c3e9f1a27b45"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

KINDS = ("e_wallet", "mobile_money", "bank")


def _kind() -> sa.Enum:
    return sa.Enum(*KINDS, name="paymentkind", native_enum=False, length=20)


def upgrade() -> None:
    op.create_table(
        "payment_providers",
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("kind", _kind(), nullable=False),
        sa.Column("carrier", sa.String(length=40), nullable=True),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_payment_providers")),
        sa.UniqueConstraint("code", name=op.f("uq_payment_providers_code")),
    )
    with op.batch_alter_table("payment_accounts") as batch:
        batch.add_column(sa.Column("kind", _kind(), nullable=True))
        batch.add_column(sa.Column("sim_in_holder_name", sa.Boolean(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("payment_accounts") as batch:
        batch.drop_column("sim_in_holder_name")
        batch.drop_column("kind")
    op.drop_table("payment_providers")
