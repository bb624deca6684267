"""Reads of the teams: a team, a hamlet's team, the list, the roster, the group.

Nothing here writes; the roster's commands are in ``teams/service.py``. Every
read checks the actor may see the team's hamlet (``auth/scope.py``).
"""

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy.orm import Session

from ocop_tracker.areas import views as area_views
from ocop_tracker.areas.models import AdminUnit
from ocop_tracker.auth.scope import covered_ids, ensure_visible, visible
from ocop_tracker.core.errors import NotFound
from ocop_tracker.teams import repository
from ocop_tracker.teams.models import Team, TeamDecision, TeamMember
from ocop_tracker.users.models import User


def get_team(session: Session, actor: User, team_id: int) -> Team:
    """A team the actor may see (404 otherwise)."""
    return visible(session, actor, session.get(Team, team_id), "tổ")


def team_of_hamlet(session: Session, actor: User, hamlet_id: int) -> Team | None:
    """The team of a hamlet the actor may see, if it has been started."""
    ensure_visible(session, actor, hamlet_id, "khóm/ấp")
    return repository.by_hamlet(session, hamlet_id)


def list_teams(
    session: Session, actor: User, *, limit: int = 50, offset: int = 0
) -> tuple[Sequence[tuple[Team, AdminUnit]], int]:
    """Teams inside the actor's area, with their hamlets."""
    return repository.page(session, actor, limit=limit, offset=offset)


def members(session: Session, actor: User, team: Team) -> Sequence[TeamMember]:
    """The roster, leader first."""
    ensure_visible(session, actor, team.hamlet_id, "tổ")
    return repository.members(session, team.id)


def get_member(session: Session, actor: User, team: Team, member_id: int) -> TeamMember:
    """One member of a team the actor may see."""
    member = session.get(TeamMember, member_id)
    if member is None or member.team_id != team.id:
        raise NotFound("Không tìm thấy thành viên này.")
    ensure_visible(session, actor, member.hamlet_id, "thành viên")
    return member


def group_name(session: Session, team: Team) -> str:
    """The team's Zalo/Viber group, by the plan's convention."""
    hamlet = area_views.get(session, team.hamlet_id)
    return area_views.group_names(session, [hamlet]).get(hamlet.id, "")


def teams_of_user(
    session: Session, actor: User, user_id: int
) -> Sequence[tuple[Team, AdminUnit]]:
    """The teams whose roster names an account, those the actor may see."""
    rows = repository.teams_of_user(session, user_id)
    seen = covered_ids(session, actor, [team.hamlet_id for team, _ in rows])
    return [(team, hamlet) for team, hamlet in rows if team.hamlet_id in seen]


def decision(session: Session, actor: User, team: Team) -> TeamDecision | None:
    """The team's establishment decision, if recorded (its file left unread)."""
    ensure_visible(session, actor, team.hamlet_id, "tổ")
    return repository.decision_of(session, team.id)


def decision_document(session: Session, actor: User, team: Team) -> TeamDecision:
    """The decision with its file, or the 404 of a team without one."""
    ensure_visible(session, actor, team.hamlet_id, "tổ")
    found = repository.document_of(session, team.id)
    if found is None or found.document is None:
        raise NotFound("Tổ chưa có bản chụp quyết định thành lập.")
    return found


@dataclass(frozen=True)
class Setup:
    """Teams set up in an area (issue 17 item 4)."""

    hamlets: int
    with_team: int
    with_decision: int


def setup(session: Session, area_id: int | None, day: dt.date) -> Setup:
    """Hamlets of an area already checked, those with a team, teams with a decision."""
    return Setup(*repository.setup_counts(session, area_id, day))
