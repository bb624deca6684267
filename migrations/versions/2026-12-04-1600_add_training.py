"""Training sessions, their attendees and coaching visits (issue #17 item 3).

Schema only; the topics are seeded by the next revision. The ledger's
segments gain two columns: a producer or team member ``trained`` by then, and
a producer ``holds_ocop`` (a product whose certificate is in force), and team
members become subjects of their own. A database whose ledger is already built
has it recomputed right after the upgrade (``REBUILDS_LEDGER``).

Revision ID: 0ca9d53753b7
Revises: 4c8e1b7d2a95
Create Date: 2026-12-04 16:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0ca9d53753b7"
down_revision: str | None = "4c8e1b7d2a95"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None
# What the kept report figures count changed: recompute them after upgrading.
REBUILDS_LEDGER = True


def _stamps() -> list[sa.Column[object]]:
    return [
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    ]


def upgrade() -> None:
    """Apply this revision."""
    op.create_table(
        "report_training",
        sa.Column("area_id", sa.Integer(), nullable=False),
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("own", sa.Boolean(), nullable=False),
        sa.Column("sessions", sa.Integer(), nullable=False),
        sa.Column("attendees", sa.Integer(), nullable=False),
        sa.Column("coaching_visits", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint(
            "area_id", "month", "own", name=op.f("pk_report_training")
        ),
    )
    op.create_table(
        "training_topics",
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("retired_on", sa.Date(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_training_topics")),
        sa.UniqueConstraint("code", name=op.f("uq_training_topics_code")),
    )
    op.create_table(
        "coaching_visits",
        sa.Column("producer_id", sa.Integer(), nullable=False),
        sa.Column("hamlet_id", sa.Integer(), nullable=False),
        sa.Column("visited_on", sa.Date(), nullable=False),
        sa.Column(
            "step",
            sa.Enum(
                "shop",
                "payment",
                "photos",
                "listing",
                "first_order",
                "quality",
                name="coachingstep",
                native_enum=False,
                length=20,
            ),
            nullable=False,
        ),
        sa.Column("coach_name", sa.String(length=200), nullable=False),
        sa.Column("note", sa.String(length=1000), nullable=True),
        sa.Column("recorded_by_id", sa.Integer(), nullable=True),
        *_stamps(),
        sa.ForeignKeyConstraint(
            ["hamlet_id"],
            ["admin_units.id"],
            name=op.f("fk_coaching_visits_hamlet_id_admin_units"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["producer_id"],
            ["producers.id"],
            name=op.f("fk_coaching_visits_producer_id_producers"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by_id"],
            ["users.id"],
            name=op.f("fk_coaching_visits_recorded_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_coaching_visits")),
    )
    op.create_index(
        "ix_coaching_visits_hamlet_day", "coaching_visits", ["hamlet_id", "visited_on"]
    )
    op.create_index(
        op.f("ix_coaching_visits_producer_id"), "coaching_visits", ["producer_id"]
    )
    op.create_table(
        "training_sessions",
        sa.Column("area_id", sa.Integer(), nullable=False),
        sa.Column("held_on", sa.Date(), nullable=False),
        sa.Column("topic_id", sa.Integer(), nullable=False),
        sa.Column("place", sa.String(length=200), nullable=False),
        sa.Column(
            "trainer_kind",
            sa.Enum(
                "team_member",
                "official",
                "partner",
                name="trainerkind",
                native_enum=False,
                length=20,
            ),
            nullable=False,
        ),
        sa.Column("trainer_name", sa.String(length=200), nullable=False),
        sa.Column("note", sa.String(length=1000), nullable=True),
        sa.Column("attendee_count", sa.Integer(), nullable=False),
        sa.Column("recorded_by_id", sa.Integer(), nullable=True),
        *_stamps(),
        sa.CheckConstraint(
            "attendee_count >= 0 AND attendee_count <= 500",
            name=op.f("ck_training_sessions_attendee_cap"),
        ),
        sa.ForeignKeyConstraint(
            ["area_id"],
            ["admin_units.id"],
            name=op.f("fk_training_sessions_area_id_admin_units"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by_id"],
            ["users.id"],
            name=op.f("fk_training_sessions_recorded_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["topic_id"],
            ["training_topics.id"],
            name=op.f("fk_training_sessions_topic_id_training_topics"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_training_sessions")),
    )
    for column in ("area_id", "held_on", "topic_id"):
        op.create_index(
            op.f(f"ix_training_sessions_{column}"), "training_sessions", [column]
        )
    op.create_table(
        "training_attendees",
        sa.Column("session_id", sa.Integer(), nullable=False),
        sa.Column("producer_id", sa.Integer(), nullable=True),
        sa.Column("member_id", sa.Integer(), nullable=True),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "producer_id IS NULL OR member_id IS NULL",
            name=op.f("ck_training_attendees_one_attendee"),
        ),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["team_members.id"],
            name=op.f("fk_training_attendees_member_id_team_members"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["producer_id"],
            ["producers.id"],
            name=op.f("fk_training_attendees_producer_id_producers"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["training_sessions.id"],
            name=op.f("fk_training_attendees_session_id_training_sessions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_training_attendees")),
        sa.UniqueConstraint(
            "session_id",
            "member_id",
            name=op.f("uq_training_attendees_session_id_member_id"),
        ),
        sa.UniqueConstraint(
            "session_id",
            "producer_id",
            name=op.f("uq_training_attendees_session_id_producer_id"),
        ),
    )
    for column in ("member_id", "producer_id"):
        op.create_index(
            op.f(f"ix_training_attendees_{column}"), "training_attendees", [column]
        )
    # Plain ADD COLUMN (with a default for the rows there): no table rebuild.
    for column in ("trained", "holds_ocop"):
        op.add_column(
            "report_segments",
            sa.Column(column, sa.Boolean(), nullable=False, server_default=sa.false()),
        )


def downgrade() -> None:
    """Revert this revision."""
    with op.batch_alter_table("report_segments") as batch:
        batch.drop_column("holds_ocop")
        batch.drop_column("trained")
    op.drop_table("training_attendees")
    op.drop_table("training_sessions")
    op.drop_table("coaching_visits")
    op.drop_table("training_topics")
    op.drop_table("report_training")
