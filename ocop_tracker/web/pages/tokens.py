"""One's personal API tokens as a page: create one (its value shown once),
list them, revoke one."""

import datetime as dt
from dataclasses import dataclass
from typing import Annotated

from fastapi import APIRouter, Form, Request, status
from sqlalchemy.orm import Session
from starlette.responses import Response

from ocop_tracker.auth import service as auth_service
from ocop_tracker.auth import views as auth_views
from ocop_tracker.auth.deps import CurrentPrincipal, Principal
from ocop_tracker.auth.models import ApiToken
from ocop_tracker.core import clock
from ocop_tracker.core.base import utcnow
from ocop_tracker.core.db import SessionDep, refusable
from ocop_tracker.core.errors import AppError, InvalidInput
from ocop_tracker.web.render import redirect, render, render_form

router = APIRouter(prefix="/account/tokens", include_in_schema=False)

# How long a new token lives, as offered on the form ("" = until revoked).
LIFETIMES: tuple[tuple[str, str], ...] = (
    ("30", "30 ngày"),
    ("90", "90 ngày"),
    ("365", "1 năm"),
    ("", "Không hết hạn (đến khi thu hồi)"),
)


@dataclass(frozen=True)
class TokenRow:
    """A token as the list shows it, its days in Vietnam's calendar."""

    id: int
    name: str
    prefix: str
    created_on: dt.date
    last_used_on: dt.date | None
    expires_on: dt.date | None
    state: str
    active: bool


def _row(token: ApiToken, now: dt.datetime) -> TokenRow:
    def day(moment: dt.datetime | None) -> dt.date | None:
        return None if moment is None else clock.vn_date(moment)

    expires = token.expires_at
    if expires is not None and expires.tzinfo is None:
        expires = expires.replace(tzinfo=dt.UTC)
    if token.revoked_at is not None:
        state = f"Đã thu hồi {clock.vn_date(token.revoked_at):%d/%m/%Y}"
    elif expires is not None and expires <= now:
        state = "Đã hết hạn"
    else:
        state = "Đang dùng được"
    return TokenRow(
        id=token.id,
        name=token.name,
        prefix=token.prefix,
        created_on=clock.vn_date(token.created_at),
        last_used_on=day(token.last_used_at),
        expires_on=day(token.expires_at),
        state=state,
        active=state == "Đang dùng được",
    )


def _page(
    request: Request,
    session: Session,
    principal: Principal,
    *,
    refused: AppError | None = None,
    name: str = "",
    days: str = "90",
) -> Response:
    now = utcnow()
    rows = [_row(t, now) for t in auth_views.list_tokens(session, principal.user)]
    return render_form(
        request,
        "auth/tokens.html",
        {
            "tokens": rows,
            "lifetimes": LIFETIMES,
            "values": {"name": name, "days": days},
        },
        principal,
        refused,
    )


@router.get("")
def tokens_page(
    request: Request, session: SessionDep, principal: CurrentPrincipal
) -> Response:
    """One's tokens and the form for a new one."""
    return _page(request, session, principal)


def _days(raw: str) -> int | None:
    if raw == "":
        return None
    if raw not in {key for key, _ in LIFETIMES}:
        raise InvalidInput("Hãy chọn thời hạn trong danh sách.", field="days")
    return int(raw)


@router.post("")
def create_token(
    request: Request,
    session: SessionDep,
    principal: CurrentPrincipal,
    name: Annotated[str, Form(max_length=200)] = "",
    days: Annotated[str, Form(max_length=4)] = "",
) -> Response:
    """Create a token and show its value, this once."""
    with refusable(session) as refusal:
        plain, token = auth_service.create_token(
            session, principal.user, name=name, days=_days(days)
        )
    if (exc := refusal.error) is not None:
        return _page(
            request,
            session,
            principal,
            refused=exc,
            name=name,
            days=days,
        )
    # The value is in this answer only (never stored, never in a URL), so no
    # redirect: reloading the list shows its first characters, not the value.
    return render(
        request,
        "auth/token_created.html",
        {"token": _row(token, utcnow()), "plain": plain},
        principal,
        status_code=status.HTTP_201_CREATED,
    )


@router.post("/{token_id}/revoke")
def revoke_token(
    session: SessionDep, principal: CurrentPrincipal, token_id: int
) -> Response:
    """Revoke one of one's own tokens (another's is not found)."""
    auth_service.revoke_token(session, principal.user, token_id)
    return redirect("/account/tokens", "token_revoked")
