"""The monthly report as PDF (reportlab, Be Vietnam Pro, charts) and XLSX (openpyxl).

Pure renderers: a ``MonthlyReport`` view-model in, bytes out, no database.
"""

import datetime as dt
import io
import unicodedata
from collections.abc import Sequence
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Font
from reportlab.graphics.charts.barcharts import HorizontalBarChart
from reportlab.graphics.charts.lineplots import LinePlot
from reportlab.graphics.shapes import Drawing, String
from reportlab.lib import colors
from reportlab.lib.enums import TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    CondPageBreak,
    Flowable,
    KeepTogether,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

from ocop_tracker.cards import fonts
from ocop_tracker.exports.writer import safe, save_xlsx
from ocop_tracker.reports.rules import vn_clock
from ocop_tracker.reports.schemas import ChildLine, Line, Ratio
from ocop_tracker.reports.service import MonthlyReport

GREEN = colors.HexColor("#1f7a4d")
GREY = colors.HexColor("#d9e2dc")
LIGHT = colors.HexColor("#f2f6f3")
CHART_ROWS = 15
# A heading keeps at least this many rows of its table on its page; a table of up
# to WHOLE_TABLE rows is never split at all.
KEEP_ROWS = 3
WHOLE_TABLE = 12
# The PDF names the leading teams; a province holds thousands, and the
# workbook (to_xlsx) lists every one.
TEAMS_IN_PDF = 30
MARGIN = 18 * mm
Cell = str | int | float | dt.date | None


def _cell(value: Cell) -> Cell:
    """Text that starts like a formula is kept as text (SECURITY.md T35)."""
    if isinstance(value, str):
        return str(safe(value))
    return value


def pdf_text(text: object) -> str:
    """NFC text, escaped for reportlab paragraphs; line breaks kept (a
    paragraph would fold them into spaces)."""
    value = unicodedata.normalize("NFC", str(text))
    escaped = value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return escaped.replace("\r\n", "\n").replace("\n", "<br/>")


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{value:.1f}%".replace(".", ",")


def _num(value: int) -> str:
    return f"{value:,}".replace(",", ".")


def _vnd(value: int) -> str:
    return f"{_num(value)} đ"


def _seller_rows(report: MonthlyReport) -> list[list[str]]:
    """Producers on the marketplaces and the month's activity (DOMAIN.md §8)."""
    s = report.coverage.sellers
    month = report.coverage.activity[-1]
    rows = [
        ["Chỉ tiêu", "Số lượng", "Tỷ lệ"],
        ["Chủ thể (doanh nghiệp, hợp tác xã, tổ hợp tác, hộ)", _num(s.producers), ""],
        ["  trong đó hộ sản xuất kinh doanh", _num(s.households), ""],
    ]
    rows += [
        [f"Chủ thể có gian hàng trên {m.domain}", _num(m.open), ""]
        for m in s.shop_by_marketplace
    ]
    rows += [
        ["Chủ thể có gian hàng trên cả hai sàn", _num(s.shop_both), ""],
        ["Chủ thể có tài khoản thanh toán điện tử", _num(s.paying), ""],
        [
            "Chủ thể có gian hàng và tài khoản thanh toán điện tử",
            _num(s.shop_paying),
            _pct(s.shop_paying_percent),
        ],
        [
            "Hộ có gian hàng và tài khoản thanh toán điện tử",
            _num(s.households_shop_paying),
            _pct(s.households_shop_paying_percent),
        ],
        [
            f"Gian hàng có đơn trong tháng {month.month:%m/%Y}",
            _num(month.active_shops),
            "",
        ],
        [f"Đơn hàng trong tháng {month.month:%m/%Y}", _num(month.orders), ""],
        [f"Doanh thu trong tháng {month.month:%m/%Y}", _vnd(month.revenue_vnd), ""],
    ]
    return rows


def _seller_child_rows(report: MonthlyReport) -> list[list[str]]:
    rows = [
        [
            "Đơn vị",
            "Hộ có gian hàng và thanh toán điện tử",
            "Tỷ lệ",
            "Gian hàng có đơn",
            "Đơn hàng",
            "Doanh thu",
        ]
    ]
    rows += [
        [
            c.label,
            f"{_num(c.households_shop_paying)}/{_num(c.households)}",
            _pct(c.households_shop_paying_percent),
            _num(c.active_shops),
            _num(c.orders),
            _vnd(c.revenue_vnd),
        ]
        for c in report.sellers_by_child
    ]
    return rows


