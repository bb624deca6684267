"""The pilot's closing report as a download, shared by the API and the pages."""

from enum import StrEnum
from urllib.parse import quote

from starlette.responses import Response

from ocop_tracker.exports.writer import XLSX
from ocop_tracker.pilots import export
from ocop_tracker.pilots.schemas import PilotReport


class ReportFormat(StrEnum):
    pdf = "pdf"
    xlsx = "xlsx"


def file_response(report: PilotReport, format: ReportFormat) -> Response:
    """The report as a PDF or a workbook, named after the pilot's end."""
    if format is ReportFormat.pdf:
        body, media = export.to_pdf(report), "application/pdf"
    else:
        body, media = export.to_xlsx(report), XLSX
    name = f"bao-cao-thi-diem-{report.pilot.id}-{report.end:%Y-%m-%d}.{format.value}"
    return Response(
        body,
        media_type=media,
        headers={
            "content-disposition": f"attachment; filename*=UTF-8''{quote(name)}",
            "cache-control": "no-store",
        },
    )
