"""The pilot's closing report as PDF (A4 across, Be Vietnam Pro) and XLSX:
view-model in, bytes out; the tables are drawn as the monthly report's are."""

import io

from openpyxl import Workbook
from openpyxl.styles import Font
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer

from ocop_tracker.cards import fonts
from ocop_tracker.exports.writer import safe, save_xlsx
from ocop_tracker.pilots.schemas import PilotFigures, PilotLine, PilotReport
from ocop_tracker.pilots.views import STATUS_WORDS
from ocop_tracker.reports.export import numbered_canvas, pdf_text, section

MARGIN = 14 * mm
# (title, what a figure cell shows): each indicator at the start and at the end.
INDICATORS = (
    "OCOP đã lên sàn",
    "Chủ thể có gian hàng",
    "Chủ thể có thanh toán điện tử",
    "Hộ OCOP đã tập huấn",
    "Thành viên tổ đã tập huấn",
)


def _n(value: int) -> str:
    return f"{value:,}".replace(",", ".")


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{value:.1f}%".replace(".", ",")


def _figure_cells(f: PilotFigures) -> list[str]:
    return [
        f"{_n(f.ocop_listed)}/{_n(f.ocop)}\n{_pct(f.ocop_listed_percent)}",
        _n(f.shops),
        _n(f.paying),
        f"{_n(f.households_ocop_trained)}/{_n(f.households_ocop)}",
        f"{_n(f.members_trained)}/{_n(f.members)}",
    ]


def _cells(line: PilotLine) -> list[str]:
    start, end = _figure_cells(line.start), _figure_cells(line.end)
    paired = [cell for pair in zip(start, end, strict=True) for cell in pair]
    return [
        line.name,
        *paired,
        _n(line.sessions),
        _n(line.orders),
        _n(line.revenue_vnd),
    ]


def _head() -> list[str]:
    titles = [f"{t}: {when}" for t in INDICATORS for when in ("đầu", "cuối")]
    return ["Đơn vị", *titles, "Buổi tập huấn", "Đơn hàng", "Doanh thu (đồng)"]


def _title(report: PilotReport) -> str:
    return f"Báo cáo kết thúc thí điểm: {report.pilot.name}"


def to_pdf(report: PilotReport) -> bytes:
    """The report: the window, where it stands, one row per unit and the total."""
    font, bold = fonts.register()
    h1 = ParagraphStyle("h1", fontName=bold, fontSize=14, leading=18, spaceAfter=4)
    h2 = ParagraphStyle("h2", fontName=bold, fontSize=11, leading=14, spaceBefore=8)
    body = ParagraphStyle("body", fontName=font, fontSize=9, leading=12)
    page = landscape(A4)
    width = page[0] - 2 * MARGIN
    out = io.BytesIO()
    doc = SimpleDocTemplate(
        out,
        pagesize=page,
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=MARGIN,
        bottomMargin=16 * mm,
        title=_title(report),
        author="OCOP lên sàn",
    )
    p = report.pilot
    when = (
        f"Số liệu đầu đợt: ngày {report.start:%d/%m/%Y}; cuối đợt: ngày "
        f"{report.end:%d/%m/%Y}."
        if report.complete
        else f"Đợt thí điểm chưa kết thúc: số liệu cuối đợt tạm tính đến ngày "
        f"{report.end:%d/%m/%Y}."
    )
    rows = [_head()] + [_cells(line) for line in report.lines]
    rows.append(_cells(report.total))
    first, money = 40 * mm, 24 * mm
    unit = (width - first - money) / (len(rows[0]) - 2)
    story = [
        Paragraph(pdf_text(_title(report)), h1),
        Paragraph(
            pdf_text(
                f"Thời gian: {p.start_on:%d/%m/%Y} – {p.end_on:%d/%m/%Y} "
                f"({STATUS_WORDS[p.status].lower()}). {len(p.units)} đơn vị: "
                + ", ".join(u.name for u in p.units)
                + "."
            ),
            body,
        ),
        Paragraph(pdf_text(when), body),
        Spacer(1, 3 * mm),
        *section(
            Paragraph(pdf_text("Đầu đợt và cuối đợt, theo đơn vị"), h2),
            rows,
            (first, *([unit] * (len(rows[0]) - 2)), money),
            (font, bold),
            width,
            Paragraph(pdf_text("Đợt thí điểm chưa có đơn vị nào."), body),
        ),
        Spacer(1, 3 * mm),
        Paragraph(
            pdf_text(
                f"Đầu đợt: ngày {report.start:%d/%m/%Y}; cuối đợt: ngày "
                f"{report.end:%d/%m/%Y}. "
                "OCOP đã lên sàn: sản phẩm OCOP còn hiệu lực có ít nhất một trang "
                "sản phẩm đã được xác minh trên sàn, trên tổng số. Hộ OCOP đã tập "
                "huấn: hộ có sản phẩm OCOP còn hiệu lực đã dự ít nhất một buổi tập "
                "huấn. Đơn hàng và buổi tập huấn: cộng các tháng của đợt, theo số "
                "liệu tổ báo cáo."
            ),
            body,
        ),
    ]
    doc.build(
        story,
        canvasmaker=numbered_canvas(_title(report), font, page[0]),
    )
    return out.getvalue()


def to_xlsx(report: PilotReport) -> bytes:
    """The same figures, one row per unit, start and end side by side."""
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "Thí điểm"
    bold = Font(bold=True)
    sheet.append([safe(_title(report))])
    sheet.append([f"{report.pilot.start_on:%d/%m/%Y} – {report.pilot.end_on:%d/%m/%Y}"])
    sheet.append([])
    titles = ["Đơn vị"]
    for when in ("đầu đợt", "cuối đợt"):
        titles += [
            f"OCOP ({when})",
            f"OCOP đã lên sàn ({when})",
            f"Chủ thể có gian hàng ({when})",
            f"Chủ thể có thanh toán điện tử ({when})",
            f"Hộ OCOP ({when})",
            f"Hộ OCOP đã tập huấn ({when})",
            f"Thành viên tổ ({when})",
            f"Thành viên đã tập huấn ({when})",
        ]
    titles += ["Buổi tập huấn trong đợt", "Đơn hàng trong đợt", "Doanh thu (đồng)"]
    sheet.append(titles)
    for cell in sheet[sheet.max_row]:
        cell.font = bold
    for line in [*report.lines, report.total]:
        row: list[object] = [safe(line.name)]
        for f in (line.start, line.end):
            row += [
                f.ocop,
                f.ocop_listed,
                f.shops,
                f.paying,
                f.households_ocop,
                f.households_ocop_trained,
                f.members,
                f.members_trained,
            ]
        row += [line.sessions, line.orders, line.revenue_vnd]
        sheet.append(row)
    out = io.BytesIO()
    save_xlsx(book, out, report.end)
    return out.getvalue()
