"""Training and coaching (issue 17 item 3): sessions with their attendees, and
one-to-one coaching visits at a producer's.

The plan asks teams and communes to train households and team members. A
session is held somewhere in the tree (a hamlet or a commune) on a day, on a
topic from a list that is data (``TrainingTopic``, seeded, admins add and
retire), by a trainer (a team member, a commune official or a partner such as
the post office or a carrier); its attendees are producers and team members of
the area it was held in. A coaching visit is a team member's visit to one
producer about one step. A producer or team member counts as trained from the
day of the first session they attended (``reports/facts.py``).
"""

import datetime as dt
from enum import StrEnum

from sqlalchemy import (
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from ocop_tracker.areas.models import unit_ref
from ocop_tracker.audit.models import Audited
from ocop_tracker.core.base import (
    Base,
    IdMixin,
    TimestampMixin,
    VersionedMixin,
    str_enum,
)

MAX_ATTENDEES = 500  # one session's list, a commune's hall at most


class TrainerKind(StrEnum):
    """Who led the session."""

    team_member = "team_member"  # a member of the digital team
    official = "official"  # a commune or district official
    partner = "partner"  # the post office, a carrier, a marketplace, a bank…


class CoachingStep(StrEnum):
    """What a coaching visit helped with: a product's step or the producer's own."""

    shop = "shop"  # opening the shop on a marketplace
    payment = "payment"  # an e-payment account
    photos = "photos"
    listing = "listing"
    first_order = "first_order"
    quality = "quality"


class TrainingTopic(VersionedMixin, IdMixin, Audited, Base):
    """A topic sessions are held on (data: seeded, admins add and retire)."""

    __tablename__ = "training_topics"

    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    position: Mapped[int] = mapped_column(default=0)
    # No longer offered for new sessions from this day; old sessions keep it.
    retired_on: Mapped[dt.date | None] = mapped_column(Date)


class TrainingSession(VersionedMixin, IdMixin, TimestampMixin, Audited, Base):
    """One training session, held in an area on a day."""

    __tablename__ = "training_sessions"

    area_id: Mapped[int] = unit_ref(index=True)
    held_on: Mapped[dt.date] = mapped_column(Date, index=True)
    topic_id: Mapped[int] = mapped_column(
        ForeignKey("training_topics.id", ondelete="RESTRICT"), index=True
    )
    place: Mapped[str] = mapped_column(String(200))
    trainer_kind: Mapped[TrainerKind] = mapped_column(str_enum(TrainerKind, 20))
    trainer_name: Mapped[str] = mapped_column(String(200))
    note: Mapped[str | None] = mapped_column(String(1000))
    # Kept in step with the attendee rows (the month's attendees are a sum).
    attendee_count: Mapped[int] = mapped_column(default=0)
    recorded_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )

    __table_args__ = (
        CheckConstraint(
            f"attendee_count >= 0 AND attendee_count <= {MAX_ATTENDEES}",
            name="attendee_cap",
        ),
    )


class TrainingAttendee(IdMixin, Audited, Base):
    """A producer or a team member at a session (one of the two).

    A producer deleted or a member who left the team later stays counted as
    having attended (both ids then empty): a session's figures do not change
    after the fact."""

    __tablename__ = "training_attendees"

    session_id: Mapped[int] = mapped_column(
        ForeignKey("training_sessions.id", ondelete="CASCADE")
    )
    producer_id: Mapped[int | None] = mapped_column(
        ForeignKey("producers.id", ondelete="SET NULL"), index=True
    )
    member_id: Mapped[int | None] = mapped_column(
        ForeignKey("team_members.id", ondelete="SET NULL"), index=True
    )

    __table_args__ = (
        UniqueConstraint("session_id", "producer_id"),
        UniqueConstraint("session_id", "member_id"),
        CheckConstraint(
            "producer_id IS NULL OR member_id IS NULL", name="one_attendee"
        ),
    )


class CoachingVisit(VersionedMixin, IdMixin, TimestampMixin, Audited, Base):
    """A one-to-one visit at a producer's about one step."""

    __tablename__ = "coaching_visits"

    producer_id: Mapped[int] = mapped_column(
        ForeignKey("producers.id", ondelete="CASCADE"), index=True
    )
    # The producer's hamlet when visited: where the visit counts.
    hamlet_id: Mapped[int] = unit_ref()
    visited_on: Mapped[dt.date] = mapped_column(Date)
    step: Mapped[CoachingStep] = mapped_column(str_enum(CoachingStep, 20))
    coach_name: Mapped[str] = mapped_column(String(200))
    note: Mapped[str | None] = mapped_column(String(1000))
    recorded_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )

    __table_args__ = (
        Index("ix_coaching_visits_hamlet_day", "hamlet_id", "visited_on"),
    )