def _activity_rows(report: MonthlyReport) -> list[list[str]]:
    rows = [["Tháng", "Gian hàng có đơn", "Đơn hàng", "Doanh thu"]]
    rows += [
        [
            f"{a.month:%m/%Y}",
            _num(a.active_shops),
            _num(a.orders),
            _vnd(a.revenue_vnd),
        ]
        for a in report.coverage.activity
    ]
    return rows


def _training_rows(report: MonthlyReport) -> list[list[str]]:
    """Who has been trained, and the 12 months' sessions and visits."""
    t = report.coverage.training
    rows = [
        ["Chỉ tiêu", "Số lượng", "Tỷ lệ"],
        [
            "Hộ có sản phẩm OCOP đã được tập huấn",
            f"{_num(t.households_ocop_trained)}/{_num(t.households_ocop)}",
            _pct(t.households_ocop_trained_percent),
        ],
        [
            "Thành viên tổ công nghệ số đã được tập huấn",
            f"{_num(t.members_trained)}/{_num(t.members)}",
            _pct(t.members_trained_percent),
        ],
        ["Hộ và chủ thể đã được tập huấn", _num(t.producers_trained), ""],
    ]
    return rows


def _training_month_rows(report: MonthlyReport) -> list[list[str]]:
    rows = [["Tháng", "Buổi tập huấn", "Lượt người dự", "Hướng dẫn tại hộ"]]
    rows += [
        [
            f"{m.month:%m/%Y}",
            _num(m.sessions),
            _num(m.attendees),
            _num(m.coaching_visits),
        ]
        for m in report.coverage.training.months
    ]
    return rows


def chart_lines(lines: Sequence[ChildLine]) -> list[ChildLine]:
    """The bar chart's units: those with the most products first, then by name
    (a city's 15 first wards by name may hold nothing), at most ``CHART_ROWS``."""
    ranked = sorted(lines, key=lambda ln: (-ln.total, ln.label.casefold()))
    return ranked[:CHART_ROWS]


def _title(report: MonthlyReport) -> str:
    return f"Báo cáo tháng {report.month:%m/%Y}"


def _headline_rows(report: MonthlyReport) -> list[list[str]]:
    c = report.coverage
    rows = [
        ["Chỉ tiêu", "Số lượng", "Tỷ lệ"],
        ["Sản phẩm OCOP (3–5 sao) còn hiệu lực", _num(c.ocop.total), ""],
        [
            "Đã lên ít nhất một sàn (đã xác minh)",
            _num(c.ocop.listed),
            _pct(c.ocop.percent),
        ],
        [
            "Có mặt trên cả voso.vn và postmart.vn",
            _num(c.ocop.both),
            _pct(c.ocop.both_percent),
        ],
    ]
    rows += [
        [f"  trên {m.label}", _num(m.count), _pct(m.percent)]
        for m in c.ocop.by_marketplace
    ]
    rows += [
        ["Giấy chứng nhận sắp hết hạn (90 ngày)", _num(c.ocop.expiring), ""],
        ["Sản phẩm OCOP đã hết hạn/bị thu hồi", _num(c.ocop.lapsed), ""],
        ["Nông sản, đặc sản (ngoài OCOP)", _num(c.other.total), ""],
        ["  đã lên sàn", _num(c.other.listed), _pct(c.other.percent)],
        [
            "Chủ thể có tài khoản thanh toán điện tử",
            f"{_num(c.payments.opened)}/{_num(c.payments.producers)}",
            _pct(c.payments.percent),
        ],
    ]
    return rows


def _lines_rows(title: str, lines: Sequence[Line]) -> list[list[str]]:
    rows = [[title, "Sản phẩm", "Đã lên sàn", "Tỷ lệ"]]
    rows += [
        [ln.label, _num(ln.total), _num(ln.listed), _pct(ln.percent)] for ln in lines
    ]
    return rows


def _funnel_rows(funnel: Sequence[Ratio]) -> list[list[str]]:
    rows = [["Bước", "Sản phẩm đã qua", "Tỷ lệ"]]
    rows += [[f.label, _num(f.count), _pct(f.percent)] for f in funnel]
    return rows


