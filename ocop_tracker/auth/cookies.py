"""The session cookie (SECURITY.md T13)."""

from starlette.responses import Response

from ocop_tracker.core.config import get_settings


def set_session_cookie(response: Response, token: str) -> None:
    """``__Host-ocop_session``: Secure, HttpOnly, SameSite=Lax, Path=/, no Domain."""
    settings = get_settings()
    response.set_cookie(
        settings.session_cookie,
        token,
        max_age=settings.session_max_days * 86400,
        path="/",
        secure=not settings.plain_http_cookies,
        httponly=True,
        samesite="lax",
    )


def clear_session_cookie(response: Response) -> None:
    """Forget the session cookie in the browser."""
    settings = get_settings()
    response.delete_cookie(
        settings.session_cookie,
        path="/",
        secure=not settings.plain_http_cookies,
        httponly=True,
        samesite="lax",
    )
