"""Seller accounts: a producer's shop per marketplace, its checklist and verifications.

Schema only; the prerequisites of voso.vn and postmart.vn are seeded by the
next revision. Issue #16 item 1.

Revision ID: b7d2e4a61c08
Revises: 9a61f3e8c2b4
Create Date: 2026-12-02 13:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "b7d2e4a61c08"
down_revision: str | None = "9a61f3e8c2b4"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this revision."""
    op.create_table(
        "seller_prerequisites",
        sa.Column("marketplace_id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=30), nullable=False),
        sa.Column("label", sa.String(length=200), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("required", sa.Boolean(), nullable=False),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["marketplace_id"],
            ["marketplaces.id"],
            name=op.f("fk_seller_prerequisites_marketplace_id_marketplaces"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_seller_prerequisites")),
        sa.UniqueConstraint(
            "marketplace_id",
            "code",
            name=op.f("uq_seller_prerequisites_marketplace_id_code"),
        ),
    )
    with op.batch_alter_table("seller_prerequisites", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_seller_prerequisites_marketplace_id"),
            ["marketplace_id"],
            unique=False,
        )

    op.create_table(
        "seller_accounts",
        sa.Column("producer_id", sa.Integer(), nullable=False),
        sa.Column("marketplace_id", sa.Integer(), nullable=False),
        sa.Column("hamlet_id", sa.Integer(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "not_started",
                "preparing",
                "applied",
                "open",
                "suspended",
                "closed",
                name="sellerstatus",
                native_enum=False,
                length=20,
            ),
            nullable=False,
        ),
        sa.Column("status_on", sa.Date(), nullable=False),
        sa.Column("shop_name", sa.String(length=200), nullable=True),
        sa.Column("shop_url", sa.String(length=500), nullable=True),
        sa.Column("login_phone", sa.String(length=20), nullable=True),
        sa.Column("login_email", sa.String(length=254), nullable=True),
        sa.Column(
            "claim_status",
            sa.Enum(
                "pending",
                "approved",
                "rejected",
                name="claimstatus",
                native_enum=False,
                length=10,
            ),
            nullable=True,
        ),
        sa.Column("claimed_by_id", sa.Integer(), nullable=True),
        sa.Column("claimed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("verified_by_id", sa.Integer(), nullable=True),
        sa.Column("verified_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["claimed_by_id"],
            ["users.id"],
            name=op.f("fk_seller_accounts_claimed_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["hamlet_id"],
            ["admin_units.id"],
            name=op.f("fk_seller_accounts_hamlet_id_admin_units"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["marketplace_id"],
            ["marketplaces.id"],
            name=op.f("fk_seller_accounts_marketplace_id_marketplaces"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["producer_id"],
            ["producers.id"],
            name=op.f("fk_seller_accounts_producer_id_producers"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["verified_by_id"],
            ["users.id"],
            name=op.f("fk_seller_accounts_verified_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_seller_accounts")),
        sa.UniqueConstraint(
            "producer_id",
            "marketplace_id",
            name=op.f("uq_seller_accounts_producer_id_marketplace_id"),
        ),
    )
    with op.batch_alter_table("seller_accounts", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_seller_accounts_hamlet_id"), ["hamlet_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_seller_accounts_marketplace_id"),
            ["marketplace_id"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_seller_accounts_producer_id"), ["producer_id"], unique=False
        )

    op.create_table(
        "seller_checklist_items",
        sa.Column("seller_account_id", sa.Integer(), nullable=False),
        sa.Column("hamlet_id", sa.Integer(), nullable=False),
        sa.Column("item_code", sa.String(length=30), nullable=False),
        sa.Column("done", sa.Boolean(), nullable=False),
        sa.Column("note", sa.String(length=1000), nullable=True),
        sa.Column("evidence_url", sa.String(length=500), nullable=True),
        sa.Column("done_by_id", sa.Integer(), nullable=True),
        sa.Column("done_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["done_by_id"],
            ["users.id"],
            name=op.f("fk_seller_checklist_items_done_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["hamlet_id"],
            ["admin_units.id"],
            name=op.f("fk_seller_checklist_items_hamlet_id_admin_units"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["seller_account_id"],
            ["seller_accounts.id"],
            name=op.f("fk_seller_checklist_items_seller_account_id_seller_accounts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_seller_checklist_items")),
        sa.UniqueConstraint(
            "seller_account_id",
            "item_code",
            name=op.f("uq_seller_checklist_items_seller_account_id_item_code"),
        ),
    )
    with op.batch_alter_table("seller_checklist_items", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_seller_checklist_items_seller_account_id"),
            ["seller_account_id"],
            unique=False,
        )

    op.create_table(
        "seller_verifications",
        sa.Column("seller_account_id", sa.Integer(), nullable=False),
        sa.Column("hamlet_id", sa.Integer(), nullable=False),
        sa.Column(
            "decision",
            sa.Enum(
                "approved", "rejected", name="decision", native_enum=False, length=10
            ),
            nullable=False,
        ),
        sa.Column("comment", sa.String(length=1000), nullable=True),
        sa.Column("decided_by_id", sa.Integer(), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["decided_by_id"],
            ["users.id"],
            name=op.f("fk_seller_verifications_decided_by_id_users"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["hamlet_id"],
            ["admin_units.id"],
            name=op.f("fk_seller_verifications_hamlet_id_admin_units"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["seller_account_id"],
            ["seller_accounts.id"],
            name=op.f("fk_seller_verifications_seller_account_id_seller_accounts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_seller_verifications")),
    )
    with op.batch_alter_table("seller_verifications", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_seller_verifications_seller_account_id"),
            ["seller_account_id"],
            unique=False,
        )


def downgrade() -> None:
    """Revert this revision."""
    with op.batch_alter_table("seller_verifications", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_seller_verifications_seller_account_id"))

    op.drop_table("seller_verifications")
    with op.batch_alter_table("seller_checklist_items", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_seller_checklist_items_seller_account_id"))

    op.drop_table("seller_checklist_items")
    with op.batch_alter_table("seller_accounts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_seller_accounts_producer_id"))
        batch_op.drop_index(batch_op.f("ix_seller_accounts_marketplace_id"))
        batch_op.drop_index(batch_op.f("ix_seller_accounts_hamlet_id"))

    op.drop_table("seller_accounts")
    with op.batch_alter_table("seller_prerequisites", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_seller_prerequisites_marketplace_id"))

    op.drop_table("seller_prerequisites")
