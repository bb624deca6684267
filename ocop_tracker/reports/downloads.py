"""The monthly report as an HTTP download, shared by the API and the pages."""

from starlette.responses import Response

from ocop_tracker.core.downloads import PDF, XLSX, attachment
from ocop_tracker.reports import export
from ocop_tracker.reports.schemas import ReportFormat
from ocop_tracker.reports.service import MonthlyReport


def file_response(report: MonthlyReport, format: ReportFormat) -> Response:
    """The report as a download."""
    if format is ReportFormat.pdf:
        body, media = export.to_pdf(report), PDF
    else:
        body, media = export.to_xlsx(report), XLSX
    name = f"bao-cao-thang-{report.month:%Y-%m}-{report.area.id}.{format.value}"
    return attachment(body, media, name)
