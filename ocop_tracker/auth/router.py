"""Signing in and out over JSON, the current user, personal API tokens."""

from fastapi import APIRouter, Request, status
from fastapi.responses import JSONResponse, Response

from ocop_tracker.auth import security
from ocop_tracker.auth import service as auth_service
from ocop_tracker.auth import views as auth_views
from ocop_tracker.auth.cookies import clear_session_cookie, set_session_cookie
from ocop_tracker.auth.deps import CurrentPrincipal, check_same_origin
from ocop_tracker.auth.schemas import (
    LoginBody,
    Me,
    PasswordChange,
    TokenCreate,
    TokenCreated,
    TokenRead,
)
from ocop_tracker.core.db import SessionDep
from ocop_tracker.core.errors import Forbidden
from ocop_tracker.users.schemas import UserRead

router = APIRouter(tags=["auth"])


@router.post("/auth/login", response_model=Me)
def login(request: Request, session: SessionDep, body: LoginBody) -> JSONResponse:
    """Sign in; the session cookie is set and the CSRF token returned."""
    check_same_origin(request)
    result = auth_service.authenticate(
        session,
        login=body.login,
        password=body.password,
        client_ip=request.client.host if request.client else None,
        user_agent=request.headers.get("user-agent"),
    )
    if result is None:
        # The failure is counted: this answer must not roll the transaction back.
        return JSONResponse(
            {
                "error": "bad_credentials",
                "detail": auth_service.BAD_LOGIN,
                "fields": {},
            },
            status_code=401,
        )
    me = Me(
        user=UserRead.model_validate(result.user),
        csrf_token=security.mask_csrf(result.auth_session.csrf_token),
    )
    response = JSONResponse(me.model_dump(mode="json"))
    set_session_cookie(response, result.token)
    return response


@router.post("/auth/logout", status_code=status.HTTP_204_NO_CONTENT)
def logout(session: SessionDep, principal: CurrentPrincipal) -> Response:
    """End this browser session."""
    if principal.auth_session is None:
        raise Forbidden("Token API không đăng xuất được; hãy thu hồi token.")
    auth_service.logout(session, principal.auth_session)
    response = Response(status_code=204)  # 204 has no body, not even "null"
    clear_session_cookie(response)
    return response


@router.post("/auth/password", response_model=Me)
def change_password(
    session: SessionDep, principal: CurrentPrincipal, body: PasswordChange
) -> JSONResponse:
    """Change one's own password; other sessions end and this one is renewed."""
    token = auth_service.change_password(
        session,
        principal.user,
        current_password=body.current_password,
        new_password=body.new_password,
        current_session=principal.auth_session,
    )
    csrf = None
    if token is not None:
        resolved = auth_service.resolve_session(session, token)
        csrf = security.mask_csrf(resolved[1].csrf_token) if resolved else None
    me = Me(user=UserRead.model_validate(principal.user), csrf_token=csrf)
    response = JSONResponse(me.model_dump(mode="json"))
    if token is not None:
        set_session_cookie(response, token)
    return response


@router.get("/me")
def me(principal: CurrentPrincipal) -> Me:
    """The signed-in user."""
    return Me(
        user=UserRead.model_validate(principal.user),
        csrf_token=principal.csrf_token or None,
    )


@router.get("/tokens")
def list_tokens(session: SessionDep, principal: CurrentPrincipal) -> list[TokenRead]:
    """One's own API tokens."""
    return [
        TokenRead.model_validate(t)
        for t in auth_views.list_tokens(session, principal.user)
    ]


@router.post("/tokens", status_code=status.HTTP_201_CREATED)
def create_token(
    session: SessionDep, principal: CurrentPrincipal, body: TokenCreate
) -> TokenCreated:
    """A new personal token, acting with one's own role and area; shown once."""
    plain, token = auth_service.create_token(
        session, principal.user, name=body.name, days=body.days
    )
    return TokenCreated(token=plain, info=TokenRead.model_validate(token))


@router.delete("/tokens/{token_id}", status_code=status.HTTP_204_NO_CONTENT)
def revoke_token(
    session: SessionDep, principal: CurrentPrincipal, token_id: int
) -> None:
    """Revoke one of one's own tokens."""
    auth_service.revoke_token(session, principal.user, token_id)
