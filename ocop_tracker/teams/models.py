"""Community digital teams (Tổ công nghệ số cộng đồng): one per hamlet."""

import datetime as dt
from enum import StrEnum

from sqlalchemy import (
    CheckConstraint,
    Date,
    ForeignKey,
    LargeBinary,
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
from ocop_tracker.core.labels import labels

MAX_MEMBERS = 10  # the plan: "at most 10 members"


class Position(StrEnum):
    """A member's place in the team."""

    leader = "leader"  # Tổ trưởng
    deputy = "deputy"  # Tổ phó
    member = "member"  # Thành viên


class Background(StrEnum):
    """Who the member is in the hamlet (the plan's list)."""

    hamlet_head = "hamlet_head"
    youth_union = "youth_union"
    teacher = "teacher"
    health_worker = "health_worker"
    postal_staff = "postal_staff"
    telecom_staff = "telecom_staff"
    it_staff = "it_staff"
    resident = "resident"
    other = "other"


POSITION_LABELS = labels(Position)
BACKGROUND_LABELS = labels(Background)


class Team(VersionedMixin, IdMixin, TimestampMixin, Audited, Base):
    """The digital team of one hamlet."""

    __tablename__ = "teams"

    hamlet_id: Mapped[int] = unit_ref(unique=True)
    # Kept in step with members so that the 10-member cap is one atomic UPDATE.
    member_count: Mapped[int] = mapped_column(default=0)

    __table_args__ = (
        CheckConstraint(
            f"member_count >= 0 AND member_count <= {MAX_MEMBERS}", name="member_cap"
        ),
    )


class TeamMember(VersionedMixin, IdMixin, TimestampMixin, Audited, Base):
    """A person on a team, with an optional sign-in account."""

    __tablename__ = "team_members"

    team_id: Mapped[int] = mapped_column(
        ForeignKey("teams.id", ondelete="RESTRICT"), index=True
    )
    # The team's hamlet, kept on the row so scope checks need no join.
    hamlet_id: Mapped[int] = unit_ref(index=True)
    full_name: Mapped[str] = mapped_column(String(120))
    position: Mapped[Position] = mapped_column(str_enum(Position, 10))
    background: Mapped[Background] = mapped_column(str_enum(Background, 20))
    # E.164 (+84…); shown the Vietnamese way (0…).
    phone: Mapped[str | None] = mapped_column(String(16))
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), unique=True
    )

    __table_args__ = (UniqueConstraint("team_id", "full_name"),)


class TeamDecision(VersionedMixin, IdMixin, TimestampMixin, Audited, Base):
    """The commune's decision establishing a team (issue 17 item 4): its number,
    day and signer, and the scanned copy (a PDF, or a photo re-encoded as
    photos are — SECURITY.md §M), kept in the database: one small file a team."""

    __tablename__ = "team_decisions"
    # The file's bytes stay out of the trail (its name, size and hash are in).
    __audit_exclude__ = frozenset({"document"})

    team_id: Mapped[int] = mapped_column(
        ForeignKey("teams.id", ondelete="CASCADE"), unique=True
    )
    # The team's hamlet, kept on the row so scope checks need no join.
    hamlet_id: Mapped[int] = unit_ref(index=True)
    number: Mapped[str] = mapped_column(String(60))
    decided_on: Mapped[dt.date] = mapped_column(Date)
    signer: Mapped[str] = mapped_column(String(200))
    document: Mapped[bytes | None] = mapped_column(LargeBinary, deferred=True)
    media_type: Mapped[str | None] = mapped_column(String(40))
    document_name: Mapped[str | None] = mapped_column(String(200))
    document_size: Mapped[int] = mapped_column(default=0)
    document_sha256: Mapped[str | None] = mapped_column(String(64))
