"""JSON API of accounts: admins and officials only (SECURITY.md T8)."""

from typing import Annotated

from fastapi import APIRouter, Query, status

from ocop_tracker.auth.deps import Principal, require_roles
from ocop_tracker.core.db import SessionDep
from ocop_tracker.core.schemas import Limit, Offset, Page
from ocop_tracker.users import service as user_service
from ocop_tracker.users import views as user_views
from ocop_tracker.users.models import Role
from ocop_tracker.users.schemas import (
    PasswordReset,
    UserCreate,
    UserCreated,
    UserRead,
    UserUpdate,
)

router = APIRouter(prefix="/users", tags=["users"])
Manager = Annotated[Principal, require_roles(Role.admin, Role.official)]


@router.get("")
def list_users(
    session: SessionDep,
    principal: Manager,
    q: Annotated[str | None, Query(max_length=100)] = None,
    role: Role | None = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> Page[UserRead]:
    """Accounts inside the caller's area."""
    users, total = user_views.list_users(
        session, principal.user, q=q, role=role, limit=limit, offset=offset
    )
    items = [UserRead.model_validate(u) for u in users]
    return Page[UserRead](items=items, total=total, limit=limit, offset=offset)


@router.post("", status_code=status.HTTP_201_CREATED)
def create_user(
    session: SessionDep, principal: Manager, body: UserCreate
) -> UserCreated:
    """Create an account; officials create team accounts in their area only."""
    user, one_time = user_service.create_user(
        session,
        principal.user,
        login=body.login,
        display_name=body.display_name,
        role=body.role,
        area_id=body.area_id,
        password=body.password,
    )
    return UserCreated(user=UserRead.model_validate(user), one_time_password=one_time)


@router.get("/{user_id}")
def get_user(session: SessionDep, principal: Manager, user_id: int) -> UserRead:
    """One account."""
    return UserRead.model_validate(
        user_views.get_visible(session, principal.user, user_id)
    )


@router.patch("/{user_id}")
def update_user(
    session: SessionDep, principal: Manager, user_id: int, body: UserUpdate
) -> UserRead:
    """Change name, role, area or active flag (send ``version`` to avoid lost edits)."""
    user = user_service.update_user(
        session, principal.user, user_id, **body.model_dump(exclude_unset=True)
    )
    return UserRead.model_validate(user)


@router.post("/{user_id}/password-reset")
def reset_password(
    session: SessionDep, principal: Manager, user_id: int
) -> PasswordReset:
    """Give the account a new one-time password; its sessions end."""
    return PasswordReset(
        one_time_password=user_service.reset_password(session, principal.user, user_id)
    )


@router.post("/{user_id}/sessions/revoke", status_code=status.HTTP_204_NO_CONTENT)
def end_sessions(session: SessionDep, principal: Manager, user_id: int) -> None:
    """End every session of the account."""
    user_service.end_sessions(session, principal.user, user_id)
