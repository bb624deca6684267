"""Accounts as pages, for admins and officials (SECURITY.md T8)."""

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated, ClassVar

from fastapi import APIRouter, Form, Request, status
from pydantic import Field
from sqlalchemy.orm import Session
from starlette.responses import Response

from ocop_tracker.areas import views as area_views
from ocop_tracker.auth.deps import Principal, require_roles
from ocop_tracker.core.db import SessionDep, refusable
from ocop_tracker.core.errors import AppError, InvalidInput
from ocop_tracker.teams import service as team_service
from ocop_tracker.teams import views as team_views
from ocop_tracker.teams.models import TeamMember
from ocop_tracker.users import service as user_service
from ocop_tracker.users import views as user_views
from ocop_tracker.users.models import TEAM_ROLES, Role, User
from ocop_tracker.web import picker as picker_kit
from ocop_tracker.web.forms import TypedForm
from ocop_tracker.web.paging import Offset, Search
from ocop_tracker.web.refused import submit
from ocop_tracker.web.render import redirect, render, render_form

router = APIRouter(prefix="/users", include_in_schema=False)
Manager = Annotated[Principal, require_roles(Role.admin, Role.official)]
PAGE_SIZE = 50


def _roles_for(actor: User) -> list[Role]:
    """The roles the actor may hand out (the service has the last word)."""
    if actor.role is Role.admin:
        return list(Role)
    return [r for r in Role if r in TEAM_ROLES]


class AreaPicking:
    """What the new-account and edit forms share: the area picker, whose "Tìm"
    button only searches."""

    if TYPE_CHECKING:  # the fields of the forms that pick an area
        area_id: str
        area_q: str
        find: str

    def finding(self) -> bool:
        """True when the form asks the picker to search rather than to save: the
        "Tìm" button, or a search typed with nothing chosen yet."""
        return bool(self.find) or (
            bool(self.area_q.strip()) and not self.area_id.strip()
        )

    def area(self) -> int | None:
        """The area chosen in the picker; empty means none."""
        raw = self.area_id.strip()
        if not raw:
            return None
        if not raw.isdigit():
            raise InvalidInput("Hãy chọn địa bàn trong danh sách.", field="area_id")
        return int(raw)


class NewAccount(AreaPicking, TypedForm):
    """The new-account form; a team account may join its hamlet's roster at once."""

    not_typed: ClassVar[frozenset[str]] = frozenset({"find"})

    login: str = Field(max_length=64)
    display_name: str = Field(max_length=120)
    role: Role
    area_id: str = Field("", max_length=12)
    area_q: str = Field("", max_length=100)
    find: str = Field("", max_length=5)
    roster: str = Field("", max_length=5)


class AccountEdit(AreaPicking, TypedForm):
    """The edit form: an unticked box disables the account."""

    not_typed: ClassVar[frozenset[str]] = frozenset({"find", "version"})

    display_name: str = Field(max_length=120)
    role: Role
    version: int
    area_id: str = Field("", max_length=12)
    area_q: str = Field("", max_length=100)
    find: str = Field("", max_length=5)
    is_active: str = Field("", max_length=5)


def _area_names(session: Session, ids: Iterable[int | None]) -> dict[int, str]:
    return {
        i: area_views.get(session, i).name for i in {i for i in ids if i is not None}
    }


@dataclass(frozen=True)
class AccountRefusal:
    """A form shown again: the service's error (none when the picker only
    searched) and the values as typed."""

    error: AppError | None
    typed: dict[str, str]


def _account_form(
    session: Session,
    actor: User,
    refused: AccountRefusal | None,
    current: int | None = None,
) -> dict[str, object]:
    """What the new-account and edit forms both show: roles, the area picker
    (the chosen or ``current`` area, and the matches of a search), the typed
    values (``form``); the refusal itself goes through ``render_form``."""
    typed = refused.typed if refused else {}
    chosen = picker_kit.parse_id(typed["area_id"]) if "area_id" in typed else current
    return {
        "role_labels": user_service.ROLE_LABELS,
        "roles": _roles_for(actor),
        "any_area": actor.role is Role.admin,
        "picker": picker_kit.picker(
            session, actor, q=typed.get("area_q", ""), chosen_id=chosen
        ),
        "form": refused.typed if refused else {},
    }


def _list_page(
    request: Request,
    session: Session,
    principal: Principal,
    *,
    q: str = "",
    offset: int = 0,
    refused: AccountRefusal | None = None,
) -> Response:
    actor = principal.user
    users, total = user_views.list_users(
        session, actor, q=q or None, limit=PAGE_SIZE, offset=offset
    )
    return render_form(
        request,
        "users/list.html",
        {
            "users": users,
            "total": total,
            "q": q,
            "offset": offset,
            "page_size": PAGE_SIZE,
            "area_names": _area_names(session, (u.area_id for u in users)),
            **_account_form(session, actor, refused),
        },
        principal,
        refused.error if refused else None,
    )


