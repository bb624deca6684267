"""Pages of reports: the dashboard, the action list, the submissions board, downloads.

Server-rendered with SVG charts; every control is a link or a GET form, the
one write (submitting a monthly report) is a form post answered by a redirect.
"""

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Form, Query, Request
from starlette.responses import Response

from ocop_tracker.areas import rules as area_rules
from ocop_tracker.areas.models import Edition
from ocop_tracker.audit import listener as audit
from ocop_tracker.auth.deps import CurrentPrincipal, Principal
from ocop_tracker.auth.scope import covers
from ocop_tracker.core import clock
from ocop_tracker.core.db import SessionDep, refusable
from ocop_tracker.core.errors import AppError
from ocop_tracker.reports import charts
from ocop_tracker.reports import service as report_service
from ocop_tracker.reports import views as report_views
from ocop_tracker.reports.downloads import file_response
from ocop_tracker.reports.schemas import Board, ReportFormat
from ocop_tracker.web import picker as picker_kit
from ocop_tracker.web.forms import may_write
from ocop_tracker.web.paging import Search
from ocop_tracker.web.render import recoverable, redirect, refusal_context, render

router = APIRouter(include_in_schema=False)

# The area and month a report page is asked for (``?area_id=…&month=2026-11``).
AreaId = Annotated[int | None, Query(ge=0)]
Month = Annotated[str | None, Query(max_length=7)]

STATUS_LABELS = {
    "submitted": "Đã nộp",
    "late": "Chưa nộp (quá hạn)",
    "open": "Chưa tới hạn",
    "nothing_to_report": "Không có gì để báo cáo",
}


def _reform(
    session: SessionDep,
    principal: CurrentPrincipal,
    area: report_service.Area,
    day: dt.date,
) -> dict[str, object] | None:
    """The same hamlets on the other side of 1/7/2025, as links that keep the date.

    A 2025 unit did not exist before the reform: its hamlets' figures then are
    read on the 2022 units it took in; a 2022 unit holds nothing after it.
    """
    if area.unit is None:
        return None
    units = report_service.across_reform(session, principal.user, area)
    if not units:
        return None
    new_map = area.unit.edition is Edition.e2025
    # The other map's date: the same day where it is theirs, else the nearest.
    if new_map:
        other_day = min(day, area_rules.LAST_DAY_2022)
    else:
        other_day = max(day, area_rules.REFORM_DATE)
    today = clock.today()
    as_of = "" if other_day == today else f"&as_of={other_day.isoformat()}"
    return {
        "new_map": new_map,
        "crossed": day < area_rules.REFORM_DATE
        if new_map
        else day >= area_rules.REFORM_DATE,
        "links": [(f"/reports?area_id={u.id}{as_of}", u.name) for u in units],
        "other_day": other_day,
    }


def last_months(count: int) -> list[dt.date]:
    """The first days of the last ``count`` months, this month first."""
    return report_service.activity_months(clock.today(), count)[::-1]


def _months(count: int = 12) -> list[str]:
    return [f"{first:%Y-%m}" for first in last_months(count)]


@router.get("/reports")
def dashboard(
    request: Request,
    session: SessionDep,
    principal: CurrentPrincipal,
    area_id: AreaId = None,
    as_of: dt.date | None = None,
    area_q: Search = "",
) -> Response:
    """Coverage of an area at a glance, with drill-down, trend and funnel; a
    search finds another area of one's own by name."""
    user = principal.user
    area = report_service.resolve_area(session, user, area_id, past=True)
    try:
        day = report_service.check_day(as_of)
        error = None
    except AppError as exc:
        if not recoverable(exc):
            raise
        day, error = clock.today(), exc.message
    cov = report_service.coverage_of(session, area, day)
    trend = report_service.trend_of(session, area, day)
    # Teams' progress this month, for commendation (not for the whole country:
    # tens of thousands of teams belong on a province's page, not one list).
    teams = (
        report_service.teams_of(session, area, clock.today().replace(day=1))
        if area.unit is not None
        else None
    )
    link = "/reports?" + (f"as_of={day.isoformat()}&" if as_of else "") + "area_id="
    # The drill-down of the producers on the shops lists the units that have any.
    on_shops = report_service.sellers_by_child(session, area, day)
    sellers_children = [c for c in on_shops if c.producers or c.orders]
    return render(
        request,
        "reports/dashboard.html",
        {
            "cov": cov,
            "area": area,
            "day": day,
            "today": clock.today(),
            "error": error,
            "crumbs": report_views.crumbs(session, user, area.unit, day),
            "bars": charts.coverage_bars(cov.by_child, link),
            "trend_svg": charts.trend_line(trend.points),
            "funnel_svg": charts.funnel(cov.funnel),
            "sellers_children": sellers_children,
            "sellers_quiet": len(on_shops) - len(sellers_children),
            "seller_trend": report_service.seller_trend(
                session, area, day, cov.activity
            ),
            "teams": teams.teams[:20] if teams else [],
            "last_month": _months(2)[1],
            "months": _months(),
            "level_labels": report_service.LEVEL_LABELS,
            "reform": _reform(session, principal, area, day),
            # A unit read only as the past of the user's area: figures, no actions.
            "own": area.unit is None or covers(session, user, area.id),
            "finder": picker_kit.picker(session, user, q=area_q),
            "may_record_training": may_write(user),
            "setup": report_service.team_setup_of(session, area, day),
        },
        principal,
        status_code=422 if error else 200,
    )


