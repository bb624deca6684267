"""Signing in and out, and changing one's password, as plain HTML forms."""

import secrets
from typing import Annotated

from fastapi import APIRouter, Form, Request
from starlette.responses import Response

from ocop_tracker.auth import service as auth_service
from ocop_tracker.auth.cookies import clear_session_cookie, set_session_cookie
from ocop_tracker.auth.deps import (
    CurrentPrincipal,
    OptionalPrincipal,
    check_same_origin,
)
from ocop_tracker.core.config import get_settings
from ocop_tracker.core.db import SessionDep, refusable
from ocop_tracker.core.errors import AppError, InvalidInput
from ocop_tracker.web.pages.home import landing
from ocop_tracker.web.render import redirect, refusal_context, render, safe_next

router = APIRouter(include_in_schema=False)
# Login CSRF: a random value in a cookie that the form must echo (double submit).
LOGIN_COOKIE = "ocop_login_csrf"


def _login_page(
    request: Request,
    *,
    next_url: str,
    error: str | None = None,
    login: str = "",
    status_code: int = 200,
) -> Response:
    nonce = secrets.token_urlsafe(24)
    response = render(
        request,
        "auth/login.html",
        {"next": next_url, "error": error, "login": login, "nonce": nonce},
        None,
        status_code=status_code,
    )
    response.set_cookie(
        LOGIN_COOKIE,
        nonce,
        max_age=3600,
        path="/login",
        secure=not get_settings().plain_http_cookies,
        httponly=True,
        samesite="strict",
    )
    return response


@router.get("/login")
def login_form(
    request: Request, principal: OptionalPrincipal, next: str = "/"
) -> Response:
    """The sign-in form (already signed in: straight on)."""
    if principal is not None:
        return redirect(
            landing(principal.user) if next in ("", "/") else safe_next(next)
        )
    return _login_page(request, next_url=safe_next(next))


@router.post("/login")
def login(
    request: Request,
    session: SessionDep,
    login: Annotated[str, Form(max_length=64)],
    password: Annotated[str, Form(max_length=256)],
    nonce: Annotated[str, Form(max_length=64)] = "",
    next: Annotated[str, Form(max_length=500)] = "/",
) -> Response:
    """Check the credentials; on success set the session cookie and go on."""
    check_same_origin(request)
    cookie = request.cookies.get(LOGIN_COOKIE, "")
    if not cookie or not nonce or not secrets.compare_digest(cookie, nonce):
        return _login_page(
            request,
            next_url=safe_next(next),
            error="Trang đăng nhập đã cũ, vui lòng nhập lại.",
            login=login,
            status_code=403,
        )
    try:
        result = auth_service.authenticate(
            session,
            login=login,
            password=password,
            client_ip=request.client.host if request.client else None,
            user_agent=request.headers.get("user-agent"),
        )
    except AppError as exc:  # throttled
        response = _login_page(
            request,
            next_url=safe_next(next),
            error=exc.message,
            login=login,
            status_code=exc.status_code,
        )
        response.headers["retry-after"] = str(getattr(exc, "retry_after", 900))
        return response
    if result is None:
        return _login_page(
            request,
            next_url=safe_next(next),
            error=auth_service.BAD_LOGIN,
            login=login,
            status_code=401,
        )
    # A ``next`` given at sign-in wins; without one, the role's work. A refused
    # ``next`` (another site) goes to ``/``, which sends on to the same work.
    if result.user.must_change_password:
        target = "/account/password"
    elif next in ("", "/"):
        target = landing(result.user)
    else:
        target = safe_next(next)
    response = redirect(target)
    set_session_cookie(response, result.token)
    response.delete_cookie(LOGIN_COOKIE, path="/login")
    return response


@router.post("/logout")
def logout(session: SessionDep, principal: CurrentPrincipal) -> Response:
    """End this session and forget the cookie."""
    if principal.auth_session is not None:
        auth_service.logout(session, principal.auth_session)
    response = redirect("/login", "signed_out")
    clear_session_cookie(response)
    return response


@router.get("/account/password")
def password_form(request: Request, principal: CurrentPrincipal) -> Response:
    """The change-password form."""
    return render(request, "auth/password.html", refusal_context(None), principal)


@router.post("/account/password")
def change_password(
    request: Request,
    session: SessionDep,
    principal: CurrentPrincipal,
    current_password: Annotated[str, Form(max_length=256)],
    new_password: Annotated[str, Form(max_length=256)],
    confirm_password: Annotated[str, Form(max_length=256)],
) -> Response:
    """Change one's password; other sessions end, this one continues."""
    with refusable(session) as refusal:
        if new_password != confirm_password:
            raise InvalidInput(
                "Hai lần nhập mật khẩu mới không khớp.", field="confirm_password"
            )
        token = auth_service.change_password(
            session,
            principal.user,
            current_password=current_password,
            new_password=new_password,
            current_session=principal.auth_session,
        )
    if refusal.error is not None:
        if not isinstance(refusal.error, InvalidInput):
            raise refusal.error
        # Passwords are never sent back into the page, typed or not.
        return render(
            request,
            "auth/password.html",
            refusal_context(refusal.error),
            principal,
            status_code=422,
        )
    response = redirect("/", "password_changed")
    if token is not None:
        set_session_cookie(response, token)
    return response
