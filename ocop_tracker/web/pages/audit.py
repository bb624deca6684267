"""The audit page ("Nhật ký hoạt động"): who did what to which record, when.

Admins see every event, the department and officials those of their area (the
same scoped read as the JSON API, ``audit/views.py`` ``list_events``); team roles
do not get it (403). Filters — who (by name, without diacritics too), what kind
of record, what action, from and to a Vietnam day — are a GET form kept across
pages; events are newest first, 50 a page, each in the words of ``history.py``.
"""

from typing import Annotated

from fastapi import APIRouter, Query, Request
from starlette.responses import Response

from ocop_tracker.audit import views as audit_views
from ocop_tracker.auth.deps import CurrentPrincipal
from ocop_tracker.core.db import SessionDep
from ocop_tracker.core.errors import FieldErrors, Forbidden, InvalidInput
from ocop_tracker.core.labels import ACTIONS, RECORDS
from ocop_tracker.users.models import Role, User
from ocop_tracker.web.forms import checked_date
from ocop_tracker.web.pages.history import describe
from ocop_tracker.web.paging import Offset, Search, paging
from ocop_tracker.web.render import render_form

router = APIRouter(include_in_schema=False)

PAGE_SIZE = 50
# How many changed fields a row shows before "và N mục khác".
SHOWN_CHANGES = 3
READERS = frozenset({Role.admin, Role.department, Role.official})


def may_read(user: User) -> bool:
    """Whether the user gets the audit page (and its link in the header)."""
    return user.role in READERS


@router.get("/audit")
def audit_page(
    request: Request,
    session: SessionDep,
    principal: CurrentPrincipal,
    q: Search = "",
    kind: Annotated[str, Query(max_length=40)] = "",
    action: Annotated[str, Query(max_length=40)] = "",
    since: Annotated[str, Query(max_length=20)] = "",
    until: Annotated[str, Query(max_length=20)] = "",
    offset: Offset = 0,
) -> Response:
    """Events of one's area, newest first, filtered and paged."""
    user = principal.user
    if not may_read(user):
        raise Forbidden("Nhật ký hoạt động chỉ dành cho cán bộ và quản trị hệ thống.")
    errors = FieldErrors()
    first = checked_date(errors, since, "since", "ngày bắt đầu", optional=True)
    last = checked_date(errors, until, "until", "ngày kết thúc", optional=True)
    if first is not None and last is not None and last < first:
        errors.add("until", "Ngày kết thúc không được trước ngày bắt đầu.")
    filters = {
        "q": q.strip(),
        "kind": kind if kind in RECORDS else "",
        "action": action if action in ACTIONS else "",
        "since": since.strip(),
        "until": until.strip(),
    }
    refused: InvalidInput | None = None
    try:
        errors.raise_any()
    except InvalidInput as exc:
        refused = exc
    events, total = (
        audit_views.list_events(
            session,
            user,
            action=filters["action"] or None,
            object_type=filters["kind"] or None,
            actor_name=filters["q"] or None,
            since=first,
            until=last,
            limit=PAGE_SIZE,
            offset=offset,
        )
        if refused is None
        else ([], 0)
    )
    kept = {k: v for k, v in filters.items() if v}
    return render_form(
        request,
        "audit/list.html",
        {
            "rows": describe(session, events, with_places=True),
            **paging("/audit", kept, total=total, offset=offset, page_size=PAGE_SIZE),
            "limit": SHOWN_CHANGES,
            "filters": filters,
            "filtered": bool(kept),
            "kinds": RECORDS,
            "actions": ACTIONS,
            "everything": user.role is Role.admin,
        },
        principal,
        refused,
    )
