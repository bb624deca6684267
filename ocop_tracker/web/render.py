"""Rendering pages with the signed-in user, CSRF token and notices."""

import datetime as dt
from collections.abc import Generator, Mapping
from dataclasses import dataclass
from typing import Any, cast

from fastapi import Request
from fastapi.responses import RedirectResponse
from sqlalchemy.orm import Session
from starlette.responses import Response

from ocop_tracker.auth import security
from ocop_tracker.auth import service as auth_service
from ocop_tracker.auth.deps import Principal
from ocop_tracker.core import clock
from ocop_tracker.core.config import get_settings
from ocop_tracker.core.db import get_session, request_session
from ocop_tracker.core.errors import AppError
from ocop_tracker.core.templating import templates
from ocop_tracker.users.models import Role

# Notices shown after a redirect, chosen by code so no user text travels in URLs.
NOTICES = {
    "saved": "Đã lưu.",
    "already_sent": "Việc này đã được gửi và ghi nhận trước đó.",
    "member_added": "Đã thêm thành viên.",
    "member_saved": "Đã lưu thông tin thành viên.",
    "member_removed": "Đã xóa thành viên khỏi tổ.",
    "team_started": "Đã lập tổ công nghệ số.",
    "password_changed": "Đã đổi mật khẩu. Các phiên đăng nhập khác đã kết thúc.",
    "sessions_ended": "Đã kết thúc mọi phiên đăng nhập của tài khoản.",
    "signed_out": "Bạn đã đăng xuất.",
    "producer_added": "Đã thêm chủ thể. Tiếp theo: thông tin sản phẩm.",
    "product_added": "Đã thêm sản phẩm.",
    "certificate_added": "Đã lưu giấy chứng nhận OCOP.",
    "listing_started": "Đã bắt đầu hồ sơ lên sàn.",
    "step_recorded": "Đã ghi nhận bước.",
    "listing_claimed": "Đã báo sản phẩm lên sàn. Chờ xác minh.",
    "step_blocked": "Đã báo vướng ở bước này.",
    "step_unblocked": "Đã gỡ chặn; bước này cần làm tiếp.",
    "listing_approved": "Đã duyệt: sản phẩm đã lên sàn.",
    "listing_rejected": "Đã từ chối; tổ sẽ thấy nhận xét của bạn.",
    "listing_delisted": "Đã ghi nhận sản phẩm bị gỡ khỏi sàn.",
    "listing_relisted": "Đã đưa lên sàn lại: hãy báo sản phẩm lên sàn để được xác minh.",
    "evidence_added": "Đã thêm ảnh minh chứng cho bước này.",
    "photo_added": "Đã thêm ảnh.",
    "photo_again": "Ảnh này đã có trong bộ ảnh, không thêm lần nữa.",
    "photo_main": "Đã chọn ảnh chính.",
    "photo_removed": "Đã xóa ảnh.",
    "product_saved": "Đã lưu sản phẩm.",
    "product_renamed": "Đã lưu tên mới. Thẻ QR đã in vẫn ghi tên cũ: hãy in lại.",
    "certificate_saved": "Đã lưu giấy chứng nhận OCOP.",
    "certificate_revoked": "Đã thu hồi giấy chứng nhận OCOP.",
    "token_revoked": "Đã thu hồi token. Ứng dụng dùng token này không truy cập được nữa.",
    "producer_created": "Đã thêm chủ thể.",
    "producer_saved": "Đã lưu thông tin chủ thể.",
    "consent_granted": "Đã ghi nhận sự đồng ý.",
    "consent_withdrawn": "Đã ghi nhận việc rút lại sự đồng ý.",
    "account_saved": "Đã lưu tài khoản thanh toán.",
    "seller_started": "Đã bắt đầu theo dõi gian hàng. Tiếp theo: đánh dấu các việc cần chuẩn bị.",
    "seller_saved": "Đã lưu thông tin gian hàng.",
    "seller_item_done": "Đã đánh dấu việc này xong.",
    "seller_item_undone": "Đã bỏ đánh dấu việc này.",
    "seller_claimed": "Đã báo gian hàng đã mở. Chờ cán bộ xác minh.",
    "household_link_off": "Đã tắt đường dẫn riêng của hộ: phiếu đã in không còn mở được.",
    "shop_approved": "Đã duyệt: gian hàng đang mở.",
    "shop_rejected": "Đã từ chối; tổ sẽ thấy nhận xét của bạn.",
    "provider_added": "Đã thêm nhà cung cấp thanh toán.",
    "prerequisite_added": "Đã thêm việc cần chuẩn bị.",
    "prerequisite_saved": "Đã lưu việc cần chuẩn bị.",
    "training_created": "Đã ghi buổi tập huấn. Tiếp theo: đánh dấu những người đã dự.",
    "attendees": "Đã lưu danh sách người dự.",
    "training_saved": "Đã lưu buổi tập huấn.",
    "training_deleted": "Đã xóa buổi tập huấn.",
    "visit_saved": "Đã ghi buổi hướng dẫn tại hộ.",
    "visit_deleted": "Đã xóa buổi hướng dẫn.",
    "decision_saved": "Đã lưu quyết định thành lập tổ.",
    "pilot_saved": "Đã lưu đợt thí điểm.",
    "pilot_unit_added": "Đã thêm đơn vị thí điểm.",
    "pilot_unit_removed": "Đã bỏ đơn vị khỏi đợt thí điểm.",
}


