"""Downloading products, certificates, listings and producers as CSV or XLSX."""

from fastapi import APIRouter
from fastapi.responses import StreamingResponse

from ocop_tracker.auth.deps import CurrentPrincipal
from ocop_tracker.core.clock import today
from ocop_tracker.core.db import SessionDep
from ocop_tracker.core.downloads import XLSX
from ocop_tracker.core.schemas import UnderArea, file_answer
from ocop_tracker.exports import service as export_service
from ocop_tracker.exports.downloads import file_response
from ocop_tracker.exports.service import Dataset, FileFormat, Filters

router = APIRouter(prefix="/exports", tags=["exports"])


@router.get(
    "/{dataset}",
    responses=file_answer("The file", "text/csv", XLSX),
    response_class=StreamingResponse,
)
def export(
    session: SessionDep,
    principal: CurrentPrincipal,
    dataset: Dataset,
    format: FileFormat = FileFormat.csv,
    area_id: UnderArea = None,
) -> StreamingResponse:
    """What the caller may see, as a file; every export is audited (10 an hour)."""
    file = export_service.export(
        session,
        principal.user,
        dataset,
        format,
        filters=Filters(area_id=area_id),
        today=today(),
    )
    return file_response(file)
