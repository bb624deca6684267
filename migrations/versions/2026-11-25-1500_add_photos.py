"""Product photos, their marketplace rules and idempotency keys.

Revision ID: 5a7e2c9b1d30
Revises: 3c1f0a9d5e21
Create Date: 2026-11-25 15:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "5a7e2c9b1d30"
down_revision: str | None = "3c1f0a9d5e21"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this revision."""
    op.create_table(
        "photos",
        sa.Column("product_id", sa.Integer(), nullable=False),
        sa.Column("hamlet_id", sa.Integer(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "product",
                "evidence",
                name="photokind",
                native_enum=False,
                length=10,
            ),
            nullable=False,
        ),
        sa.Column("listing_id", sa.Integer(), nullable=True),
        sa.Column("step_code", sa.String(length=30), nullable=True),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("is_main", sa.Boolean(), nullable=False),
        sa.Column("is_public", sa.Boolean(), nullable=False),
        sa.Column("content_type", sa.String(length=30), nullable=False),
        sa.Column("source_format", sa.String(length=10), nullable=False),
        sa.Column("source_sha256", sa.String(length=64), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("width", sa.Integer(), nullable=False),
        sa.Column("height", sa.Integer(), nullable=False),
        sa.Column("size_bytes", sa.Integer(), nullable=False),
        sa.Column("thumb_sha256", sa.String(length=64), nullable=False),
        sa.Column("thumb_width", sa.Integer(), nullable=False),
        sa.Column("thumb_height", sa.Integer(), nullable=False),
        sa.Column("thumb_size_bytes", sa.Integer(), nullable=False),
        sa.Column("uploaded_by_id", sa.Integer(), nullable=True),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "(kind = 'evidence') = (listing_id IS NOT NULL AND step_code IS NOT NULL)",
            name=op.f("ck_photos_evidence_has_step"),
        ),
        sa.CheckConstraint(
            "width > 0 AND height > 0", name=op.f("ck_photos_size_positive")
        ),
        sa.ForeignKeyConstraint(
            ["hamlet_id"],
            ["admin_units.id"],
            name=op.f("fk_photos_hamlet_id_admin_units"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["listing_id"],
            ["listings.id"],
            name=op.f("fk_photos_listing_id_listings"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["product_id"],
            ["products.id"],
            name=op.f("fk_photos_product_id_products"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["uploaded_by_id"],
            ["users.id"],
            name=op.f("fk_photos_uploaded_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_photos")),
        sa.UniqueConstraint(
            "product_id",
            "source_sha256",
            name=op.f("uq_photos_product_id_source_sha256"),
        ),
    )
    with op.batch_alter_table("photos", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_photos_hamlet_id"), ["hamlet_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_photos_listing_id"), ["listing_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_photos_product_id"), ["product_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_photos_sha256"), ["sha256"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_photos_thumb_sha256"), ["thumb_sha256"], unique=False
        )

    op.create_table(
        "photo_rules",
        sa.Column("marketplace_id", sa.Integer(), nullable=False),
        sa.Column("min_count", sa.Integer(), nullable=False),
        sa.Column("min_width", sa.Integer(), nullable=False),
        sa.Column("min_height", sa.Integer(), nullable=False),
        sa.Column("require_main", sa.Boolean(), nullable=False),
        sa.Column("pack_size", sa.Integer(), nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "min_count BETWEEN 1 AND 12", name=op.f("ck_photo_rules_min_count_range")
        ),
        sa.CheckConstraint(
            "min_width BETWEEN 1 AND 2048 AND min_height BETWEEN 1 AND 2048",
            name=op.f("ck_photo_rules_min_size_range"),
        ),
        sa.CheckConstraint(
            "pack_size BETWEEN 200 AND 2048",
            name=op.f("ck_photo_rules_pack_size_range"),
        ),
        sa.ForeignKeyConstraint(
            ["marketplace_id"],
            ["marketplaces.id"],
            name=op.f("fk_photo_rules_marketplace_id_marketplaces"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_photo_rules")),
        sa.UniqueConstraint(
            "marketplace_id", name=op.f("uq_photo_rules_marketplace_id")
        ),
    )

    op.create_table(
        "photo_upload_keys",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=100), nullable=False),
        sa.Column("product_id", sa.Integer(), nullable=False),
        sa.Column("source_sha256", sa.String(length=64), nullable=False),
        sa.Column("photo_id", sa.Integer(), nullable=True),
        sa.Column("status_code", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["photo_id"],
            ["photos.id"],
            name=op.f("fk_photo_upload_keys_photo_id_photos"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["product_id"],
            ["products.id"],
            name=op.f("fk_photo_upload_keys_product_id_products"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_photo_upload_keys_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_photo_upload_keys")),
        sa.UniqueConstraint(
            "user_id", "key", name=op.f("uq_photo_upload_keys_user_id_key")
        ),
    )
    with op.batch_alter_table("photo_upload_keys", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_photo_upload_keys_created_at"), ["created_at"], unique=False
        )


def downgrade() -> None:
    """Revert this revision."""
    with op.batch_alter_table("photo_upload_keys", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_photo_upload_keys_created_at"))
    op.drop_table("photo_upload_keys")
    op.drop_table("photo_rules")
    with op.batch_alter_table("photos", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_photos_thumb_sha256"))
        batch_op.drop_index(batch_op.f("ix_photos_sha256"))
        batch_op.drop_index(batch_op.f("ix_photos_product_id"))
        batch_op.drop_index(batch_op.f("ix_photos_listing_id"))
        batch_op.drop_index(batch_op.f("ix_photos_hamlet_id"))
    op.drop_table("photos")
