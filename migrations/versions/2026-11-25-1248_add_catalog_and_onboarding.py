"""Add producers, consents, payment accounts, OCOP groups, products, certificates,
marketplaces with their steps, listings, step records and verifications.

Revision ID: 7b59b6728773
Revises: 0b49abcb1291
Create Date: 2026-11-25 12:48:53.341174
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "7b59b6728773"
down_revision: str | None = "0b49abcb1291"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this revision."""
    op.create_table(
        "marketplaces",
        sa.Column("code", sa.String(length=30), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("domain", sa.String(length=100), nullable=False),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.Column("is_named_in_plan", sa.Boolean(), nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_marketplaces")),
        sa.UniqueConstraint("code", name=op.f("uq_marketplaces_code")),
    )
    op.create_table(
        "ocop_groups",
        sa.Column("code", sa.String(length=20), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ocop_groups")),
        sa.UniqueConstraint("code", name=op.f("uq_ocop_groups_code")),
    )
    op.create_table(
        "marketplace_steps",
        sa.Column("marketplace_id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=30), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("evidence", sa.String(length=20), nullable=True),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["marketplace_id"],
            ["marketplaces.id"],
            name=op.f("fk_marketplace_steps_marketplace_id_marketplaces"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_marketplace_steps")),
        sa.UniqueConstraint(
            "marketplace_id",
            "code",
            name=op.f("uq_marketplace_steps_marketplace_id_code"),
        ),
        sa.UniqueConstraint(
            "marketplace_id",
            "position",
            name=op.f("uq_marketplace_steps_marketplace_id_position"),
        ),
    )
    with op.batch_alter_table("marketplace_steps", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_marketplace_steps_marketplace_id"),
            ["marketplace_id"],
            unique=False,
        )

    op.create_table(
        "ocop_subgroups",
        sa.Column("group_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["group_id"],
            ["ocop_groups.id"],
            name=op.f("fk_ocop_subgroups_group_id_ocop_groups"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ocop_subgroups")),
        sa.UniqueConstraint(
            "group_id", "name", name=op.f("uq_ocop_subgroups_group_id_name")
        ),
    )
    with op.batch_alter_table("ocop_subgroups", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_ocop_subgroups_group_id"), ["group_id"], unique=False
        )

    op.create_table(
        "producers",
        sa.Column("hamlet_id", sa.Integer(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "household",
                "cooperative",
                "cooperative_group",
                "enterprise",
                name="producerkind",
                native_enum=False,
                length=20,
            ),
            nullable=False,
        ),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("representative", sa.String(length=120), nullable=True),
        sa.Column("phone", sa.String(length=16), nullable=True),
        sa.Column("tax_code", sa.String(length=20), nullable=True),
        sa.Column("search_key", sa.String(length=400), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["hamlet_id"],
            ["admin_units.id"],
            name=op.f("fk_producers_hamlet_id_admin_units"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_producers")),
    )
    with op.batch_alter_table("producers", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_producers_hamlet_id"), ["hamlet_id"], unique=False
        )
        batch_op.create_index(
            "uq_producers_hamlet_name", ["hamlet_id", "name"], unique=True
        )

    op.create_table(
        "payment_accounts",
        sa.Column("producer_id", sa.Integer(), nullable=False),
        sa.Column("hamlet_id", sa.Integer(), nullable=False),
        sa.Column(
            "provider",
            sa.Enum(
                "viettel_money",
                "vnpt_money",
                "mobifone_money",
                "bank",
                "other",
                name="paymentprovider",
                native_enum=False,
                length=20,
            ),
            nullable=False,
        ),
        sa.Column(
            "status",
            sa.Enum(
                "none",
                "in_progress",
                "opened",
                name="paymentstatus",
                native_enum=False,
                length=20,
            ),
            nullable=False,
        ),
        sa.Column("last4", sa.String(length=4), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["hamlet_id"],
            ["admin_units.id"],
            name=op.f("fk_payment_accounts_hamlet_id_admin_units"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["producer_id"],
            ["producers.id"],
            name=op.f("fk_payment_accounts_producer_id_producers"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_payment_accounts")),
    )
    with op.batch_alter_table("payment_accounts", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_payment_accounts_producer_id"), ["producer_id"], unique=False
        )

    op.create_table(
        "producer_consents",
        sa.Column("producer_id", sa.Integer(), nullable=False),
        sa.Column("hamlet_id", sa.Integer(), nullable=False),
        sa.Column(
            "field",
            sa.Enum(
                "display_name",
                "phone",
                "photo",
                name="consentfield",
                native_enum=False,
                length=20,
            ),
            nullable=False,
        ),
        sa.Column("granted", sa.Boolean(), nullable=False),
        sa.Column("recorded_by_id", sa.Integer(), nullable=True),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("note", sa.String(length=300), nullable=True),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["hamlet_id"],
            ["admin_units.id"],
            name=op.f("fk_producer_consents_hamlet_id_admin_units"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["producer_id"],
            ["producers.id"],
            name=op.f("fk_producer_consents_producer_id_producers"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by_id"],
            ["users.id"],
            name=op.f("fk_producer_consents_recorded_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_producer_consents")),
    )
    with op.batch_alter_table("producer_consents", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_producer_consents_producer_id"),
            ["producer_id"],
            unique=False,
        )

    op.create_table(
        "products",
        sa.Column("producer_id", sa.Integer(), nullable=False),
        sa.Column("hamlet_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "ocop",
                "agricultural",
                "specialty",
                name="productkind",
                native_enum=False,
                length=20,
            ),
            nullable=False,
        ),
        sa.Column("group_id", sa.Integer(), nullable=True),
        sa.Column("subgroup_id", sa.Integer(), nullable=True),
        sa.Column("unit", sa.String(length=40), nullable=True),
        sa.Column("price", sa.Numeric(precision=14, scale=0), nullable=True),
        sa.Column("description", sa.String(length=2000), nullable=True),
        sa.Column("gtin", sa.String(length=14), nullable=True),
        sa.Column("public_code", sa.String(length=32), nullable=False),
        sa.Column("search_key", sa.String(length=400), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "price IS NULL OR price >= 0", name=op.f("ck_products_price_not_negative")
        ),
        sa.ForeignKeyConstraint(
            ["group_id"],
            ["ocop_groups.id"],
            name=op.f("fk_products_group_id_ocop_groups"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["hamlet_id"],
            ["admin_units.id"],
            name=op.f("fk_products_hamlet_id_admin_units"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["producer_id"],
            ["producers.id"],
            name=op.f("fk_products_producer_id_producers"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["subgroup_id"],
            ["ocop_subgroups.id"],
            name=op.f("fk_products_subgroup_id_ocop_subgroups"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_products")),
        sa.UniqueConstraint("gtin", name=op.f("uq_products_gtin")),
        sa.UniqueConstraint(
            "producer_id", "name", name=op.f("uq_products_producer_id_name")
        ),
        sa.UniqueConstraint("public_code", name=op.f("uq_products_public_code")),
    )
    with op.batch_alter_table("products", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_products_hamlet_id"), ["hamlet_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_products_producer_id"), ["producer_id"], unique=False
        )

    op.create_table(
        "certificates",
        sa.Column("product_id", sa.Integer(), nullable=False),
        sa.Column("hamlet_id", sa.Integer(), nullable=False),
        sa.Column("stars", sa.Integer(), nullable=False),
        sa.Column("score", sa.Integer(), nullable=True),
        sa.Column("decision_number", sa.String(length=60), nullable=False),
        sa.Column("decision_date", sa.Date(), nullable=False),
        sa.Column("authority", sa.String(length=200), nullable=False),
        sa.Column(
            "level",
            sa.Enum(
                "district",
                "province",
                "central",
                name="certlevel",
                native_enum=False,
                length=10,
            ),
            nullable=False,
        ),
        sa.Column("expires_on", sa.Date(), nullable=False),
        sa.Column("revoked_on", sa.Date(), nullable=True),
        sa.Column("revoke_reason", sa.String(length=300), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "score IS NULL OR score BETWEEN 0 AND 100",
            name=op.f("ck_certificates_score_range"),
        ),
        sa.CheckConstraint(
            "stars BETWEEN 3 AND 5", name=op.f("ck_certificates_stars_ocop")
        ),
        sa.ForeignKeyConstraint(
            ["hamlet_id"],
            ["admin_units.id"],
            name=op.f("fk_certificates_hamlet_id_admin_units"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["product_id"],
            ["products.id"],
            name=op.f("fk_certificates_product_id_products"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_certificates")),
        sa.UniqueConstraint(
            "product_id",
            "decision_number",
            name=op.f("uq_certificates_product_id_decision_number"),
        ),
    )
    with op.batch_alter_table("certificates", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_certificates_hamlet_id"), ["hamlet_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_certificates_product_id"), ["product_id"], unique=False
        )

    op.create_table(
        "listings",
        sa.Column("product_id", sa.Integer(), nullable=False),
        sa.Column("marketplace_id", sa.Integer(), nullable=False),
        sa.Column("hamlet_id", sa.Integer(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "in_progress",
                "awaiting_verification",
                "listed",
                "rejected",
                "delisted",
                name="listingstatus",
                native_enum=False,
                length=30,
            ),
            nullable=False,
        ),
        sa.Column("next_step", sa.String(length=30), nullable=True),
        sa.Column("storefront_url", sa.String(length=500), nullable=True),
        sa.Column("listing_url", sa.String(length=500), nullable=True),
        sa.Column("claimed_by_id", sa.Integer(), nullable=True),
        sa.Column("verified_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("verified_by_id", sa.Integer(), nullable=True),
        sa.Column("delisted_on", sa.Date(), nullable=True),
        sa.Column("delist_reason", sa.String(length=300), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["claimed_by_id"],
            ["users.id"],
            name=op.f("fk_listings_claimed_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["hamlet_id"],
            ["admin_units.id"],
            name=op.f("fk_listings_hamlet_id_admin_units"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["marketplace_id"],
            ["marketplaces.id"],
            name=op.f("fk_listings_marketplace_id_marketplaces"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["product_id"],
            ["products.id"],
            name=op.f("fk_listings_product_id_products"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["verified_by_id"],
            ["users.id"],
            name=op.f("fk_listings_verified_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_listings")),
        sa.UniqueConstraint(
            "product_id",
            "marketplace_id",
            name=op.f("uq_listings_product_id_marketplace_id"),
        ),
    )
    with op.batch_alter_table("listings", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_listings_hamlet_id"), ["hamlet_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_listings_marketplace_id"), ["marketplace_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_listings_product_id"), ["product_id"], unique=False
        )

    op.create_table(
        "step_records",
        sa.Column("listing_id", sa.Integer(), nullable=False),
        sa.Column("hamlet_id", sa.Integer(), nullable=False),
        sa.Column("step_code", sa.String(length=30), nullable=False),
        sa.Column(
            "status",
            sa.Enum("done", "blocked", name="stepstatus", native_enum=False, length=10),
            nullable=False,
        ),
        sa.Column("evidence_url", sa.String(length=500), nullable=True),
        sa.Column("note", sa.String(length=1000), nullable=True),
        sa.Column("blocked_reason", sa.String(length=300), nullable=True),
        sa.Column("done_by_id", sa.Integer(), nullable=True),
        sa.Column("done_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["done_by_id"],
            ["users.id"],
            name=op.f("fk_step_records_done_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["hamlet_id"],
            ["admin_units.id"],
            name=op.f("fk_step_records_hamlet_id_admin_units"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["listing_id"],
            ["listings.id"],
            name=op.f("fk_step_records_listing_id_listings"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_step_records")),
        sa.UniqueConstraint(
            "listing_id", "step_code", name=op.f("uq_step_records_listing_id_step_code")
        ),
    )
    with op.batch_alter_table("step_records", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_step_records_listing_id"), ["listing_id"], unique=False
        )

    op.create_table(
        "verifications",
        sa.Column("listing_id", sa.Integer(), nullable=False),
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
            name=op.f("fk_verifications_decided_by_id_users"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["hamlet_id"],
            ["admin_units.id"],
            name=op.f("fk_verifications_hamlet_id_admin_units"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["listing_id"],
            ["listings.id"],
            name=op.f("fk_verifications_listing_id_listings"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_verifications")),
    )
    with op.batch_alter_table("verifications", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_verifications_listing_id"), ["listing_id"], unique=False
        )


def downgrade() -> None:
    """Revert this revision."""
    with op.batch_alter_table("verifications", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_verifications_listing_id"))

    op.drop_table("verifications")
    with op.batch_alter_table("step_records", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_step_records_listing_id"))

    op.drop_table("step_records")
    with op.batch_alter_table("listings", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_listings_product_id"))
        batch_op.drop_index(batch_op.f("ix_listings_marketplace_id"))
        batch_op.drop_index(batch_op.f("ix_listings_hamlet_id"))

    op.drop_table("listings")
    with op.batch_alter_table("certificates", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_certificates_product_id"))
        batch_op.drop_index(batch_op.f("ix_certificates_hamlet_id"))

    op.drop_table("certificates")
    with op.batch_alter_table("products", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_products_producer_id"))
        batch_op.drop_index(batch_op.f("ix_products_hamlet_id"))

    op.drop_table("products")
    with op.batch_alter_table("producer_consents", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_producer_consents_producer_id"))

    op.drop_table("producer_consents")
    with op.batch_alter_table("payment_accounts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_payment_accounts_producer_id"))

    op.drop_table("payment_accounts")
    with op.batch_alter_table("producers", schema=None) as batch_op:
        batch_op.drop_index("uq_producers_hamlet_name")
        batch_op.drop_index(batch_op.f("ix_producers_hamlet_id"))

    op.drop_table("producers")
    with op.batch_alter_table("ocop_subgroups", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_ocop_subgroups_group_id"))

    op.drop_table("ocop_subgroups")
    with op.batch_alter_table("marketplace_steps", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_marketplace_steps_marketplace_id"))

    op.drop_table("marketplace_steps")
    op.drop_table("ocop_groups")
    op.drop_table("marketplaces")
