"""Every SQL statement about teams."""

import datetime as dt
from collections.abc import Sequence

from sqlalchemy import func, or_, select, update
from sqlalchemy.orm import Session, undefer

from ocop_tracker.areas import repository as area_repository
from ocop_tracker.areas.models import AdminUnit, Level
from ocop_tracker.auth.scope import scope_to_user
from ocop_tracker.core import query
from ocop_tracker.core.db import execute_dml
from ocop_tracker.teams.models import (
    MAX_MEMBERS,
    Position,
    Team,
    TeamDecision,
    TeamMember,
)
from ocop_tracker.users.models import User


def by_hamlet(session: Session, hamlet_id: int) -> Team | None:
    """The team of a hamlet."""
    return session.scalar(select(Team).where(Team.hamlet_id == hamlet_id))


def page(
    session: Session, actor: User, *, limit: int, offset: int
) -> tuple[Sequence[tuple[Team, AdminUnit]], int]:
    """Teams inside the actor's area, with their hamlets, by hamlet name."""
    stmt = scope_to_user(
        select(Team, AdminUnit).join(AdminUnit, AdminUnit.id == Team.hamlet_id),
        actor,
        Team.hamlet_id,
    )
    total = query.count(session, stmt)
    result = session.execute(
        stmt.order_by(AdminUnit.search_key, Team.id).limit(limit).offset(offset)
    )
    return [(row[0], row[1]) for row in result], total


def members(session: Session, team_id: int) -> Sequence[TeamMember]:
    """A team's members: leader, deputy, then members by name."""
    order = {Position.leader: 0, Position.deputy: 1, Position.member: 2}
    rows = session.scalars(
        select(TeamMember).where(TeamMember.team_id == team_id)
    ).all()
    return sorted(rows, key=lambda m: (order[m.position], m.full_name))


def take_seat(session: Session, team_id: int) -> bool:
    """Atomically count one more member, unless the team is full."""
    touched = execute_dml(
        session,
        update(Team)
        .where(Team.id == team_id, Team.member_count < MAX_MEMBERS)
        .values(member_count=Team.member_count + 1, version=Team.version + 1)
        .execution_options(synchronize_session=False),
    )
    return touched == 1


def free_seat(session: Session, team_id: int) -> None:
    """Count one member fewer."""
    session.execute(
        update(Team)
        .where(Team.id == team_id, Team.member_count > 0)
        .values(member_count=Team.member_count - 1, version=Team.version + 1)
        .execution_options(synchronize_session=False)
    )


def holder_of(session: Session, team_id: int, position: Position) -> TeamMember | None:
    """Who holds a single-seat position (leader, deputy)."""
    return session.scalar(
        select(TeamMember).where(
            TeamMember.team_id == team_id, TeamMember.position == position
        )
    )


def member_by_name(session: Session, team_id: int, name: str) -> TeamMember | None:
    """A member with this exact name."""
    return session.scalar(
        select(TeamMember).where(
            TeamMember.team_id == team_id, TeamMember.full_name == name
        )
    )


def teams_of_user(session: Session, user_id: int) -> Sequence[tuple[Team, AdminUnit]]:
    """The teams whose roster names the account, with their hamlets."""
    return [
        (row[0], row[1])
        for row in session.execute(
            select(Team, AdminUnit)
            .join(TeamMember, TeamMember.team_id == Team.id)
            .join(AdminUnit, AdminUnit.id == Team.hamlet_id)
            .where(TeamMember.user_id == user_id)
            .order_by(AdminUnit.search_key, Team.id)
        )
    ]


def member_of_user(session: Session, user_id: int) -> TeamMember | None:
    """The roster entry carrying the account, if any."""
    return session.scalar(select(TeamMember).where(TeamMember.user_id == user_id))


def decision_of(session: Session, team_id: int) -> TeamDecision | None:
    """The team's establishment decision (its file's bytes left unread)."""
    return session.scalar(select(TeamDecision).where(TeamDecision.team_id == team_id))


def document_of(session: Session, team_id: int) -> TeamDecision | None:
    """The team's decision with its file's bytes."""
    return session.scalar(
        select(TeamDecision)
        .options(undefer(TeamDecision.document))
        .where(TeamDecision.team_id == team_id)
    )


def setup_counts(
    session: Session, area_id: int | None, day: dt.date
) -> tuple[int, int, int]:
    """Hamlets under ``area_id`` (None: the country) on ``day``, those with a
    team, and the teams with a recorded decision."""
    hamlets = select(AdminUnit.id).where(AdminUnit.level == Level.hamlet)
    if area_id is not None:
        hamlets = hamlets.where(
            AdminUnit.id.in_(area_repository.subtree_ids(area_id, day=day))
        )
    else:
        hamlets = hamlets.where(
            or_(AdminUnit.valid_from.is_(None), AdminUnit.valid_from <= day),
            or_(AdminUnit.valid_to.is_(None), AdminUnit.valid_to >= day),
        )
    under = hamlets.subquery()
    total = session.scalar(select(func.count()).select_from(under)) or 0
    teams, decided = (
        session.scalar(
            select(func.count())
            .select_from(model)
            .where(model.hamlet_id.in_(select(under)))
        )
        or 0
        for model in (Team, TeamDecision)
    )
    return int(total), int(teams), int(decided)
