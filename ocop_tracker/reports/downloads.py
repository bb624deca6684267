"""The monthly report as an HTTP download, shared by the API and the pages."""

from urllib.parse import quote

from starlette.responses import Response

from ocop_tracker.reports import export
from ocop_tracker.reports.schemas import ReportFormat
from ocop_tracker.reports.service import MonthlyReport

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def file_response(report: MonthlyReport, format: ReportFormat) -> Response:
    """The report as a download."""
    if format is ReportFormat.pdf:
        body, media = export.to_pdf(report), "application/pdf"
    else:
        body, media = export.to_xlsx(report), XLSX
    name = f"bao-cao-thang-{report.month:%Y-%m}-{report.area.id}.{format.value}"
    return Response(
        body,
        media_type=media,
        headers={
            "content-disposition": f"attachment; filename*=UTF-8''{quote(name)}",
            "cache-control": "no-store",
        },
    )