def _team_rows(report: MonthlyReport) -> list[list[str]]:
    rows = [
        [
            "Tổ (khóm/ấp)",
            "Tiến thêm (tháng)",
            "Lên sàn (tháng)",
            "Lên sàn (tổng)",
            "Hộ có gian hàng",
            "Hộ có gian hàng và thanh toán điện tử",
            "Gian hàng có đơn",
        ]
    ]
    rows += [
        [
            t.hamlet,
            _num(t.moved_month),
            _num(t.listed_month),
            _num(t.listed_total),
            _num(t.households_shop),
            _num(t.households_shop_paying),
            _num(t.active_shops),
        ]
        for t in report.teams.teams[:TEAMS_IN_PDF]
    ]
    return rows


def _teams_left_out(report: MonthlyReport) -> str | None:
    """The sentence under a teams' table cut to the leading ones, if it was."""
    count = len(report.teams.teams)
    if count <= TEAMS_IN_PDF:
        return None
    return (
        f"Bảng nêu {TEAMS_IN_PDF} tổ dẫn đầu trong tháng, trong số {_num(count)} tổ "
        "của địa bàn. Danh sách đầy đủ có trong bản Excel của báo cáo này."
    )


def _bar_chart(report: MonthlyReport, font: str) -> Drawing:
    lines = chart_lines(report.coverage.by_child)
    height = 40 + 14 * max(1, len(lines))
    d = Drawing(170 * mm, height)
    d.add(
        String(
            0,
            height - 12,
            "Tỷ lệ lên sàn theo đơn vị trực thuộc (%)",
            fontName=font,
            fontSize=9,
        )
    )
    if not lines:
        d.add(
            String(
                0, height - 30, "Không có đơn vị trực thuộc.", fontName=font, fontSize=8
            )
        )
        return d
    chart = HorizontalBarChart()
    chart.x, chart.y = 60 * mm, 10
    chart.width, chart.height = 100 * mm, height - 30
    chart.data = [[ln.percent or 0.0 for ln in reversed(lines)]]
    chart.valueAxis.valueMin, chart.valueAxis.valueMax, chart.valueAxis.valueStep = (
        0,
        100,
        20,
    )
    chart.valueAxis.labels.fontName = font
    chart.valueAxis.labels.fontSize = 7
    chart.categoryAxis.categoryNames = [ln.label[:32] for ln in reversed(lines)]
    chart.categoryAxis.labels.fontName = font
    chart.categoryAxis.labels.fontSize = 7
    chart.categoryAxis.labels.boxAnchor = "e"
    chart.bars[0].fillColor = GREEN
    chart.bars[0].strokeColor = None
    d.add(chart)
    return d


