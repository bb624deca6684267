"""Accounts as pages, for admins and officials (SECURITY.md T8)."""

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Annotated

from fastapi import APIRouter, Form, Query, Request, status
from sqlalchemy.orm import Session
from starlette.responses import Response

from ocop_tracker.areas import views as area_views
from ocop_tracker.areas.models import AdminUnit, Level
from ocop_tracker.auth.deps import Principal, require_roles
from ocop_tracker.core.db import SessionDep, refusable
from ocop_tracker.core.errors import AppError, InvalidInput
from ocop_tracker.users import service as user_service
from ocop_tracker.users import views as user_views
from ocop_tracker.users.models import TEAM_ROLES, Role, User
from ocop_tracker.web.render import redirect, refusal_context, render

router = APIRouter(prefix="/users", include_in_schema=False)
Manager = Annotated[Principal, require_roles(Role.admin, Role.official)]
PAGE_SIZE = 50
AreaField = Annotated[str, Form(max_length=12)]


def _roles_for(actor: User) -> list[Role]:
    """The roles the actor may hand out (the service has the last word)."""
    if actor.role is Role.admin:
        return list(Role)
    return [r for r in Role if r in TEAM_ROLES]


def _area_id(hamlet_id: str, area_id: str) -> int | None:
    """The typed area id wins over the hamlet chosen in the list; empty means none."""
    raw = area_id.strip() or hamlet_id.strip()
    if not raw:
        return None
    if not raw.isdigit():
        raise InvalidInput(
            "Mã địa bàn phải là một số.",
            field="area_id" if area_id.strip() else "hamlet_id",
        )
    return int(raw)


def _area_field(area_id: str) -> dict[str, str]:
    """The form field an area refusal goes beside: the typed id, else the list."""
    return {} if area_id.strip() else {"area_id": "hamlet_id"}


def _hamlet_choices(session: Session, actor: User) -> list[tuple[int, str]]:
    """Hamlets of the actor's area, each with its commune: ``Khóm 3 (Phường 5)``."""
    hamlets, _ = area_views.search(session, level=Level.hamlet, viewer=actor, limit=200)
    communes: dict[int, AdminUnit] = {}
    choices = []
    for h in hamlets:
        label = h.name
        if h.parent_id is not None:
            if h.parent_id not in communes:
                communes[h.parent_id] = area_views.get(session, h.parent_id)
            label = f"{h.name} ({communes[h.parent_id].name})"
        choices.append((h.id, label))
    return choices


def _with_current(
    session: Session, choices: list[tuple[int, str]], area: AdminUnit | None
) -> list[tuple[int, str]]:
    """The choices, with the account's own hamlet even when past the first 200."""
    if area is None or area.level is not Level.hamlet or area.id in dict(choices):
        return choices
    return [(area.id, area.name), *choices]


def _area_names(session: Session, ids: Iterable[int | None]) -> dict[int, str]:
    return {
        i: area_views.get(session, i).name for i in {i for i in ids if i is not None}
    }


@dataclass(frozen=True)
class AccountRefusal:
    """A refused account form: the service's error and the values as typed."""

    error: AppError
    typed: dict[str, str]

    def context(self) -> dict[str, object]:
        """The message beside each field (an area's beside the input used) and
        the typed values put back."""
        rename = _area_field(self.typed["area_id"])
        return {**refusal_context(self.error, rename=rename), "form": self.typed}


def _account_form(actor: User, refused: AccountRefusal | None) -> dict[str, object]:
    """What the new-account and edit forms both show: roles, area input, refusal."""
    return {
        "role_labels": user_service.ROLE_LABELS,
        "roles": _roles_for(actor),
        "typed_area": actor.role is Role.admin,
        **(refused.context() if refused else {**refusal_context(None), "form": {}}),
    }


def _status(refused: AccountRefusal | None) -> int:
    return refused.error.status_code if refused else status.HTTP_200_OK


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
    return render(
        request,
        "users/list.html",
        {
            "users": users,
            "total": total,
            "q": q,
            "offset": offset,
            "page_size": PAGE_SIZE,
            "area_names": _area_names(session, (u.area_id for u in users)),
            "hamlets": _hamlet_choices(session, actor),
            **_account_form(actor, refused),
        },
        principal,
        status_code=_status(refused),
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
    return render(
        request,
        "users/edit.html",
        {
            "user": user,
            "area": area,
            "manageable": manageable,
            "is_self": user.id == actor.id,
            "hamlets": _with_current(session, _hamlet_choices(session, actor), area)
            if manageable
            else [],
            **_account_form(actor, refused),
        },
        principal,
        status_code=_status(refused),
    )


def _secret_page(
    request: Request, principal: Principal, user: User, password: str, *, created: bool
) -> Response:
    return render(
        request,
        "users/created.html",
        {
            "user": user,
            "password": password,
            "created": created,
            "role_labels": user_service.ROLE_LABELS,
        },
        principal,
        status_code=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
    )


@router.get("")
def list_users(
    request: Request,
    session: SessionDep,
    principal: Manager,
    q: Annotated[str, Query(max_length=100)] = "",
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> Response:
    """Accounts of one's area, a search box, and the form for a new account."""
    return _list_page(request, session, principal, q=q.strip(), offset=offset)


@router.post("")
def create_user(
    request: Request,
    session: SessionDep,
    principal: Manager,
    login: Annotated[str, Form(max_length=64)],
    display_name: Annotated[str, Form(max_length=120)],
    role: Annotated[Role, Form()],
    hamlet_id: AreaField = "",
    area_id: AreaField = "",
) -> Response:
    """Create an account with a one-time password, shown once."""
    # A denial propagates from ``refusable``: audited by the error handler.
    with refusable(session) as refusal:
        user, password = user_service.create_user(
            session,
            principal.user,
            login=login,
            display_name=display_name,
            role=role,
            area_id=_area_id(hamlet_id, area_id),
        )
    if refusal.error is not None:
        submitted = {
            "login": login,
            "display_name": display_name,
            "role": role.value,
            "hamlet_id": hamlet_id,
            "area_id": area_id,
        }
        return _list_page(
            request,
            session,
            principal,
            refused=AccountRefusal(refusal.error, submitted),
        )
    # No password was given, so the service made a one-time one.
    return _secret_page(request, principal, user, password or "", created=True)


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
    display_name: Annotated[str, Form(max_length=120)],
    role: Annotated[Role, Form()],
    version: Annotated[int, Form()],
    hamlet_id: AreaField = "",
    area_id: AreaField = "",
    is_active: Annotated[str, Form(max_length=5)] = "",
) -> Response:
    """Save the account; an unticked box disables it and ends its sessions."""
    user = user_views.get_visible(session, principal.user, user_id)
    with refusable(session) as refusal:
        new_area = _area_id(hamlet_id, area_id)
        user_service.update_user(
            session,
            principal.user,
            user_id,
            display_name=display_name,
            role=role if role is not user.role else None,
            area_id=new_area if new_area != user.area_id else None,
            is_active=bool(is_active),
            version=version,
        )
    if refusal.error is not None:
        # Reloaded as it is now (a 409: someone else's version); the typed
        # values stay in the form.
        user = user_views.get_visible(session, principal.user, user_id)
        submitted = {
            "display_name": display_name,
            "role": role.value,
            "hamlet_id": hamlet_id,
            "area_id": area_id,
            "is_active": is_active,
        }
        return _edit_page(
            request,
            session,
            principal,
            user,
            refused=AccountRefusal(refusal.error, submitted),
        )
    return redirect(f"/users/{user_id}", "saved")


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
