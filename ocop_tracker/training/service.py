"""Commands on training: sessions, who attended them, coaching visits.

Writers are the team roles, officials and admins, in their area (the
department reads). A session is held in an area of the writer's; its
attendees are producers and team members under that area today; the list is
written whole, with the session's version, and its count kept on the session.
The reports ledger counts a producer or team member as trained from the day of
the first session they attended (``reports/facts.py``), and the month's
sessions, attendees and visits per area (``reports/training.py``).
"""

import datetime as dt
from collections.abc import Iterable

from sqlalchemy.orm import Session

from ocop_tracker.areas import views as area_views
from ocop_tracker.auth.scope import check_writer
from ocop_tracker.core import clock
from ocop_tracker.core.base import utcnow
from ocop_tracker.core.errors import FieldErrors, InvalidInput
from ocop_tracker.core.fields import cleaned, set_given
from ocop_tracker.core.text import clean_text, required_text
from ocop_tracker.core.versions import UNSET, Unset, check_version, flush_versioned
from ocop_tracker.producers.models import Producer
from ocop_tracker.teams.models import TeamMember
from ocop_tracker.training import repository, rules
from ocop_tracker.training.models import (
    MAX_ATTENDEES,
    CoachingStep,
    CoachingVisit,
    TrainerKind,
    TrainingAttendee,
    TrainingSession,
)
from ocop_tracker.training.views import VISIT, WHAT
from ocop_tracker.users.models import WRITERS, User

READ_ONLY = (
    "Vai trò của bạn chỉ được xem việc tập huấn; việc ghi do tổ công nghệ số "
    "hoặc cán bộ phụ trách làm."
)


def _check(session: Session, actor: User, area_id: int, what: str = WHAT) -> None:
    check_writer(session, actor, area_id, what, WRITERS, READ_ONLY)


def _topic(session: Session, topic_id: int, day: dt.date, keep: int | None) -> int:
    """A topic offered on ``day`` (or the one the session already has)."""
    topic = repository.topic(session, topic_id)
    if topic is None:
        raise InvalidInput("Hãy chọn một chủ đề trong danh sách.", field="topic_id")
    if topic.id != keep and topic.retired_on is not None and topic.retired_on <= day:
        raise InvalidInput(
            f"Chủ đề “{topic.name}” không còn dùng từ {topic.retired_on:%d/%m/%Y}.",
            field="topic_id",
        )
    return topic.id


def _clean_place(raw: str) -> str:
    return required_text(raw, field="place", label="Địa điểm", max_len=rules.MAX_PLACE)


def _clean_trainer(raw: str) -> str:
    return required_text(
        raw, field="trainer_name", label="Người hướng dẫn", max_len=rules.MAX_NAME
    )


def _clean_note(raw: str | None) -> str | None:
    return clean_text(
        raw, field="note", label="Ghi chú", max_len=rules.MAX_NOTE, multiline=True
    )


def _clean_coach(raw: str | None) -> str | None:
    return clean_text(
        raw, field="coach_name", label="Người hướng dẫn", max_len=rules.MAX_NAME
    )


def _check_held_on(day: dt.date) -> dt.date:
    rules.check_day(day, clock.today(), field="held_on", label="Ngày tập huấn")
    return day


def create_session(
    session: Session,
    actor: User,
    *,
    area_id: int,
    held_on: dt.date,
    topic_id: int,
    place: str,
    trainer_kind: TrainerKind,
    trainer_name: str,
    note: str | None = None,
) -> TrainingSession:
    """Record a session held in one of the actor's areas; its attendees come next."""
    _check(session, actor, area_id, "đơn vị hành chính")
    area_views.get(session, area_id)
    errors = FieldErrors()
    clean = cleaned(
        errors,
        held_on=(_check_held_on, held_on),
        topic_id=(lambda topic: _topic(session, topic, held_on, None), topic_id),
        place=(_clean_place, place),
        trainer_name=(_clean_trainer, trainer_name),
        note=(_clean_note, note),
    )
    errors.raise_any()
    row = TrainingSession(
        **clean, area_id=area_id, trainer_kind=trainer_kind, recorded_by_id=actor.id
    )
    session.add(row)
    session.flush()
    return row


