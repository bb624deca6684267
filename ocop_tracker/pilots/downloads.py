"""The pilot's closing report as a download, shared by the API and the pages."""

from enum import StrEnum

from sqlalchemy.orm import Session
from starlette.responses import Response

from ocop_tracker.core.downloads import PDF, XLSX, attachment
from ocop_tracker.pilots import export
from ocop_tracker.pilots import report as pilot_report
from ocop_tracker.pilots import views as pilot_views
from ocop_tracker.pilots.schemas import PilotReport
from ocop_tracker.users.models import User


class ReportFormat(StrEnum):
    pdf = "pdf"
    xlsx = "xlsx"


def file_response(report: PilotReport, format: ReportFormat) -> Response:
    """The report as a PDF or a workbook, named after the pilot's end."""
    if format is ReportFormat.pdf:
        body, media = export.to_pdf(report), PDF
    else:
        body, media = export.to_xlsx(report), XLSX
    name = f"bao-cao-thi-diem-{report.pilot.id}-{report.end:%Y-%m-%d}.{format.value}"
    return attachment(body, media, name)


def report_download(
    session: Session, user: User, pilot_id: int, format: ReportFormat
) -> Response:
    """The closing report of a pilot the user sees, as the API and the page
    hand it out."""
    row = pilot_views.get_pilot(session, user, pilot_id)
    return file_response(pilot_report.closing_report(session, row), format)
