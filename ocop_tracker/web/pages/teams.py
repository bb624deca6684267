"""Community digital teams as pages: one's own team, the list, the roster."""

from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field
from typing import Annotated, ClassVar

from fastapi import APIRouter, File, Form, Request, UploadFile, status
from pydantic import Field
from sqlalchemy.orm import Session
from starlette.responses import Response

from ocop_tracker.areas import views as area_views
from ocop_tracker.areas.models import AdminUnit, Level
from ocop_tracker.auth.deps import CurrentPrincipal, Principal
from ocop_tracker.core.db import SessionDep, refusable
from ocop_tracker.core.errors import AppError, FieldErrors
from ocop_tracker.core.phone import display_vn
from ocop_tracker.teams import service as team_service
from ocop_tracker.teams import views as team_views
from ocop_tracker.teams.documents import read_upload
from ocop_tracker.teams.downloads import document_response
from ocop_tracker.teams.models import (
    BACKGROUND_LABELS,
    MAX_MEMBERS,
    POSITION_LABELS,
    Background,
    Position,
    Team,
)
from ocop_tracker.users import service as user_service
from ocop_tracker.users.models import TEAM_ROLES, Role
from ocop_tracker.web.forms import TypedForm, parse_date
from ocop_tracker.web.paging import Offset
from ocop_tracker.web.refused import submit
from ocop_tracker.web.render import redirect, render, render_form

router = APIRouter(include_in_schema=False)
PAGE_SIZE = 50
# Roles that may start a team for a hamlet of their area from the list page.
TEAM_STARTERS = frozenset({Role.admin, Role.official})
# Enough to cover a district; beyond it, starting a team twice is refused anyway.
STARTED_LIMIT = 1000

# Roles that make accounts, so may give a roster member one.
ACCOUNT_GIVERS = frozenset({Role.admin, Role.official})


class MemberForm(TypedForm):
    """A member as typed into the roster's add form: the keyword arguments of
    ``team_service.add_member``."""

    full_name: str = Field(max_length=200)
    position: Position = Position.member
    background: Background = Background.resident
    phone: str = Field("", max_length=40)


class MemberEdit(MemberForm):
    """A member's edit form: every field, and the version they were read at
    (``team_service.update_member``)."""

    not_typed: ClassVar[frozenset[str]] = frozenset({"version"})

    position: Position
    background: Background
    version: int


@dataclass(frozen=True)
class ShownAgain:
    """The roster's form a refusal shows again with what was typed: the add
    form, a member's edit form, or the form giving a member an account."""

    add: Mapping[str, str] = field(default_factory=dict)
    edit_id: int | None = None
    edit: Mapping[str, str] = field(default_factory=dict)
    account_id: int | None = None
    account: Mapping[str, str] = field(default_factory=dict)
    decision_open: bool = False
    decision: Mapping[str, str] = field(default_factory=dict)


def _roster_page(
    request: Request,
    session: Session,
    principal: Principal,
    team: Team,
    *,
    refused: AppError | None = None,
    again: ShownAgain | None = None,
) -> Response:
    user = principal.user
    hamlet = area_views.get(session, team.hamlet_id)
    return render_form(
        request,
        "teams/roster.html",
        {
            "team": team,
            "hamlet": hamlet,
            "places": list(reversed(area_views.ancestors(session, hamlet))),
            "group_name": team_views.group_name(session, team),
            "members": team_views.members(session, user, team),
            "may_edit": user.role in team_service.ROSTER_EDITORS,
            "may_give_account": user.role in ACCOUNT_GIVERS,
            "is_full": team.member_count >= MAX_MEMBERS,
            "max_members": MAX_MEMBERS,
            "positions": POSITION_LABELS,
            "backgrounds": BACKGROUND_LABELS,
            "phone": display_vn,
            "decided": team_views.decision(session, user, team),
            **asdict(again or ShownAgain()),
        },
        principal,
        refused,
    )


def _roster_refused(
    request: Request,
    session: Session,
    principal: Principal,
    team_id: int,
    error: AppError,
    again: ShownAgain | None = None,
) -> Response:
    """The roster shown again over a refused change, reloaded as it is now."""
    team = team_views.get_team(session, principal.user, team_id)
    return _roster_page(request, session, principal, team, refused=error, again=again)


