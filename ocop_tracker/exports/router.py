"""Downloading products, certificates and listings as CSV or XLSX."""

from enum import StrEnum
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Query
from fastapi.responses import Response

from ocop_tracker.auth.deps import CurrentPrincipal
from ocop_tracker.core.clock import today
from ocop_tracker.core.db import SessionDep
from ocop_tracker.core.schemas import ErrorBody, WholeNumber
from ocop_tracker.exports import service as export_service
from ocop_tracker.exports.service import Dataset
from ocop_tracker.exports.writer import to_csv, to_xlsx

router = APIRouter(prefix="/exports", tags=["exports"])
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class FileFormat(StrEnum):
    """Formats offered."""

    csv = "csv"
    xlsx = "xlsx"


@router.get(
    "/{dataset}",
    responses={
        200: {"content": {"text/csv": {}, XLSX: {}}, "description": "The file"},
        **{c: {"model": ErrorBody} for c in (401, 404, 422, 429)},
    },
    response_class=Response,
)
def export(
    session: SessionDep,
    principal: CurrentPrincipal,
    dataset: Dataset,
    format: FileFormat = FileFormat.csv,
    area_id: Annotated[
        WholeNumber | None, Query(description="Only this area's subtree")
    ] = None,
) -> Response:
    """What the caller may see, as a file; every export is audited (10 an hour)."""
    day = today()
    table = export_service.build(
        session, principal.user, dataset, area_id=area_id, today=day
    )
    name = f"ocop-{dataset.value}-{day.isoformat()}.{format.value}"
    if format is FileFormat.csv:
        body, media = to_csv(table.header, table.rows), "text/csv; charset=utf-8"
    else:
        body, media = to_xlsx(table.title, table.header, table.rows), XLSX
    return Response(
        body,
        media_type=media,
        headers={
            "content-disposition": f"attachment; filename*=UTF-8''{quote(name)}",
            "cache-control": "no-store",
        },
    )
