"""JSON API of community digital teams and their rosters."""

from fastapi import APIRouter, status
from sqlalchemy.orm import Session

from ocop_tracker.areas.models import AdminUnit
from ocop_tracker.auth.deps import CurrentPrincipal
from ocop_tracker.core.db import SessionDep
from ocop_tracker.core.schemas import Limit, Offset, Page
from ocop_tracker.teams import service as team_service
from ocop_tracker.teams import views as team_views
from ocop_tracker.teams.models import Team
from ocop_tracker.teams.schemas import (
    MemberCreate,
    MemberRead,
    MemberUpdate,
    TeamCreate,
    TeamRead,
)

router = APIRouter(prefix="/teams", tags=["teams"])


def _read(session: Session, team: Team, hamlet: AdminUnit | None = None) -> TeamRead:
    hamlet = hamlet or session.get(AdminUnit, team.hamlet_id)
    return TeamRead.from_object(
        team,
        hamlet_name=hamlet.name if hamlet else "",
        group_name=team_views.group_name(session, team),
    )


@router.get("")
def list_teams(
    session: SessionDep,
    principal: CurrentPrincipal,
    limit: Limit = 50,
    offset: Offset = 0,
) -> Page[TeamRead]:
    """Teams inside the caller's area."""
    rows, total = team_views.list_teams(
        session, principal.user, limit=limit, offset=offset
    )
    items = [_read(session, team, hamlet) for team, hamlet in rows]
    return Page[TeamRead](items=items, total=total, limit=limit, offset=offset)


@router.post("", status_code=status.HTTP_201_CREATED)
def create_team(
    session: SessionDep, principal: CurrentPrincipal, body: TeamCreate
) -> TeamRead:
    """Start the team of a hamlet."""
    return _read(
        session,
        team_service.create_team(session, principal.user, hamlet_id=body.hamlet_id),
    )


@router.get("/{team_id}")
def get_team(
    session: SessionDep, principal: CurrentPrincipal, team_id: int
) -> TeamRead:
    """One team."""
    return _read(session, team_views.get_team(session, principal.user, team_id))


@router.get("/{team_id}/members")
def list_members(
    session: SessionDep, principal: CurrentPrincipal, team_id: int
) -> list[MemberRead]:
    """The roster."""
    team = team_views.get_team(session, principal.user, team_id)
    return [
        MemberRead.model_validate(m)
        for m in team_views.members(session, principal.user, team)
    ]


@router.post("/{team_id}/members", status_code=status.HTTP_201_CREATED)
def add_member(
    session: SessionDep, principal: CurrentPrincipal, team_id: int, body: MemberCreate
) -> MemberRead:
    """Add a member (at most 10)."""
    team = team_views.get_team(session, principal.user, team_id)
    member = team_service.add_member(session, principal.user, team, **body.model_dump())
    return MemberRead.model_validate(member)


@router.patch("/{team_id}/members/{member_id}")
def update_member(
    session: SessionDep,
    principal: CurrentPrincipal,
    team_id: int,
    member_id: int,
    body: MemberUpdate,
) -> MemberRead:
    """Change a member (send ``version`` to avoid lost edits)."""
    team = team_views.get_team(session, principal.user, team_id)
    member = team_service.update_member(
        session, principal.user, team, member_id, **body.model_dump(exclude_unset=True)
    )
    return MemberRead.model_validate(member)


@router.delete("/{team_id}/members/{member_id}", status_code=status.HTTP_204_NO_CONTENT)
def remove_member(
    session: SessionDep, principal: CurrentPrincipal, team_id: int, member_id: int
) -> None:
    """Take a member off the roster."""
    team = team_views.get_team(session, principal.user, team_id)
    team_service.remove_member(session, principal.user, team, member_id)
