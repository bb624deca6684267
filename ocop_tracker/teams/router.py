"""JSON API of community digital teams and their rosters."""

from typing import Annotated

from fastapi import APIRouter, File, Form, Response, UploadFile, status
from fastapi.responses import JSONResponse
from sqlalchemy.orm import Session

from ocop_tracker.areas.models import AdminUnit
from ocop_tracker.auth.deps import CurrentPrincipal
from ocop_tracker.core.answers import written
from ocop_tracker.core.db import SessionDep
from ocop_tracker.core.downloads import PDF
from ocop_tracker.core.errors import NotFound
from ocop_tracker.core.schemas import IsoDate, Limit, Offset, Page, file_answer
from ocop_tracker.teams import service as team_service
from ocop_tracker.teams import views as team_views
from ocop_tracker.teams.documents import read_upload
from ocop_tracker.teams.downloads import document_response
from ocop_tracker.teams.models import Team
from ocop_tracker.teams.schemas import (
    DecisionRead,
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


@router.get("/{team_id}/decision")
def get_decision(
    session: SessionDep, principal: CurrentPrincipal, team_id: int
) -> DecisionRead:
    """The team's establishment decision (404 until recorded)."""
    team = team_views.get_team(session, principal.user, team_id)
    row = team_views.decision(session, principal.user, team)
    if row is None:
        raise NotFound("Tổ chưa ghi quyết định thành lập.")
    return DecisionRead.model_validate(row)


@router.put("/{team_id}/decision", response_model=DecisionRead)
def put_decision(
    session: SessionDep,
    principal: CurrentPrincipal,
    team_id: int,
    number: Annotated[str, Form(max_length=200)],
    decided_on: Annotated[IsoDate, Form()],
    signer: Annotated[str, Form(max_length=400)],
    version: Annotated[int | None, Form()] = None,
    document: Annotated[UploadFile | None, File()] = None,
) -> DecisionRead | JSONResponse:
    """Record or correct the decision (multipart, the scanned copy as
    ``document``: a PDF or a photo; the first time it is required)."""
    user = principal.user
    team = team_views.get_team(session, user, team_id)
    accepted = read_upload(document, number)
    return written(
        session,
        lambda: team_service.record_decision(
            session,
            user,
            team,
            number=number,
            decided_on=decided_on,
            signer=signer,
            document=accepted,
            version=version,
        ),
        DecisionRead.model_validate,
    )


@router.get(
    "/{team_id}/decision/document",
    responses=file_answer("The scanned copy", PDF, "image/jpeg"),
    response_class=Response,
)
def get_decision_document(
    session: SessionDep, principal: CurrentPrincipal, team_id: int
) -> Response:
    """The scanned copy: a PDF as an attachment, a photo inline; sandboxed."""
    team = team_views.get_team(session, principal.user, team_id)
    return document_response(
        team_views.decision_document(session, principal.user, team)
    )