def update_session(
    session: Session,
    actor: User,
    row: TrainingSession,
    *,
    version: int | None = None,
    held_on: dt.date | Unset = UNSET,
    topic_id: int | Unset = UNSET,
    place: str | Unset = UNSET,
    trainer_kind: TrainerKind | Unset = UNSET,
    trainer_name: str | Unset = UNSET,
    note: str | Unset | None = UNSET,
) -> TrainingSession:
    """Change a session's facts; a stale ``version`` is a 409."""
    _check(session, actor, row.area_id)
    check_version(row, version, "Buổi tập huấn")
    errors = FieldErrors()
    day = row.held_on if isinstance(held_on, Unset) else held_on
    set_given(
        errors,
        row,
        held_on=(_check_held_on, held_on),
        topic_id=(lambda topic: _topic(session, topic, day, row.topic_id), topic_id),
        place=(_clean_place, place),
        trainer_name=(_clean_trainer, trainer_name),
        note=(_clean_note, note),
    )
    if not isinstance(trainer_kind, Unset):
        row.trainer_kind = trainer_kind
    errors.raise_any()
    flush_versioned(session, "Buổi tập huấn")
    return row


def set_attendees(
    session: Session,
    actor: User,
    row: TrainingSession,
    *,
    producer_ids: Iterable[int],
    member_ids: Iterable[int],
    version: int | None = None,
) -> TrainingSession:
    """Write who attended, whole: producers and team members under the session's
    area today. Someone outside it (or unknown) is refused by name of the field."""
    _check(session, actor, row.area_id)
    check_version(row, version, "Danh sách người dự")
    producers, members = set(producer_ids), set(member_ids)
    current = repository.attendees(session, row.id)
    # Attendees since deleted or gone from their team stay counted.
    former = sum(1 for a in current if a.producer_id is None and a.member_id is None)
    if len(producers) + len(members) + former > MAX_ATTENDEES:
        raise InvalidInput(
            f"Một buổi ghi tối đa {MAX_ATTENDEES} người dự.", field="producer_ids"
        )
    errors = FieldErrors()
    found = {
        p.id for p in repository.under_area(session, Producer, row.area_id, producers)
    }
    if found != producers:
        errors.add(
            "producer_ids",
            "Có hộ/chủ thể không thuộc địa bàn của buổi tập huấn; hãy tải lại trang.",
        )
    seated = {
        m.id for m in repository.under_area(session, TeamMember, row.area_id, members)
    }
    if seated != members:
        errors.add(
            "member_ids",
            "Có thành viên không thuộc tổ trong địa bàn của buổi tập huấn; "
            "hãy tải lại trang.",
        )
    errors.raise_any()
    gone = [
        a.id
        for a in current
        if (a.producer_id is not None and a.producer_id not in producers)
        or (a.member_id is not None and a.member_id not in members)
    ]
    have_p = {a.producer_id for a in current if a.producer_id is not None}
    have_m = {a.member_id for a in current if a.member_id is not None}
    repository.delete_attendees(session, gone)
    session.flush()
    for pid in sorted(producers - have_p):
        session.add(TrainingAttendee(session_id=row.id, producer_id=pid))
    for mid in sorted(members - have_m):
        session.add(TrainingAttendee(session_id=row.id, member_id=mid))
    row.attendee_count = len(producers) + len(members) + former
    # The list is part of the session: any change of it moves the version.
    row.updated_at = utcnow()
    flush_versioned(session, "Danh sách người dự")
    return row


def delete_session(session: Session, actor: User, row: TrainingSession) -> None:
    """Remove a session recorded by mistake, with its attendees."""
    _check(session, actor, row.area_id)
    repository.drop_session(session, row)
    session.flush()


def record_visit(
    session: Session,
    actor: User,
    producer: Producer,
    *,
    visited_on: dt.date,
    step: CoachingStep,
    coach_name: str | None = None,
    note: str | None = None,
) -> CoachingVisit:
    """Record a coaching visit at a producer's (in the actor's area)."""
    _check(session, actor, producer.hamlet_id, "hộ/chủ thể")
    errors = FieldErrors()
    with errors.check("visited_on"):
        rules.check_day(
            visited_on, clock.today(), field="visited_on", label="Ngày hướng dẫn"
        )
    clean = cleaned(
        errors, coach_name=(_clean_coach, coach_name), note=(_clean_note, note)
    )
    errors.raise_any()
    row = CoachingVisit(
        producer_id=producer.id,
        hamlet_id=producer.hamlet_id,
        visited_on=visited_on,
        step=step,
        coach_name=clean["coach_name"] or actor.display_name,
        note=clean["note"],
        recorded_by_id=actor.id,
    )
    session.add(row)
    session.flush()
    return row


def delete_visit(session: Session, actor: User, row: CoachingVisit) -> None:
    """Remove a visit recorded by mistake."""
    _check(session, actor, row.hamlet_id, VISIT)
    session.delete(row)
    session.flush()