def _roster_form(
    request: Request,
    session: Session,
    principal: Principal,
    team_id: int,
    command: Callable[[Team], object],
    *,
    again: ShownAgain | None = None,
    done: str,
) -> Response:
    """Run one of the roster's forms on the team: refused, the roster again
    with ``again`` (the form and what was typed); done, back to the roster
    with the notice ``done``."""
    team = team_views.get_team(session, principal.user, team_id)
    return submit(
        session,
        lambda: command(team),
        again=lambda error: _roster_refused(
            request, session, principal, team_id, error, again
        ),
        done=lambda _: f"/teams/{team_id}?done={done}",
    )


def _list_page(
    request: Request,
    session: Session,
    principal: Principal,
    *,
    offset: int = 0,
    refused: AppError | None = None,
) -> Response:
    user = principal.user
    rows, total = team_views.list_teams(session, user, limit=PAGE_SIZE, offset=offset)
    hamlets = [hamlet for _, hamlet in rows]
    startable: list[AdminUnit] = []
    if user.role in TEAM_STARTERS:
        # Hamlets of one's area that have no team yet (first 200, by name).
        candidates, _ = area_views.search(
            session, level=Level.hamlet, viewer=user, limit=200
        )
        started, _ = team_views.list_teams(session, user, limit=STARTED_LIMIT)
        with_team = {team.hamlet_id for team, _ in started}
        startable = [h for h in candidates if h.id not in with_team]
    return render_form(
        request,
        "teams/list.html",
        {
            "rows": rows,
            "total": total,
            "offset": offset,
            "page_size": PAGE_SIZE,
            "max_members": MAX_MEMBERS,
            "group_names": area_views.group_names(session, hamlets),
            "places": {
                i: list(reversed(chain))
                for i, chain in area_views.ancestors_of(session, hamlets).items()
            },
            "startable": startable,
        },
        principal,
        refused,
    )


@router.get("/team")
def my_team(
    request: Request, session: SessionDep, principal: CurrentPrincipal
) -> Response:
    """ "Tổ của tôi": the team of one's hamlet, or how to start it."""
    user = principal.user
    if user.role not in TEAM_ROLES:
        return redirect("/teams")
    hamlet = area_views.get(session, user.area_id) if user.area_id else None
    if hamlet is not None:
        team = team_views.team_of_hamlet(session, user, hamlet.id)
        if team is not None:
            return redirect(f"/teams/{team.id}")
    return render(
        request,
        "teams/none.html",
        {
            "hamlet": hamlet,
            "places": list(reversed(area_views.ancestors(session, hamlet)))
            if hamlet
            else [],
            "may_start": user.role is Role.team_leader and hamlet is not None,
        },
        principal,
    )


@router.get("/teams")
def list_teams(
    request: Request,
    session: SessionDep,
    principal: CurrentPrincipal,
    offset: Offset = 0,
) -> Response:
    """The teams of one's area, with member counts and chat groups."""
    return _list_page(request, session, principal, offset=offset)


@router.post("/teams")
def start_team(
    request: Request,
    session: SessionDep,
    principal: CurrentPrincipal,
    hamlet_id: Annotated[int, Form()],
) -> Response:
    """Start the team of a hamlet, then open its roster."""
    return submit(
        session,
        lambda: team_service.create_team(session, principal.user, hamlet_id=hamlet_id),
        again=lambda error: _list_page(request, session, principal, refused=error),
        done=lambda team: f"/teams/{team.id}?done=team_started",
    )


@router.get("/teams/{team_id}")
def roster(
    request: Request, session: SessionDep, principal: CurrentPrincipal, team_id: int
) -> Response:
    """The roster: leader and deputy first, with forms for those who may edit."""
    team = team_views.get_team(session, principal.user, team_id)
    return _roster_page(request, session, principal, team)


