"""Every SQL statement about training sessions, attendees, topics and coaching visits."""

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from ocop_tracker.areas import repository as area_repository
from ocop_tracker.auth.scope import scope_to_user
from ocop_tracker.core import query
from ocop_tracker.core.clock import today
from ocop_tracker.producers.models import Producer
from ocop_tracker.teams.models import TeamMember
from ocop_tracker.training.models import (
    CoachingVisit,
    TrainingAttendee,
    TrainingSession,
    TrainingTopic,
)
from ocop_tracker.users.models import User


def topics(session: Session) -> Sequence[TrainingTopic]:
    """Every topic, in the list's order."""
    return session.scalars(
        select(TrainingTopic).order_by(TrainingTopic.position, TrainingTopic.id)
    ).all()


def topic(session: Session, topic_id: int) -> TrainingTopic | None:
    return session.get(TrainingTopic, topic_id)


def training_session(session: Session, session_id: int) -> TrainingSession | None:
    return session.get(TrainingSession, session_id)


def sessions_page(
    session: Session,
    user: User,
    *,
    area_id: int | None,
    since: dt.date | None,
    until: dt.date | None,
    limit: int,
    offset: int,
) -> tuple[Sequence[TrainingSession], int]:
    """Sessions in the user's area (and under ``area_id``), newest first."""
    stmt = scope_to_user(select(TrainingSession), user, TrainingSession.area_id)
    if area_id is not None:
        stmt = stmt.where(
            TrainingSession.area_id.in_(
                area_repository.subtree_ids(area_id, day=today())
            )
        )
    if since is not None:
        stmt = stmt.where(TrainingSession.held_on >= since)
    if until is not None:
        stmt = stmt.where(TrainingSession.held_on <= until)
    return query.page(
        session,
        stmt,
        order_by=query.ordering(
            TrainingSession.held_on, TrainingSession.id, descending=True
        ),
        limit=limit,
        offset=offset,
    )


def attendees(session: Session, session_id: int) -> Sequence[TrainingAttendee]:
    return session.scalars(
        select(TrainingAttendee)
        .where(TrainingAttendee.session_id == session_id)
        .order_by(TrainingAttendee.id)
    ).all()


def delete_attendees(session: Session, ids: Iterable[int]) -> None:
    """Remove attendee rows by id (through the ORM: audited, noted by the ledger)."""
    for row in query.all_in(
        session, select(TrainingAttendee), TrainingAttendee.id, list(ids)
    ):
        session.delete(row)


# Producers and team members both belong to a hamlet.
Attendee = TypeVar("Attendee", Producer, TeamMember)


def under_area(
    session: Session, model: type[Attendee], area_id: int, ids: Iterable[int]
) -> Sequence[Attendee]:
    """Those of ``ids`` that are ``model`` rows (producers or team members)
    under ``area_id`` today."""
    return query.all_in(
        session,
        select(model).where(
            model.hamlet_id.in_(area_repository.subtree_ids(area_id, day=today()))
        ),
        model.id,
        ids,
    )


def candidates(
    session: Session, area_id: int, limit: int
) -> tuple[Sequence[Producer], Sequence[TeamMember]]:
    """Producers (households first) and team members under ``area_id``, by name."""
    under = area_repository.subtree_ids(area_id, day=today())
    producers = session.scalars(
        select(Producer)
        .where(Producer.hamlet_id.in_(under))
        .order_by(Producer.search_key, Producer.id)
        .limit(limit)
    ).all()
    members = session.scalars(
        select(TeamMember)
        .where(TeamMember.hamlet_id.in_(under))
        .order_by(TeamMember.full_name, TeamMember.id)
        .limit(limit)
    ).all()
    return producers, members


def producer_names(session: Session, ids: Iterable[int]) -> dict[int, str]:
    return query.names_by_id(session, Producer.id, Producer.name, ids)


def member_names(session: Session, ids: Iterable[int]) -> dict[int, str]:
    return query.names_by_id(session, TeamMember.id, TeamMember.full_name, ids)


def topic_names(session: Session, ids: Iterable[int]) -> dict[int, str]:
    return query.names_by_id(session, TrainingTopic.id, TrainingTopic.name, ids)


def sessions_of_producer(
    session: Session, producer_id: int
) -> Sequence[TrainingSession]:
    """The sessions a producer attended, newest first."""
    return session.scalars(
        select(TrainingSession)
        .join(TrainingAttendee, TrainingAttendee.session_id == TrainingSession.id)
        .where(TrainingAttendee.producer_id == producer_id)
        .order_by(TrainingSession.held_on.desc(), TrainingSession.id.desc())
    ).all()


def visits_of_producer(session: Session, producer_id: int) -> Sequence[CoachingVisit]:
    """A producer's coaching visits, newest first."""
    return session.scalars(
        select(CoachingVisit)
        .where(CoachingVisit.producer_id == producer_id)
        .order_by(CoachingVisit.visited_on.desc(), CoachingVisit.id.desc())
    ).all()


def visit(session: Session, visit_id: int) -> CoachingVisit | None:
    return session.get(CoachingVisit, visit_id)


def drop_session(session: Session, row: TrainingSession) -> None:
    """Remove a session and its attendees (each audited and noted by the ledger)."""
    for attendee in attendees(session, row.id):
        session.delete(attendee)
    session.flush()
    session.delete(row)