def _edit_page(
    request: Request,
    session: Session,
    principal: Principal,
    user: User,
    *,
    refused: AccountRefusal | None = None,
) -> Response:
    actor = principal.user
    manageable = user_views.may_manage(session, actor, user.role, user.area_id)
    area = area_views.get(session, user.area_id) if user.area_id else None
    return render_form(
        request,
        "users/edit.html",
        {
            "user": user,
            "area": area,
            "manageable": manageable,
            "is_self": user.id == actor.id,
            "teams": team_views.teams_of_user(session, actor, user.id),
            **_account_form(session, actor, refused, current=user.area_id),
        },
        principal,
        refused.error if refused else None,
    )


def _secret_page(
    request: Request,
    principal: Principal,
    user: User,
    password: str,
    *,
    created: bool,
    enrolled: TeamMember | None = None,
    roster_error: AppError | None = None,
) -> Response:
    return render(
        request,
        "users/created.html",
        {
            "user": user,
            "password": password,
            "created": created,
            "role_labels": user_service.ROLE_LABELS,
            "enrolled": enrolled,
            "roster_error": roster_error.message if roster_error else None,
        },
        principal,
        status_code=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
    )


@router.get("")
def list_users(
    request: Request,
    session: SessionDep,
    principal: Manager,
    q: Search = "",
    offset: Offset = 0,
) -> Response:
    """Accounts of one's area, a search box, and the form for a new account."""
    return _list_page(request, session, principal, q=q.strip(), offset=offset)


@router.post("")
def create_user(
    request: Request,
    session: SessionDep,
    principal: Manager,
    form: Annotated[NewAccount, Form()],
) -> Response:
    """Create an account with a one-time password, shown once; a team
    account may join its hamlet's roster at once. "Tìm" only searches areas."""
    if form.finding():
        return _list_page(
            request, session, principal, refused=AccountRefusal(None, form.typed())
        )
    # A denial propagates from ``refusable``: audited by the error handler.
    with refusable(session) as refusal:
        user, password = user_service.create_user(
            session,
            principal.user,
            login=form.login,
            display_name=form.display_name,
            role=form.role,
            area_id=form.area(),
        )
    if refusal.error is not None:
        return _list_page(
            request,
            session,
            principal,
            refused=AccountRefusal(refusal.error, form.typed()),
        )
    enrolled: TeamMember | None = None
    roster_error: AppError | None = None
    if form.roster and user.role in TEAM_ROLES:
        # The account stands even when the roster refuses (full, a name taken).
        with refusable(session) as joining:
            enrolled = team_service.enrol_account(session, principal.user, user)
        roster_error = joining.error
    # No password was given, so the service made a one-time one.
    return _secret_page(
        request,
        principal,
        user,
        password or "",
        created=True,
        enrolled=enrolled,
        roster_error=roster_error,
    )


@router.get("/{user_id}")
def edit_form(
    request: Request, session: SessionDep, principal: Manager, user_id: int
) -> Response:
    """One account: its details and, when one may manage it, the forms."""
    user = user_views.get_visible(session, principal.user, user_id)
    return _edit_page(request, session, principal, user)


@router.post("/{user_id}")
def update_user(
    request: Request,
    session: SessionDep,
    principal: Manager,
    user_id: int,
    form: Annotated[AccountEdit, Form()],
) -> Response:
    """Save the account; an unticked box disables it and ends its sessions.
    "Tìm" only searches areas."""
    user = user_views.get_visible(session, principal.user, user_id)
    if form.finding():
        return _edit_page(
            request,
            session,
            principal,
            user,
            refused=AccountRefusal(None, form.typed()),
        )

    def command() -> object:
        new_area = form.area()
        return user_service.update_user(
            session,
            principal.user,
            user_id,
            display_name=form.display_name,
            role=form.role if form.role is not user.role else None,
            area_id=new_area if new_area != user.area_id else None,
            is_active=bool(form.is_active),
            version=form.version,
        )

    # Refused: reloaded as it is now (a 409: someone else's version); the
    # typed values stay in the form.
    return submit(
        session,
        command,
        again=lambda error: _edit_page(
            request,
            session,
            principal,
            user_views.get_visible(session, principal.user, user_id),
            refused=AccountRefusal(error, form.typed()),
        ),
        done=lambda _: f"/users/{user_id}?done=saved",
    )


@router.post("/{user_id}/password-reset")
def reset_password(
    request: Request, session: SessionDep, principal: Manager, user_id: int
) -> Response:
    """A new one-time password, shown once; the account's sessions end."""
    password = user_service.reset_password(session, principal.user, user_id)
    user = user_views.get_visible(session, principal.user, user_id)
    return _secret_page(request, principal, user, password, created=False)


@router.post("/{user_id}/sessions/revoke")
def end_sessions(session: SessionDep, principal: Manager, user_id: int) -> Response:
    """Sign the account out everywhere."""
    user_service.end_sessions(session, principal.user, user_id)
    return redirect(f"/users/{user_id}", "sessions_ended")
