"""JSON API of pilots: the list, one pilot, its units, its closing report."""

from fastapi import APIRouter, Response, status
from fastapi.responses import JSONResponse

from ocop_tracker.auth.deps import CurrentPrincipal
from ocop_tracker.core.answers import written
from ocop_tracker.core.db import SessionDep
from ocop_tracker.core.downloads import PDF, XLSX
from ocop_tracker.core.schemas import STALE_RESPONSES, file_answer
from ocop_tracker.pilots import report as pilot_report
from ocop_tracker.pilots import service as pilot_service
from ocop_tracker.pilots import views as pilot_views
from ocop_tracker.pilots.downloads import ReportFormat, report_download
from ocop_tracker.pilots.schemas import (
    PilotCreate,
    PilotRead,
    PilotReport,
    PilotUnitsWrite,
    PilotUpdate,
)

router = APIRouter(prefix="/pilots", tags=["pilots"], responses=STALE_RESPONSES)


@router.get("")
def list_pilots(session: SessionDep, principal: CurrentPrincipal) -> list[PilotRead]:
    """The pilots the caller may see, the newest start first."""
    return pilot_views.pilots(session, principal.user)


@router.post("", status_code=status.HTTP_201_CREATED)
def create_pilot(
    session: SessionDep, principal: CurrentPrincipal, body: PilotCreate
) -> PilotRead:
    """Set a pilot up (the department, the admin); its units come next."""
    row = pilot_service.create_pilot(session, principal.user, **body.model_dump())
    return pilot_views.read(session, row)


@router.get("/{pilot_id}")
def get_pilot(
    session: SessionDep, principal: CurrentPrincipal, pilot_id: int
) -> PilotRead:
    """One pilot with its units."""
    return pilot_views.read(
        session, pilot_views.get_pilot(session, principal.user, pilot_id)
    )


@router.patch("/{pilot_id}", response_model=PilotRead)
def update_pilot(
    session: SessionDep, principal: CurrentPrincipal, pilot_id: int, body: PilotUpdate
) -> PilotRead | JSONResponse:
    """Change its name, window or note (``version`` as read)."""
    row = pilot_views.get_pilot(session, principal.user, pilot_id)
    return written(
        session,
        lambda: pilot_service.update_pilot(
            session, principal.user, row, **body.model_dump(exclude_unset=True)
        ),
        lambda r: pilot_views.read(session, r),
    )


@router.put("/{pilot_id}/units", response_model=PilotRead)
def set_units(
    session: SessionDep,
    principal: CurrentPrincipal,
    pilot_id: int,
    body: PilotUnitsWrite,
) -> PilotRead | JSONResponse:
    """Write the whole list of its units."""
    row = pilot_views.get_pilot(session, principal.user, pilot_id)
    return written(
        session,
        lambda: pilot_service.set_units(
            session, principal.user, row, body.unit_ids, version=body.version
        ),
        lambda r: pilot_views.read(session, r),
    )


@router.get("/{pilot_id}/report")
def get_report(
    session: SessionDep, principal: CurrentPrincipal, pilot_id: int
) -> PilotReport:
    """The closing report: each unit at the start and at the end (today while it runs)."""
    row = pilot_views.get_pilot(session, principal.user, pilot_id)
    return pilot_report.closing_report(session, row)


@router.get(
    "/{pilot_id}/report/download",
    responses=file_answer("The report", PDF, XLSX),
    response_class=Response,
)
def download_report(
    session: SessionDep,
    principal: CurrentPrincipal,
    pilot_id: int,
    format: ReportFormat = ReportFormat.pdf,
) -> Response:
    """The closing report as PDF or XLSX."""
    return report_download(session, principal.user, pilot_id, format)
