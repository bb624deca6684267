"""Accounts: who may create and change whom (SECURITY.md T8), passwords, sessions.

The reads (an account, the list, ``may_manage``) are in ``users/views.py``.
"""

from sqlalchemy.orm import Session

from ocop_tracker.areas import rules
from ocop_tracker.areas import views as area_views
from ocop_tracker.areas.models import AdminUnit, Level
from ocop_tracker.auth import security
from ocop_tracker.auth import service as auth_service
from ocop_tracker.auth.scope import ensure_visible
from ocop_tracker.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from ocop_tracker.core.labels import labels
from ocop_tracker.core.text import fold, has_forbidden_chars, normalize
from ocop_tracker.users import passwords, repository
from ocop_tracker.users import views as user_views
from ocop_tracker.users.models import TEAM_ROLES, Role, User

# The level of area each role works at.
ROLE_LEVELS: dict[Role, frozenset[Level]] = {
    Role.admin: frozenset(),
    Role.department: frozenset({Level.province}),
    Role.official: frozenset({Level.district, Level.commune}),
    Role.team_leader: frozenset({Level.hamlet}),
    Role.team_member: frozenset({Level.hamlet}),
}
ROLE_LABELS = labels(Role)


def _clean(value: str, what: str, max_len: int, *, field: str) -> str:
    if has_forbidden_chars(value):
        raise InvalidInput(f"{what} chứa ký tự không hợp lệ.", field=field)
    clean = normalize(value)
    if not clean or len(clean) > max_len:
        raise InvalidInput(f"{what} cần 1–{max_len} ký tự.", field=field)
    return clean


def _check_area(session: Session, role: Role, area_id: int | None) -> AdminUnit | None:
    if role is Role.admin:
        return None
    if area_id is None:
        raise InvalidInput("Tài khoản này cần một địa bàn.", field="area_id")
    area = area_views.get(session, area_id)
    if area.level not in ROLE_LEVELS[role]:
        raise InvalidInput(
            f"Vai trò {ROLE_LABELS[role]} không gắn với cấp {rules.LEVEL_LABELS[area.level]}.",
            field="area_id",
        )
    return area


def create_user(
    session: Session,
    actor: User | None,
    *,
    login: str,
    display_name: str,
    role: Role,
    area_id: int | None,
    password: str | None = None,
) -> tuple[User, str | None]:
    """A new account. ``actor`` None means the server's own command line.

    Without a password a one-time password is generated: it must be changed at
    first sign-in and expires in 24 hours. Returns the user and that password.
    """
    if actor is not None and not user_views.may_manage(session, actor, role, area_id):
        if actor.role is Role.official and role in TEAM_ROLES and area_id is not None:
            ensure_visible(session, actor, area_id, "địa bàn")
        raise Forbidden(
            "Bạn chỉ được tạo tài khoản tổ công nghệ số trong địa bàn của mình."
        )
    key = _clean(login, "Tên đăng nhập", 64, field="login").casefold()
    if " " in key:
        raise InvalidInput("Tên đăng nhập không được có dấu cách.", field="login")
    name = _clean(display_name, "Tên hiển thị", 120, field="display_name")
    area = _check_area(session, role, area_id)
    if repository.by_login(session, key) is not None:
        raise Conflict(f"Tên đăng nhập '{key}' đã có người dùng.", field="login")
    one_time = password is None
    plain = password if password is not None else security.new_password()
    user = User(
        login=key,
        display_name=name,
        search_key=f"{fold(name)} {key}",
        role=role,
        area_id=area.id if area else None,
        password_hash="!",  # replaced below, after the password rules
        is_active=True,
    )
    session.add(user)
    if one_time:
        auth_service.set_password(session, user, plain, one_time=True)
    else:
        passwords.check(
            plain,
            context=(key, name, *(a.short_name for a in ([area] if area else []))),
        )
        user.password_hash = security.hash_password(plain)
        session.flush()
    return user, plain if one_time else None


def update_user(
    session: Session,
    actor: User,
    user_id: int,
    *,
    display_name: str | None = None,
    role: Role | None = None,
    area_id: int | None = None,
    is_active: bool | None = None,
    version: int | None = None,
) -> User:
    """Change an account; the next request of that user sees the change."""
    user = user_views.get_visible(session, actor, user_id)
    if not user_views.may_manage(session, actor, user.role, user.area_id):
        raise Forbidden("Bạn không được sửa tài khoản này.")
    if version is not None and version != user.version:
        raise Conflict("Tài khoản vừa được người khác sửa; hãy tải lại và thử lại.")
    if user.id == actor.id and (role not in (None, actor.role) or is_active is False):
        raise Forbidden("Không được tự đổi vai trò hay tự khóa tài khoản của mình.")
    new_role = role or user.role
    new_area = area_id if area_id is not None else user.area_id
    if (role is not None or area_id is not None) and (
        not user_views.may_manage(session, actor, new_role, new_area)
    ):
        raise Forbidden("Bạn không được giao vai trò hoặc địa bàn này.")
    if role is not None or area_id is not None:
        area = _check_area(session, new_role, new_area)
        user.role = new_role
        user.area_id = area.id if area else None
    if display_name is not None:
        user.display_name = _clean(
            display_name, "Tên hiển thị", 120, field="display_name"
        )
        user.search_key = f"{fold(user.display_name)} {user.login}"
    if is_active is not None and is_active != user.is_active:
        user.is_active = is_active
        if not is_active:
            auth_service.revoke_sessions(session, user.id, reason="account disabled")
    session.flush()
    return user


def reset_password(session: Session, actor: User, user_id: int) -> str:
    """A new one-time password for someone else; their sessions end."""
    user = user_views.get_visible(session, actor, user_id)
    if (
        not user_views.may_manage(session, actor, user.role, user.area_id)
        or user.id == actor.id
    ):
        raise Forbidden("Bạn không được đặt lại mật khẩu tài khoản này.")
    plain = security.new_password()
    auth_service.set_password(session, user, plain, one_time=True)
    auth_service.revoke_sessions(session, user.id, reason="password reset")
    return plain


def end_sessions(session: Session, actor: User, user_id: int) -> int:
    """End every session of a user (admins and the user's official)."""
    user = user_views.get_visible(session, actor, user_id)
    if not user_views.may_manage(session, actor, user.role, user.area_id):
        raise Forbidden("Bạn không được kết thúc phiên của tài khoản này.")
    return auth_service.revoke_sessions(
        session, user.id, reason="ended by administrator"
    )


def disable_by_login(session: Session, login: str) -> User:
    """Disable an account from the server's command line."""
    user = repository.by_login(session, normalize(login).casefold())
    if user is None:
        raise NotFound(f"Không có tài khoản '{login}'.")
    user.is_active = False
    auth_service.revoke_sessions(
        session, user.id, reason="disabled from the command line"
    )
    session.flush()
    return user