def render(
    request: Request,
    name: str,
    context: Mapping[str, Any],
    principal: Principal | None,
    *,
    status_code: int = 200,
) -> Response:
    """A page with the common context: who is signed in, CSRF token, notice."""
    notice = NOTICES.get(request.query_params.get("done", ""))
    return templates.TemplateResponse(
        request,
        name,
        {"principal": principal, "notice": notice, **context},
        status_code=status_code,
    )


# Fields a form holds hidden: their refusal (a stale ``version``) is shown at
# the top of the form, not beside a field the user cannot see.
HIDDEN_FIELDS = frozenset({"version"})


def refusal_context(
    exc: AppError | None, *, rename: Mapping[str, str] | None = None
) -> dict[str, Any]:
    """What a form's template needs to show a refusal: ``error``, the message
    at the top, and ``fields``, each visible field's message (``macros.html``).

    ``rename`` maps a service's field name to the form's, where they differ.
    """
    if exc is None:
        return {"error": None, "fields": {}}
    fields: dict[str, str] = {}
    for name, message in exc.fields.items():
        if name not in HIDDEN_FIELDS:
            fields.setdefault((rename or {}).get(name, name), message)
    return {"error": exc.message, "fields": fields}


def render_form(
    request: Request,
    name: str,
    context: Mapping[str, Any],
    principal: Principal | None,
    refused: AppError | None,
) -> Response:
    """A form's page: ``context`` with the refusal's ``error`` and ``fields``
    (``refusal_context``; the page's own keys win), at the refusal's status,
    else 200."""
    return render(
        request,
        name,
        {**refusal_context(refused), **context},
        principal,
        status_code=refused.status_code if refused is not None else 200,
    )


def recoverable(exc: AppError) -> bool:
    """A refusal the user can fix on the same page; denials propagate (and are audited)."""
    return exc.audit_action is None


def redirect(url: str, done: str | None = None) -> RedirectResponse:
    """303 after a form post (POST/redirect/GET), with an optional notice code."""
    if done:
        url = f"{url}{'&' if '?' in url else '?'}done={done}"
    return RedirectResponse(url, status_code=303)


def safe_next(value: str | None) -> str:
    """A relative path on this site, never another site (open-redirect guard)."""
    if (
        not value
        or not value.startswith("/")
        or value.startswith("//")
        or "\\" in value
    ):
        return "/"
    return value


def local_time(value: dt.datetime | None) -> str:
    """A stored UTC moment as Vietnamese clock time: 14:05 31/12/2025."""
    if value is None:
        return ""
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    return value.astimezone(clock.VIETNAM).strftime("%H:%M %d/%m/%Y")


@dataclass(frozen=True)
class HeaderUser:
    """What the page header shows of the signed-in user."""

    display_name: str
    role: Role


@dataclass(frozen=True)
class HeaderPrincipal:
    """The signed-in user as an error page's header needs it (``base.html``):
    plain values, read while the session was open, so rendering loads nothing."""

    user: HeaderUser
    csrf_token: str


def error_viewer(request: Request) -> HeaderPrincipal | None:
    """Who is signed in by cookie, for an error page (``core.http``).

    The route's own session has ended by then (or no route ran: a 404 for an
    unknown path), so the session cookie is read again in a session of the
    app's own provider. No cookie, or an expired or revoked session: None.
    A database error propagates; the caller falls back to the anonymous header.
    """
    token = request.cookies.get(get_settings().session_cookie)
    if not token:
        return None
    provide = request.app.dependency_overrides.get(get_session, request_session)
    sessions = cast(Generator[Session], provide(request))
    try:
        session = next(sessions)
        resolved = auth_service.resolve_session(session, token)
        if resolved is None:
            return None
        user, auth_session = resolved
        return HeaderPrincipal(
            user=HeaderUser(display_name=user.display_name, role=user.role),
            csrf_token=security.mask_csrf(auth_session.csrf_token),
        )
    finally:
        sessions.close()  # read only: nothing to commit
