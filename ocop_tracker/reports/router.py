"""JSON API of reports (included under /api/v1 by api.py)."""

from typing import Annotated

from fastapi import APIRouter, Query, status
from fastapi.responses import JSONResponse, Response

from ocop_tracker.audit import listener as audit
from ocop_tracker.auth.deps import CurrentPrincipal
from ocop_tracker.core.db import SessionDep
from ocop_tracker.core.downloads import PDF, XLSX
from ocop_tracker.core.http import model_json
from ocop_tracker.core.schemas import (
    AsOf,
    IsoDate,
    Limit,
    Offset,
    WholeNumber,
    file_answer,
)
from ocop_tracker.reports import service as report_service
from ocop_tracker.reports.downloads import file_response
from ocop_tracker.reports.schemas import (
    Actions,
    Board,
    Coverage,
    ReportFormat,
    SubmissionCreate,
    SubmissionRead,
    Teams,
    TeamSetup,
    Trend,
)

router = APIRouter(prefix="/reports", tags=["reports"])
AreaId = Annotated[
    WholeNumber | None,
    Query(
        ge=0,
        description="An area node (default: your own area; 0 = the country, admin)",
    ),
]
Month = Annotated[
    str | None, Query(max_length=7, description="YYYY-MM (default: this month)")
]


@router.get("/coverage", response_model=Coverage)
def coverage(
    session: SessionDep,
    principal: CurrentPrincipal,
    area_id: AreaId = None,
    as_of: Annotated[
        IsoDate | None, Query(description="YYYY-MM-DD (default: today)")
    ] = None,
) -> Response:
    """Coverage of an area on a date (DOMAIN.md §3), with every breakdown."""
    return model_json(report_service.coverage(session, principal.user, area_id, as_of))


@router.get("/actions")
def actions(
    session: SessionDep,
    principal: CurrentPrincipal,
    area_id: AreaId = None,
    hamlet_id: Annotated[WholeNumber | None, Query(ge=1)] = None,
    marketplace: Annotated[str | None, Query(max_length=30)] = None,
    blocked: bool = False,
    limit: Limit = 50,
    offset: Offset = 0,
) -> Actions:
    """Valid OCOP products not yet listed, certificates expiring within 90 days, troubles."""
    return report_service.actions(
        session,
        principal.user,
        area_id,
        hamlet_id=hamlet_id,
        marketplace=marketplace,
        blocked_only=blocked,
        limit=limit,
        offset=offset,
    )


@router.get("/trend")
def trend(
    session: SessionDep, principal: CurrentPrincipal, area_id: AreaId = None
) -> Trend:
    """Coverage at the end of every month since the first record."""
    return report_service.trend(session, principal.user, area_id)


@router.get("/teams")
def teams(
    session: SessionDep,
    principal: CurrentPrincipal,
    area_id: AreaId = None,
    month: Month = None,
) -> Teams:
    """Per team: products moved forward and listed this month and overall."""
    return report_service.teams(session, principal.user, area_id, month)


@router.get("/setup")
def setup(
    session: SessionDep,
    principal: CurrentPrincipal,
    area_id: AreaId = None,
    as_of: AsOf = None,
) -> TeamSetup:
    """Hamlets with a team, teams with a recorded decision, and the pilots."""
    return report_service.team_setup(session, principal.user, area_id, as_of)


@router.get(
    "/monthly",
    responses=file_answer("The report", PDF, XLSX),
    response_class=Response,
)
def monthly(
    session: SessionDep,
    principal: CurrentPrincipal,
    area_id: AreaId = None,
    month: Month = None,
    format: ReportFormat = ReportFormat.pdf,
) -> Response:
    """The monthly report (báo cáo tháng) as of the month's last day, PDF or XLSX."""
    report = report_service.monthly(session, principal.user, area_id, month)
    return file_response(report, format)


@router.get("/submissions")
def submissions(
    session: SessionDep,
    principal: CurrentPrincipal,
    area_id: AreaId = None,
    month: Month = None,
) -> Board:
    """Which units under an area have submitted the month's report, which are late."""
    return report_service.board(session, principal.user, area_id, month)


@router.post(
    "/submissions",
    status_code=status.HTTP_201_CREATED,
)
def submit(
    session: SessionDep, principal: CurrentPrincipal, body: SubmissionCreate
) -> JSONResponse:
    """Submit the month's report: the figures are frozen; a second one is a new version."""
    submission, message = report_service.submit(
        session, principal.user, area_id=body.area_id, month=body.month, note=body.note
    )
    audit.record(
        session,
        "report_submitted",
        object_type="report_submissions",
        object_id=submission.id,
        area_id=submission.area_id,
        detail=message,
    )
    read = report_service.submission_read(
        session, submission, with_snapshot=False, message=message
    )
    return JSONResponse(
        read.model_dump(mode="json"), status_code=status.HTTP_201_CREATED
    )


@router.get("/submissions/{submission_id}")
def get_submission(
    session: SessionDep, principal: CurrentPrincipal, submission_id: int
) -> SubmissionRead:
    """One submitted report with its frozen figures."""
    s = report_service.get_submission(session, principal.user, submission_id)
    return report_service.submission_read(session, s, with_snapshot=True)
