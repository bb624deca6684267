"""Who is asking: session cookie or bearer token, CSRF, roles."""

from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, Request

from ocop_tracker.audit import context as audit_context
from ocop_tracker.auth import security
from ocop_tracker.auth import service as auth_service
from ocop_tracker.auth.models import AuthSession
from ocop_tracker.core.config import get_settings
from ocop_tracker.core.db import SessionDep
from ocop_tracker.core.errors import Forbidden, NotAuthenticated
from ocop_tracker.offline import keys as form_keys
from ocop_tracker.users.models import Role, User

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
# Where a user holding a one-time password may still go.
PASSWORD_CHANGE_PATHS = frozenset(
    {
        "/account/password",
        "/logout",
        "/api/v1/auth/password",
        "/api/v1/auth/logout",
        "/api/v1/me",
    }
)


@dataclass
class Principal:
    """The signed-in user, and the browser session when signed in by cookie."""

    user: User
    auth_session: AuthSession | None

    @property
    def csrf_token(self) -> str:
        """The token forms must send back (empty for bearer-token callers),
        masked afresh each time it is read (``security.mask_csrf``)."""
        if self.auth_session is None:
            return ""
        return security.mask_csrf(self.auth_session.csrf_token)


class CsrfRefused(Forbidden):
    """A state-changing request without proof that our own page sent it."""

    code = "csrf"


class PasswordChangeRequired(Forbidden):
    """A one-time password must be replaced before anything else."""

    code = "password_change_required"
    audit_action = None


def check_same_origin(request: Request) -> None:
    """Refuse cross-site requests (Fetch Metadata, with an Origin fallback)."""
    site = request.headers.get("sec-fetch-site")
    if site is not None and site not in {"same-origin", "none"}:
        raise CsrfRefused("Yêu cầu từ trang khác bị từ chối.")
    origin = request.headers.get("origin")
    if origin is not None:
        own = f"{request.url.scheme}://{request.url.netloc}"
        if origin not in {own, get_settings().public_base_url}:
            raise CsrfRefused("Yêu cầu từ trang khác bị từ chối.")


async def submitted_csrf_token(request: Request) -> str | None:
    """The CSRF token sent with a request: the header, or the form field."""
    header = request.headers.get("x-csrf-token")
    if header:
        return header
    if request.method in SAFE_METHODS:
        return None
    content_type = request.headers.get("content-type", "")
    if content_type.startswith(
        ("application/x-www-form-urlencoded", "multipart/form-data")
    ):
        form = await request.form()  # cached: the route reads the same parsed form
        value = form.get("csrf_token")
        return value if isinstance(value, str) else None
    return None


def get_principal(
    request: Request,
    session: SessionDep,
    csrf: Annotated[str | None, Depends(submitted_csrf_token)],
    sent: Annotated[form_keys.SentForm | None, Depends(form_keys.sent_form)],
) -> Principal | None:
    """The caller, reloaded on every request so role, area and disabling apply at once.

    A page form sent with an ``Idempotency-Key`` (the outbox's) claims its key
    once the sender is known and the CSRF token holds (``offline/keys.py``)."""
    authorization = request.headers.get("authorization", "")
    if authorization.lower().startswith("bearer "):
        user = auth_service.resolve_token(session, authorization[7:].strip())
        if user is None:
            raise NotAuthenticated("Token không hợp lệ, đã hết hạn hoặc đã bị thu hồi.")
        audit_context.set_actor(session, actor_id=user.id, actor_login=user.login)
        return Principal(user=user, auth_session=None)
    token = request.cookies.get(get_settings().session_cookie)
    if not token:
        return None
    resolved = auth_service.resolve_session(session, token)
    if resolved is None:
        return None
    user, auth_session = resolved
    audit_context.set_actor(session, actor_id=user.id, actor_login=user.login)
    if request.method not in SAFE_METHODS:
        check_same_origin(request)
        if not csrf or not security.csrf_matches(csrf, auth_session.csrf_token):
            raise CsrfRefused(
                "Phiên làm việc không hợp lệ, vui lòng tải lại trang và thử lại."
            )
        if sent is not None:
            form_keys.claim(session, request, user.id, sent)
    return Principal(user=user, auth_session=auth_session)


OptionalPrincipal = Annotated[Principal | None, Depends(get_principal)]


def require_principal(request: Request, principal: OptionalPrincipal) -> Principal:
    """A signed-in caller (401 otherwise); a one-time password must be changed first."""
    if principal is None:
        raise NotAuthenticated("Vui lòng đăng nhập.")
    if (
        principal.user.must_change_password
        and request.url.path not in PASSWORD_CHANGE_PATHS
    ):
        raise PasswordChangeRequired("Vui lòng đổi mật khẩu tạm trước khi tiếp tục.")
    return principal


CurrentPrincipal = Annotated[Principal, Depends(require_principal)]


def require_roles(*roles: Role) -> Any:
    """A dependency admitting only the given roles (403 for the others)."""
    allowed = frozenset(roles)

    def dependency(principal: CurrentPrincipal) -> Principal:
        if principal.user.role not in allowed:
            raise Forbidden("Vai trò của bạn không được làm việc này.")
        return principal

    return Depends(dependency)
