"""Pilots and their units; the team's establishment decision (issue #17 item 4).

Schema only: a pilot's name, window and units; a team's decision (number,
day, signer) with its scanned copy kept in the row (a PDF, or a photo
re-encoded). No kept figure depends on them.

Revision ID: 2bca39ac09dd
Revises: 6e2a9c4d1b85
Create Date: 2026-12-04 16:29:23.946628
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "2bca39ac09dd"
down_revision: str | None = "6e2a9c4d1b85"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this revision."""
    op.create_table(
        "pilots",
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("start_on", sa.Date(), nullable=False),
        sa.Column("end_on", sa.Date(), nullable=False),
        sa.Column("area_id", sa.Integer(), nullable=True),
        sa.Column("note", sa.String(length=1000), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("end_on >= start_on", name=op.f("ck_pilots_window")),
        sa.ForeignKeyConstraint(
            ["area_id"],
            ["admin_units.id"],
            name=op.f("fk_pilots_area_id_admin_units"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pilots")),
    )
    op.create_table(
        "pilot_units",
        sa.Column("pilot_id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["pilot_id"],
            ["pilots.id"],
            name=op.f("fk_pilot_units_pilot_id_pilots"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["unit_id"],
            ["admin_units.id"],
            name=op.f("fk_pilot_units_unit_id_admin_units"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pilot_units")),
        sa.UniqueConstraint(
            "pilot_id", "unit_id", name=op.f("uq_pilot_units_pilot_id_unit_id")
        ),
    )
    with op.batch_alter_table("pilot_units", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_pilot_units_unit_id"), ["unit_id"], unique=False
        )

    op.create_table(
        "team_decisions",
        sa.Column("team_id", sa.Integer(), nullable=False),
        sa.Column("hamlet_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.String(length=60), nullable=False),
        sa.Column("decided_on", sa.Date(), nullable=False),
        sa.Column("signer", sa.String(length=200), nullable=False),
        sa.Column("document", sa.LargeBinary(), nullable=True),
        sa.Column("media_type", sa.String(length=40), nullable=True),
        sa.Column("document_name", sa.String(length=200), nullable=True),
        sa.Column("document_size", sa.Integer(), nullable=False),
        sa.Column("document_sha256", sa.String(length=64), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["hamlet_id"],
            ["admin_units.id"],
            name=op.f("fk_team_decisions_hamlet_id_admin_units"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["team_id"],
            ["teams.id"],
            name=op.f("fk_team_decisions_team_id_teams"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_team_decisions")),
        sa.UniqueConstraint("team_id", name=op.f("uq_team_decisions_team_id")),
    )
    with op.batch_alter_table("team_decisions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_team_decisions_hamlet_id"), ["hamlet_id"], unique=False
        )


def downgrade() -> None:
    """Revert this revision."""
    with op.batch_alter_table("team_decisions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_team_decisions_hamlet_id"))

    op.drop_table("team_decisions")
    with op.batch_alter_table("pilot_units", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_pilot_units_unit_id"))

    op.drop_table("pilot_units")
    op.drop_table("pilots")