def _trend_chart(report: MonthlyReport, font: str) -> Drawing:
    points = report.trend.points[-36:]
    d = Drawing(170 * mm, 70 * mm)
    d.add(
        String(
            0,
            70 * mm - 12,
            "Xu hướng tỷ lệ lên sàn cuối mỗi tháng (%)",
            fontName=font,
            fontSize=9,
        )
    )
    if not points:
        d.add(String(0, 40 * mm, "Chưa có số liệu.", fontName=font, fontSize=8))
        return d
    plot = LinePlot()
    plot.x, plot.y = 15 * mm, 15 * mm
    plot.width, plot.height = 150 * mm, 45 * mm
    plot.data = [
        [(i, p.percent or 0.0) for i, p in enumerate(points)],
        [(i, 100.0) for i in range(len(points))],
    ]
    plot.lines[0].strokeColor = GREEN
    plot.lines[0].strokeWidth = 2
    plot.lines[1].strokeColor = colors.HexColor("#b0b0b0")
    plot.lines[1].strokeDashArray = [3, 3]
    plot.yValueAxis.valueMin, plot.yValueAxis.valueMax, plot.yValueAxis.valueStep = (
        0,
        100,
        20,
    )
    plot.yValueAxis.labels.fontName = font
    plot.yValueAxis.labels.fontSize = 7
    plot.xValueAxis.valueMin, plot.xValueAxis.valueMax = 0, max(1, len(points) - 1)
    step = max(1, len(points) // 8)
    plot.xValueAxis.valueSteps = list(range(0, len(points), step))
    plot.xValueAxis.labelTextFormat = lambda i: (
        f"{points[int(i)].day:%m/%y}" if 0 <= int(i) < len(points) else ""
    )
    plot.xValueAxis.labels.fontName = font
    plot.xValueAxis.labels.fontSize = 7
    d.add(plot)
    return d


def _label(text: str, style: ParagraphStyle) -> Paragraph:
    """A first-column cell that wraps inside its column; leading spaces indent it."""
    bare = text.lstrip(" ")
    indent = 3 * (len(text) - len(bare))
    if indent:
        style = ParagraphStyle(
            f"{style.name}-{indent}", parent=style, leftIndent=indent
        )
    return Paragraph(pdf_text(bare), style)


def grid(rows: list[list[str]], widths: Sequence[float], font: str, bold: str) -> Table:
    cell = ParagraphStyle("cell", fontName=font, fontSize=8, leading=10)
    head = ParagraphStyle("cell-head", parent=cell, fontName=bold)
    # Column titles wrap inside their column (a long title would run over the next).
    title = ParagraphStyle("cell-title", parent=head, alignment=TA_RIGHT)
    data: list[list[Any]] = [
        [
            _label(rows[0][0], head),
            *(Paragraph(pdf_text(v), title) for v in rows[0][1:]),
        ]
    ]
    data += [[_label(row[0], cell), *row[1:]] for row in rows[1:]]
    table = Table(data, colWidths=list(widths), repeatRows=1)
    table.setStyle(
        TableStyle(
            [
                ("FONT", (0, 0), (-1, -1), font, 8),
                ("FONT", (0, 0), (-1, 0), bold, 8),
                ("BACKGROUND", (0, 0), (-1, 0), LIGHT),
                ("GRID", (0, 0), (-1, -1), 0.4, GREY),
                ("ALIGN", (1, 0), (-1, -1), "RIGHT"),
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
            ]
        )
    )
    return table


def _height(flowable: Flowable, width: float) -> float:
    """The height a flowable takes in a column ``width`` wide, with its spacing."""
    _, h = flowable.wrap(width, 10_000 * mm)
    return float(h + flowable.getSpaceBefore() + flowable.getSpaceAfter())


def section(
    heading: Paragraph | None,
    rows: list[list[str]],
    widths: Sequence[float],
    fonts_: tuple[str, str],
    width: float,
    empty: Paragraph | None = None,
) -> list[Flowable]:
    """A table under its heading, never parted from it at the foot of a page.

    A new page starts unless the heading and the table fit, or, for a long
    table, the heading, the column titles and the first rows fit (the rest of
    the table follows on the next pages under repeated column titles). A table
    with no rows is replaced by the sentence ``empty`` when one is given.
    """
    font, bold = fonts_
    head = [heading] if heading is not None else []
    if len(rows) == 1 and empty is not None:
        return [
            CondPageBreak(sum(_height(f, width) for f in [*head, empty])),
            *head,
            empty,
        ]
    table = grid(rows, widths, font, bold)
    start = rows if len(rows) <= WHOLE_TABLE + 1 else rows[: KEEP_ROWS + 1]
    need = _height(grid(start, widths, font, bold), width)
    if heading is not None:
        need += _height(heading, width)
    return [CondPageBreak(need), *head, table]


def numbered_canvas(footer: str, font: str, page_width: float = A4[0]) -> type[Canvas]:
    """A canvas that writes the report's name and "Trang n/N" at the foot of each
    page (``page_width``: the page's, A4 upright unless told)."""

    class NumberedCanvas(Canvas):  # type: ignore[misc]
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self._pages: list[dict[str, Any]] = []

        def showPage(self) -> None:  # reportlab's name
            self._pages.append(dict(self.__dict__))
            self._startPage()

        def save(self) -> None:
            total = len(self._pages)
            for number, state in enumerate(self._pages, start=1):
                self.__dict__.update(state)
                self.setFont(font, 7.5)
                self.setFillColor(colors.HexColor("#5a6b61"))
                self.drawString(MARGIN + 6, 9 * mm, footer)
                self.drawRightString(
                    page_width - MARGIN - 6, 9 * mm, f"Trang {number}/{total}"
                )
                super().showPage()
            super().save()

    return NumberedCanvas


def to_pdf(report: MonthlyReport) -> bytes:
    """The monthly report in the province's form: figures, breakdowns, two charts."""
    font, bold = fonts.register()
    pair = (font, bold)
    h1 = ParagraphStyle("h1", fontName=bold, fontSize=14, leading=18, spaceAfter=4)
    h2 = ParagraphStyle(
        "h2",
        fontName=bold,
        fontSize=10,
        leading=13,
        spaceBefore=8,
        spaceAfter=4,
    )
    body = ParagraphStyle("body", fontName=font, fontSize=9, leading=12)
    out = io.BytesIO()
    doc = SimpleDocTemplate(
        out,
        pagesize=A4,
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=15 * mm,
        bottomMargin=15 * mm,
        title=_title(report),
        author="ocop-tracker",
    )
    width = doc.width
    wide = (80 * mm, 30 * mm, 25 * mm, 25 * mm)
    c = report.coverage
    state = (
        f"Số liệu tính đến hết ngày {report.as_of:%d/%m/%Y}."
        if report.complete
        else f"Tháng chưa kết thúc: số liệu tạm tính đến ngày {report.as_of:%d/%m/%Y}."
    )
    left_out = _teams_left_out(report)
    story: list[Any] = [
        Paragraph(pdf_text(f"{_title(report).upper()} — {report.area.name}"), h1),
        Paragraph(
            pdf_text(
                "Kế hoạch thí điểm Tổ công nghệ số cộng đồng: đưa 100% sản phẩm OCOP lên sàn thương mại điện tử."
            ),
            body,
        ),
        Paragraph(pdf_text(f"Kính gửi: {report.recipient}."), body),
        Paragraph(pdf_text(state), body),
        Spacer(1, 4 * mm),
        *section(
            Paragraph(
                pdf_text(
                    f"Tỷ lệ sản phẩm OCOP đã lên sàn: {_pct(c.ocop.percent)} ({_num(c.ocop.listed)}/{_num(c.ocop.total)})"
                ),
                h2,
            ),
            _headline_rows(report),
            (95 * mm, 35 * mm, 30 * mm),
            pair,
            width,
        ),
        KeepTogether(
            [
                Paragraph(pdf_text("Theo đơn vị trực thuộc"), h2),
                _bar_chart(report, font),
            ]
        ),
        KeepTogether(
            [
                Paragraph(pdf_text("Xu hướng tới mục tiêu 100%"), h2),
                _trend_chart(report, font),
            ]
        ),
        *section(
            Paragraph(pdf_text("Chi tiết theo đơn vị trực thuộc"), h2),
            [["Đơn vị", "OCOP còn hiệu lực", "Đã lên sàn", "Tỷ lệ"]]
            + [
                [ln.label, _num(ln.total), _num(ln.listed), _pct(ln.percent)]
                for ln in c.by_child
            ],
            wide,
            pair,
            width,
            Paragraph(pdf_text("Không có đơn vị trực thuộc."), body),
        ),
        *section(
            Paragraph(pdf_text("Theo nhóm sản phẩm, hạng sao, loại chủ thể"), h2),
            _lines_rows("Nhóm", c.by_group),
            wide,
            pair,
            width,
        ),
        Spacer(1, 2 * mm),
        *section(None, _lines_rows("Hạng sao", c.by_stars), wide, pair, width),
        Spacer(1, 2 * mm),
        *section(
            None, _lines_rows("Loại chủ thể", c.by_producer_type), wide, pair, width
        ),
        *section(
            Paragraph(pdf_text("Hộ và chủ thể trên sàn thương mại điện tử"), h2),
            _seller_rows(report),
            (95 * mm, 35 * mm, 30 * mm),
            pair,
            width,
        ),
        *section(
            Paragraph(pdf_text("Hộ và chủ thể trên sàn theo đơn vị trực thuộc"), h2),
            _seller_child_rows(report),
            (40 * mm, 26 * mm, 16 * mm, 24 * mm, 22 * mm, 32 * mm),
            pair,
            width,
            Paragraph(pdf_text("Không có đơn vị trực thuộc."), body),
        ),
        *section(
            Paragraph(pdf_text("Hoạt động của các gian hàng 12 tháng gần nhất"), h2),
            _activity_rows(report),
            (40 * mm, 36 * mm, 36 * mm, 48 * mm),
            pair,
            width,
        ),
        *section(
            Paragraph(pdf_text("Tập huấn"), h2),
            _training_rows(report),
            (95 * mm, 35 * mm, 30 * mm),
            pair,
            width,
        ),
        Spacer(1, 2 * mm),
        *section(
            None,
            _training_month_rows(report),
            (40 * mm, 36 * mm, 36 * mm, 48 * mm),
            pair,
            width,
        ),
        *section(
            Paragraph(pdf_text("Các bước đưa sản phẩm lên sàn"), h2),
            _funnel_rows(c.funnel),
            (95 * mm, 35 * mm, 30 * mm),
            pair,
            width,
        ),
        *section(
            Paragraph(pdf_text("Kết quả của các tổ (để khen thưởng)"), h2),
            _team_rows(report),
            (36 * mm, 20 * mm, 20 * mm, 20 * mm, 20 * mm, 24 * mm, 20 * mm),
            pair,
            width,
            Paragraph(
                pdf_text("Chưa có tổ công nghệ số cộng đồng nào trong địa bàn."), body
            ),
        ),
        *([Spacer(1, 2 * mm), Paragraph(pdf_text(left_out), body)] if left_out else []),
        Spacer(1, 6 * mm),
        Paragraph(
            pdf_text(f"Lập lúc {vn_clock(report.generated_at)}."),
            body,
        ),
    ]
    doc.build(
        story,
        canvasmaker=numbered_canvas(f"{_title(report)} — {report.area.name}", font),
    )
    return out.getvalue()


def to_xlsx(report: MonthlyReport) -> bytes:
    """The same figures as a workbook: one sheet per table, text cells never formulas."""
    book = Workbook()
    head = Font(bold=True)

    def sheet(name: str, rows: Sequence[Sequence[Cell]], first: bool = False) -> None:
        ws = book.active if first else book.create_sheet(name)
        assert ws is not None
        ws.title = name
        # The sheet is new: row n + 1 is the n-th appended. Cells are reached by
        # their place (``ws[ws.max_row]`` scans every cell: a long table took seconds).
        for n, row in enumerate(rows, start=1):
            ws.append([_cell(v) for v in row])
            for col in range(1, len(row) + 1):
                cell = ws.cell(row=n, column=col)
                if n == 1:
                    cell.font = head
                if isinstance(cell.value, dt.date):
                    cell.number_format = "dd/mm/yyyy"
        ws.column_dimensions["A"].width = 48

    c = report.coverage
    sheet(
        "Tổng hợp",
        [
            [_title(report), report.area.name],
            ["Tính đến ngày", report.as_of],
            ["Kính gửi", report.recipient],
            ["Lập lúc", vn_clock(report.generated_at)],
            [],
            ["Chỉ tiêu", "Số lượng", "Tỷ lệ (%)"],
            ["Sản phẩm OCOP còn hiệu lực", c.ocop.total, None],
            ["Đã lên ít nhất một sàn", c.ocop.listed, c.ocop.percent],
            ["Trên cả voso.vn và postmart.vn", c.ocop.both, c.ocop.both_percent],
            *[[f"Trên {m.label}", m.count, m.percent] for m in c.ocop.by_marketplace],
            ["Sắp hết hạn (90 ngày)", c.ocop.expiring, None],
            ["Hết hạn/bị thu hồi", c.ocop.lapsed, None],
            ["Nông sản, đặc sản", c.other.total, None],
            ["Nông sản, đặc sản đã lên sàn", c.other.listed, c.other.percent],
            ["Chủ thể", c.payments.producers, None],
            [
                "Chủ thể có tài khoản thanh toán điện tử",
                c.payments.opened,
                c.payments.percent,
            ],
        ],
        first=True,
    )
    sheet(
        "Đơn vị trực thuộc",
        [["Đơn vị", "OCOP còn hiệu lực", "Đã lên sàn", "Cả hai sàn", "Tỷ lệ (%)"]]
        + [[ln.label, ln.total, ln.listed, ln.both, ln.percent] for ln in c.by_child],
    )
    breakdown: list[Sequence[Cell]] = [
        ["Phân loại", "Nhóm", "Sản phẩm", "Đã lên sàn", "Tỷ lệ (%)"]
    ]
    for title, lines in (
        ("Nhóm sản phẩm", c.by_group),
        ("Hạng sao", c.by_stars),
        ("Loại chủ thể", c.by_producer_type),
        ("Ngoài OCOP", c.other_by_kind),
    ):
        breakdown += [
            [title, ln.label, ln.total, ln.listed, ln.percent] for ln in lines
        ]
    sheet("Phân loại", breakdown)
    sheet(
        "Các bước",
        [["Bước", "Sản phẩm đã qua", "Tỷ lệ (%)"]]
        + [[f.label, f.count, f.percent] for f in c.funnel],
    )
    sheet(
        "Xu hướng",
        [["Cuối tháng", "OCOP còn hiệu lực", "Đã lên sàn", "Tỷ lệ (%)"]]
        + [[p.day, p.total, p.listed, p.percent] for p in report.trend.points],
    )
    sheet(
        "Các tổ",
        [
            [
                "Tổ (khóm/ấp)",
                "Tổ trưởng",
                "Tiến thêm (tháng)",
                "Lên sàn (tháng)",
                "Tiến thêm (tổng)",
                "Lên sàn (tổng)",
                "Hộ có gian hàng",
                "Hộ có gian hàng và thanh toán điện tử",
                "Gian hàng có đơn (tháng)",
                "Hộ OCOP đã tập huấn",
                "Thành viên đã tập huấn",
                "Thành viên",
            ]
        ]
        + [
            [
                t.hamlet,
                t.leader,
                t.moved_month,
                t.listed_month,
                t.moved_total,
                t.listed_total,
                t.households_shop,
                t.households_shop_paying,
                t.active_shops,
                t.households_ocop_trained,
                t.members_trained,
                t.members,
            ]
            for t in report.teams.teams
        ],
    )
    s = c.sellers
    month = c.activity[-1]
    sheet(
        "Trên sàn",
        [
            ["Chỉ tiêu", "Số lượng", "Tỷ lệ (%)"],
            ["Chủ thể", s.producers, None],
            ["Hộ sản xuất kinh doanh", s.households, None],
            *[
                [f"Chủ thể có gian hàng trên {m.domain}", m.open, None]
                for m in s.shop_by_marketplace
            ],
            ["Chủ thể có gian hàng trên cả hai sàn", s.shop_both, None],
            ["Chủ thể có tài khoản thanh toán điện tử", s.paying, None],
            [
                "Chủ thể có gian hàng và tài khoản thanh toán điện tử",
                s.shop_paying,
                s.shop_paying_percent,
            ],
            [
                "Hộ có gian hàng và tài khoản thanh toán điện tử",
                s.households_shop_paying,
                s.households_shop_paying_percent,
            ],
            [
                f"Gian hàng có đơn trong tháng {month.month:%m/%Y}",
                month.active_shops,
                None,
            ],
            [f"Đơn hàng trong tháng {month.month:%m/%Y}", month.orders, None],
            [
                f"Doanh thu trong tháng {month.month:%m/%Y} (đồng)",
                month.revenue_vnd,
                None,
            ],
            [],
            [
                "Đơn vị",
                "Hộ",
                "Hộ có gian hàng",
                "Hộ có gian hàng và thanh toán điện tử",
                "Tỷ lệ hộ (%)",
                "Chủ thể",
                "Chủ thể có gian hàng và thanh toán điện tử",
                "Gian hàng có đơn",
                "Đơn hàng",
                "Doanh thu (đồng)",
            ],
            *[
                [
                    ch.label,
                    ch.households,
                    ch.households_shop,
                    ch.households_shop_paying,
                    ch.households_shop_paying_percent,
                    ch.producers,
                    ch.shop_paying,
                    ch.active_shops,
                    ch.orders,
                    ch.revenue_vnd,
                ]
                for ch in report.sellers_by_child
            ],
        ],
    )
    sheet(
        "Hoạt động gian hàng",
        [["Tháng", "Gian hàng có đơn", "Đơn hàng", "Doanh thu (đồng)"]]
        + [
            [f"{a.month:%m/%Y}", a.active_shops, a.orders, a.revenue_vnd]
            for a in c.activity
        ],
    )
    t = c.training
    training_months: list[list[Cell]] = [
        [f"{m.month:%m/%Y}", m.sessions, m.attendees, m.coaching_visits]
        for m in t.months
    ]
    sheet(
        "Tập huấn",
        [
            ["Chỉ tiêu", "Số lượng", "Trên tổng số", "Tỷ lệ (%)"],
            [
                "Hộ có sản phẩm OCOP đã được tập huấn",
                t.households_ocop_trained,
                t.households_ocop,
                t.households_ocop_trained_percent,
            ],
            [
                "Thành viên tổ công nghệ số đã được tập huấn",
                t.members_trained,
                t.members,
                t.members_trained_percent,
            ],
            ["Hộ và chủ thể đã được tập huấn", t.producers_trained, None, None],
            [],
            ["Tháng", "Buổi tập huấn", "Lượt người dự", "Hướng dẫn tại hộ"],
            *training_months,
        ],
    )
    out = io.BytesIO()
    save_xlsx(book, out, report.as_of)
    return out.getvalue()
