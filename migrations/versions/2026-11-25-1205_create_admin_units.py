"""Create the administrative tree: units, closure links, old → new mappings.

Revision ID: d0e51c556c44
Revises:
Create Date: 2026-11-25 12:05:32.816024
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "d0e51c556c44"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this revision."""
    op.create_table(
        "admin_units",
        sa.Column(
            "edition",
            sa.Enum("2022", "2025", name="edition", native_enum=False),
            nullable=False,
        ),
        sa.Column(
            "level",
            sa.Enum(
                "province",
                "district",
                "commune",
                "hamlet",
                name="level",
                native_enum=False,
                length=10,
            ),
            nullable=False,
        ),
        sa.Column("code", sa.String(length=10), nullable=True),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("short_name", sa.String(length=120), nullable=False),
        sa.Column("unit_type", sa.String(length=30), nullable=True),
        sa.Column("parent_id", sa.Integer(), nullable=True),
        sa.Column("search_key", sa.String(length=300), nullable=False),
        sa.Column("valid_from", sa.Date(), nullable=True),
        sa.Column("valid_to", sa.Date(), nullable=True),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            nullable=False,
        ),
        sa.CheckConstraint(
            "length(name) > 0", name=op.f("ck_admin_units_name_not_empty")
        ),
        sa.ForeignKeyConstraint(
            ["parent_id"],
            ["admin_units.id"],
            name=op.f("fk_admin_units_parent_id_admin_units"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_admin_units")),
        sa.UniqueConstraint(
            "edition", "level", "code", name=op.f("uq_admin_units_edition_level_code")
        ),
        sa.UniqueConstraint(
            "parent_id", "name", name=op.f("uq_admin_units_parent_id_name")
        ),
    )
    with op.batch_alter_table("admin_units", schema=None) as batch_op:
        batch_op.create_index(
            "ix_admin_units_edition_level", ["edition", "level"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_admin_units_parent_id"), ["parent_id"], unique=False
        )
        batch_op.create_index(
            "uq_admin_units_root_name",
            ["edition", "name"],
            unique=True,
            sqlite_where=sa.text("parent_id IS NULL"),
            postgresql_where=sa.text("parent_id IS NULL"),
        )

    op.create_table(
        "admin_unit_links",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ancestor_id", sa.Integer(), nullable=False),
        sa.Column("descendant_id", sa.Integer(), nullable=False),
        sa.Column("depth", sa.Integer(), nullable=False),
        sa.Column("valid_from", sa.Date(), nullable=True),
        sa.Column("valid_to", sa.Date(), nullable=True),
        sa.CheckConstraint(
            "depth >= 0", name=op.f("ck_admin_unit_links_depth_not_negative")
        ),
        sa.ForeignKeyConstraint(
            ["ancestor_id"],
            ["admin_units.id"],
            name=op.f("fk_admin_unit_links_ancestor_id_admin_units"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["descendant_id"],
            ["admin_units.id"],
            name=op.f("fk_admin_unit_links_descendant_id_admin_units"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_admin_unit_links")),
    )
    with op.batch_alter_table("admin_unit_links", schema=None) as batch_op:
        batch_op.create_index(
            "ix_admin_unit_links_ancestor_depth", ["ancestor_id", "depth"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_admin_unit_links_descendant_id"),
            ["descendant_id"],
            unique=False,
        )

    op.create_table(
        "area_mappings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("old_unit_id", sa.Integer(), nullable=False),
        sa.Column("new_unit_id", sa.Integer(), nullable=False),
        sa.Column("effective_date", sa.Date(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "merged", "divided", name="mappingkind", native_enum=False, length=10
            ),
            nullable=False,
        ),
        sa.Column("is_default", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["new_unit_id"],
            ["admin_units.id"],
            name=op.f("fk_area_mappings_new_unit_id_admin_units"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["old_unit_id"],
            ["admin_units.id"],
            name=op.f("fk_area_mappings_old_unit_id_admin_units"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_area_mappings")),
        sa.UniqueConstraint(
            "old_unit_id",
            "new_unit_id",
            name=op.f("uq_area_mappings_old_unit_id_new_unit_id"),
        ),
    )
    with op.batch_alter_table("area_mappings", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_area_mappings_new_unit_id"), ["new_unit_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_area_mappings_old_unit_id"), ["old_unit_id"], unique=False
        )


def downgrade() -> None:
    """Revert this revision."""
    with op.batch_alter_table("area_mappings", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_area_mappings_old_unit_id"))
        batch_op.drop_index(batch_op.f("ix_area_mappings_new_unit_id"))

    op.drop_table("area_mappings")
    with op.batch_alter_table("admin_unit_links", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_admin_unit_links_descendant_id"))
        batch_op.drop_index("ix_admin_unit_links_ancestor_depth")

    op.drop_table("admin_unit_links")
    with op.batch_alter_table("admin_units", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_admin_units_root_name",
            sqlite_where=sa.text("parent_id IS NULL"),
            postgresql_where=sa.text("parent_id IS NULL"),
        )
        batch_op.drop_index(batch_op.f("ix_admin_units_parent_id"))
        batch_op.drop_index("ix_admin_units_edition_level")

    op.drop_table("admin_units")