@router.post("/teams/{team_id}/members")
def add_member(
    request: Request,
    session: SessionDep,
    principal: CurrentPrincipal,
    team_id: int,
    form: Annotated[MemberForm, Form()],
) -> Response:
    """Add a member (at most 10)."""
    return _roster_form(
        request,
        session,
        principal,
        team_id,
        lambda team: team_service.add_member(
            session, principal.user, team, **form.service_args()
        ),
        again=ShownAgain(add=form.typed()),
        done="member_added",
    )


@router.post("/teams/{team_id}/members/{member_id}")
def update_member(
    request: Request,
    session: SessionDep,
    principal: CurrentPrincipal,
    team_id: int,
    member_id: int,
    form: Annotated[MemberEdit, Form()],
) -> Response:
    """Change a member; someone else's newer edit is not overwritten."""
    return _roster_form(
        request,
        session,
        principal,
        team_id,
        lambda team: team_service.update_member(
            session, principal.user, team, member_id, **form.service_args()
        ),
        again=ShownAgain(edit_id=member_id, edit=form.typed()),
        done="member_saved",
    )


@router.post("/teams/{team_id}/members/{member_id}/delete")
def remove_member(
    request: Request,
    session: SessionDep,
    principal: CurrentPrincipal,
    team_id: int,
    member_id: int,
) -> Response:
    """Take a member off the roster."""
    return _roster_form(
        request,
        session,
        principal,
        team_id,
        lambda team: team_service.remove_member(
            session, principal.user, team, member_id
        ),
        done="member_removed",
    )


@router.post("/teams/{team_id}/members/{member_id}/account")
def give_account(
    request: Request,
    session: SessionDep,
    principal: CurrentPrincipal,
    team_id: int,
    member_id: int,
    login: Annotated[str, Form(max_length=64)],
) -> Response:
    """Make an account for a member of the roster; its one-time password is
    shown once."""
    team = team_views.get_team(session, principal.user, team_id)
    with refusable(session) as refusal:
        account, password = team_service.give_account(
            session, principal.user, team, member_id, login=login
        )
    if refusal.error is not None:
        return _roster_refused(
            request,
            session,
            principal,
            team_id,
            refusal.error,
            ShownAgain(account_id=member_id, account={"login": login}),
        )
    return render(
        request,
        "users/created.html",
        {
            "user": account,
            "password": password,
            "created": True,
            "role_labels": user_service.ROLE_LABELS,
            "team_id": team_id,
        },
        principal,
        status_code=status.HTTP_201_CREATED,
    )


@router.post("/teams/{team_id}/decision")
def record_decision(
    request: Request,
    session: SessionDep,
    principal: CurrentPrincipal,
    team_id: int,
    number: Annotated[str, Form(max_length=200)] = "",
    decided_on: Annotated[str, Form(max_length=20)] = "",
    signer: Annotated[str, Form(max_length=400)] = "",
    version: Annotated[int | None, Form()] = None,
    document: Annotated[UploadFile | None, File()] = None,
) -> Response:
    """Record or correct the commune's decision, with its scanned copy."""
    user = principal.user
    team = team_views.get_team(session, user, team_id)
    typed = {"number": number, "decided_on": decided_on, "signer": signer}

    def command() -> object:
        errors = FieldErrors()
        day = None
        with errors.check("decided_on"):
            day = parse_date(decided_on, "decided_on", "ngày ký")
        accepted = None
        with errors.check("document"):
            accepted = read_upload(document, number)
        errors.raise_any()
        assert day is not None
        return team_service.record_decision(
            session,
            user,
            team,
            number=number,
            decided_on=day,
            signer=signer,
            document=accepted,
            version=version,
        )

    return submit(
        session,
        command,
        again=lambda error: _roster_refused(
            request,
            session,
            principal,
            team_id,
            error,
            ShownAgain(decision_open=True, decision=typed),
        ),
        done=lambda _: f"/teams/{team_id}?done=decision_saved#decision",
    )


@router.get("/teams/{team_id}/decision/document")
def decision_document(
    session: SessionDep, principal: CurrentPrincipal, team_id: int
) -> Response:
    """The scanned copy of the decision (a PDF as an attachment; sandboxed)."""
    team = team_views.get_team(session, principal.user, team_id)
    return document_response(
        team_views.decision_document(session, principal.user, team)
    )
