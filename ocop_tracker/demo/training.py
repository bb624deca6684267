"""Demo training: two sessions in each pilot hamlet in recent months — one led
by the post office on opening a shop, one by the team on e-payment — with
about half of the hamlet's producers each (all but its last household, still
to be trained) and its team members at the first, and a few coaching visits
at households.

Runs after the demo's producers and teams exist. Idempotent: a hamlet that
already has a session is left alone.
"""

import datetime as dt
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from ocop_tracker.areas.models import AdminUnit
from ocop_tracker.core import clock
from ocop_tracker.producers.models import Producer, ProducerKind
from ocop_tracker.teams.models import TeamMember
from ocop_tracker.training import service as training_service
from ocop_tracker.training.models import (
    CoachingStep,
    TrainerKind,
    TrainingSession,
    TrainingTopic,
)
from ocop_tracker.users import repository as user_repository

# (days ago, topic code, who led it, their name, the place)
SESSIONS = (
    (
        48,
        "open_shop",
        TrainerKind.partner,
        "Bưu điện tỉnh (Vietnam Post)",
        "Nhà văn hóa",
    ),
    (
        12,
        "e_payment",
        TrainerKind.team_member,
        "Tổ công nghệ số",
        "Trụ sở ban nhân dân",
    ),
)


def load(session: Session, pilots: Sequence[tuple[AdminUnit, str]]) -> list[str]:
    """Record the demo sessions and visits; returns lines saying what changed."""
    lines: list[str] = []
    today = clock.today()
    topics = {t.code: t.id for t in session.scalars(select(TrainingTopic))}
    for hamlet, key in pilots:
        worker = user_repository.by_login(session, f"totruong.{key}")
        held = session.scalar(
            select(TrainingSession.id).where(TrainingSession.area_id == hamlet.id)
        )
        if worker is None or held is not None or not topics:
            continue
        producers = session.scalars(
            select(Producer)
            .where(Producer.hamlet_id == hamlet.id)
            .order_by(Producer.id)
        ).all()
        members = session.scalars(
            select(TeamMember)
            .where(TeamMember.hamlet_id == hamlet.id)
            .order_by(TeamMember.id)
        ).all()
        households = [p for p in producers if p.kind is ProducerKind.household]
        # One household still to be trained: the team's next call.
        waiting = {households[-1].id} if households else set()
        invited = [p for p in producers if p.id not in waiting]
        for n, (ago, topic, kind, trainer, place) in enumerate(SESSIONS):
            row = training_service.create_session(
                session,
                worker,
                area_id=hamlet.id,
                held_on=today - dt.timedelta(days=ago),
                topic_id=topics[topic],
                place=f"{place} {hamlet.name}",
                trainer_kind=kind,
                trainer_name=trainer,
            )
            # Every other producer, shifted per session, and the whole team
            # at the first one.
            training_service.set_attendees(
                session,
                worker,
                row,
                producer_ids=[p.id for i, p in enumerate(invited) if i % 2 == n % 2],
                member_ids=[m.id for m in members] if n == 0 else [],
                version=row.version,
            )
        for ago, (producer, step) in zip(
            (30, 5),
            zip(households, (CoachingStep.shop, CoachingStep.payment), strict=False),
            strict=False,
        ):
            training_service.record_visit(
                session,
                worker,
                producer,
                visited_on=today - dt.timedelta(days=ago),
                step=step,
            )
        lines.append(f"Tập huấn mẫu ở {hamlet.name}: {len(SESSIONS)} buổi.")
    return lines