@router.get("/reports/actions")
def actions_page(
    request: Request,
    session: SessionDep,
    principal: CurrentPrincipal,
    area_id: AreaId = None,
    hamlet_id: Annotated[str | None, Query(max_length=12)] = None,
    marketplace: Annotated[str | None, Query(max_length=30)] = None,
    blocked: bool = False,
) -> Response:
    """The action list: what to do next, who must act, what is expiring or refused."""
    user = principal.user
    area = report_service.resolve_area(session, user, area_id)
    hamlet = int(hamlet_id) if hamlet_id and hamlet_id.isdigit() else None
    body = report_service.actions(
        session,
        user,
        area.id,
        hamlet_id=hamlet,
        marketplace=marketplace or None,
        blocked_only=blocked,
        limit=100,
    )
    hamlets = report_views.hamlets(session, area.unit, day=body.as_of, limit=300)
    return render(
        request,
        "reports/actions.html",
        {
            "a": body,
            "area": area,
            "hamlets": hamlets,
            "hamlet_id": hamlet,
            "marketplace": marketplace or "",
            "markets": report_views.marketplaces(session),
            "blocked": blocked,
        },
        principal,
    )


@router.get("/reports/submissions")
def submissions_page(
    request: Request,
    session: SessionDep,
    principal: CurrentPrincipal,
    area_id: AreaId = None,
    month: Month = None,
    sent: Annotated[int | None, Query(ge=1)] = None,
) -> Response:
    """Which units have sent the month's report; the form to send one's own."""
    user = principal.user
    chosen = month or _months(2)[1]
    board = report_service.board(session, user, area_id, chosen)
    message = None
    if sent is not None:
        s = report_views.submission(session, user, sent)
        if s is not None:
            message = f"Đã nộp báo cáo tháng {s.month:%m/%Y}, phiên bản {s.version}" + (
                "; các phiên bản trước vẫn được lưu nguyên." if s.version > 1 else "."
            )
    return _submissions_page(
        request,
        principal,
        board,
        chosen,
        message=message,
        may_submit=report_service.may_submit(user, board.area.id),
    )


# The submission form's fields a refusal can be shown beside (the month is
# chosen in the form above it).
_SUBMIT_FIELDS = frozenset({"month", "note"})


def _submissions_page(
    request: Request,
    principal: Principal,
    board: Board,
    month: str,
    *,
    message: str | None = None,
    may_submit: bool,
    refused: AppError | None = None,
    note: str | None = None,
) -> Response:
    """The month's submissions board and the form sending one's own report; a
    refusal (``refused``) at its status, with its message and those of the
    form's fields beside them, the ``note`` as typed."""
    context = refusal_context(refused)
    shown = {k: v for k, v in context["fields"].items() if k in _SUBMIT_FIELDS}
    return render(
        request,
        "reports/submissions.html",
        {
            "board": board,
            "months": _months(),
            "month": month,
            "labels": STATUS_LABELS,
            "message": message,
            "error": context["error"],
            "fields": shown,
            "note": note,
            "may_submit": may_submit,
            "due_passed": clock.today() >= board.due,
        },
        principal,
        status_code=200 if refused is None else refused.status_code,
    )


@router.post("/reports/submissions")
def submit_page(
    request: Request,
    session: SessionDep,
    principal: CurrentPrincipal,
    month: Annotated[str, Form(max_length=7)],
    note: Annotated[str | None, Form(max_length=1000)] = None,
    area_id: Annotated[int | None, Form(ge=0)] = None,
) -> Response:
    """Send one's own monthly report; a second one is a new version."""
    user = principal.user
    with refusable(session) as refusal:
        submission, message = report_service.submit(
            session, user, area_id=area_id, month=month, note=note
        )
    if (exc := refusal.error) is not None:
        board = report_service.board(
            session, user, area_id, month if report_service.valid_month(month) else None
        )
        return _submissions_page(
            request, principal, board, month, may_submit=True, refused=exc, note=note
        )
    audit.record(
        session,
        "report_submitted",
        object_type="report_submissions",
        object_id=submission.id,
        area_id=submission.area_id,
        detail=message,
    )
    return redirect(
        f"/reports/submissions?area_id={submission.area_id}&month={month}"
        f"&sent={submission.id}"
    )


@router.get("/reports/monthly")
def monthly_download(
    session: SessionDep,
    principal: CurrentPrincipal,
    area_id: AreaId = None,
    month: Month = None,
    format: ReportFormat = ReportFormat.pdf,
) -> Response:
    """The monthly report as a download (PDF or XLSX)."""
    report = report_service.monthly(session, principal.user, area_id, month)
    return file_response(report, format)
