"""Reads of training: sessions (a page of them, one with its attendees), the
people who may attend one, the topics, and a producer's sessions and visits.

Nothing here writes; every read checks area scope first (a session held
outside the caller's area is a 404). A page of sessions costs the same
statements whatever its length.
"""

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy.orm import Session

from ocop_tracker.areas import views as area_views
from ocop_tracker.auth.scope import ensure_visible, visible
from ocop_tracker.core.errors import NotFound
from ocop_tracker.producers.models import Producer
from ocop_tracker.teams.models import TeamMember
from ocop_tracker.training import repository
from ocop_tracker.training.models import CoachingVisit, TrainingSession, TrainingTopic
from ocop_tracker.training.schemas import (
    AttendeeRead,
    SessionLine,
    SessionRead,
    VisitRead,
)
from ocop_tracker.users.models import User

WHAT = "buổi tập huấn"
# An attendee since deleted or gone from the team (still counted).
FORMER = "Người dự đã rời tổ hoặc đã bị xóa"
VISIT = "buổi hướng dẫn"
# How many producers and team members a session's page offers to tick.
CANDIDATES = 500


def get_session(session: Session, actor: User, session_id: int) -> TrainingSession:
    """A session held in the actor's area, or the same 404 as a missing one."""
    row = repository.training_session(session, session_id)
    if row is None:
        raise NotFound(f"Không tìm thấy {WHAT} này.")
    ensure_visible(session, actor, row.area_id, WHAT)
    return row


def topics(
    session: Session, *, offered_on: dt.date | None = None
) -> list[TrainingTopic]:
    """The topics, in order; with ``offered_on``, those not retired by that day."""
    return [
        t
        for t in repository.topics(session)
        if offered_on is None or t.retired_on is None or t.retired_on > offered_on
    ]


def sessions(
    session: Session,
    actor: User,
    *,
    area_id: int | None = None,
    since: dt.date | None = None,
    until: dt.date | None = None,
    limit: int = 50,
    offset: int = 0,
) -> tuple[list[SessionLine], int]:
    """A page of the sessions in the actor's area, newest first."""
    if area_id is not None:
        ensure_visible(session, actor, area_id, "đơn vị hành chính")
    rows, total = repository.sessions_page(
        session,
        actor,
        area_id=area_id,
        since=since,
        until=until,
        limit=limit,
        offset=offset,
    )
    return lines(session, rows), total


def lines(session: Session, rows: Sequence[TrainingSession]) -> list[SessionLine]:
    """Sessions as list lines: their area and topic named (two statements)."""
    areas = area_views.names(session, [r.area_id for r in rows])
    named = repository.topic_names(session, [r.topic_id for r in rows])
    return [
        SessionLine.from_object(
            r, area_name=areas.get(r.area_id, ""), topic=named.get(r.topic_id, "")
        )
        for r in rows
    ]


def read(session: Session, row: TrainingSession) -> SessionRead:
    """A session with its attendees named, producers first."""
    people = repository.attendees(session, row.id)
    producers = repository.producer_names(
        session, [a.producer_id for a in people if a.producer_id is not None]
    )
    members = repository.member_names(
        session, [a.member_id for a in people if a.member_id is not None]
    )
    attendees = [
        AttendeeRead(
            producer_id=a.producer_id,
            member_id=a.member_id,
            name=producers.get(a.producer_id, "")
            if a.producer_id is not None
            else members.get(a.member_id, "")
            if a.member_id is not None
            else FORMER,
        )
        for a in people
    ]
    attendees.sort(key=lambda a: (a.producer_id is None, a.name.casefold()))
    area = area_views.get(session, row.area_id)
    topic = repository.topic(session, row.topic_id)
    return SessionRead.from_object(
        row,
        area_name=area.name,
        topic=topic.name if topic else "",
        attendees=attendees,
    )


@dataclass(frozen=True)
class Candidates:
    """Who a session's page offers to tick: the area's producers and team members."""

    producers: Sequence[Producer]
    members: Sequence[TeamMember]
    more: bool  # the area holds more than the page offers


def candidates(session: Session, row: TrainingSession) -> Candidates:
    """The producers and team members under the session's area, by name."""
    producers, members = repository.candidates(session, row.area_id, CANDIDATES + 1)
    return Candidates(
        producers=producers[:CANDIDATES],
        members=members[:CANDIDATES],
        more=len(producers) > CANDIDATES or len(members) > CANDIDATES,
    )


def producer_sessions(session: Session, producer: Producer) -> list[SessionLine]:
    """The sessions a producer (already checked in scope) attended, newest first."""
    return lines(session, repository.sessions_of_producer(session, producer.id))


def producer_visits(session: Session, producer: Producer) -> list[VisitRead]:
    """A producer's (already checked) coaching visits, newest first."""
    return [
        VisitRead.model_validate(v)
        for v in repository.visits_of_producer(session, producer.id)
    ]


def get_visit(session: Session, actor: User, visit_id: int) -> CoachingVisit:
    """A coaching visit in the actor's area, or the same 404 as a missing one."""
    return visible(session, actor, repository.visit(session, visit_id), VISIT)
