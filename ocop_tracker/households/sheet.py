""" "Phiếu của hộ": an A6 sheet with the household's private link as a QR code.

Printed by the team from the producer's page when it issues the link (the
token exists only then: the database keeps its hash). Be Vietnam Pro for the
Vietnamese text; the code is drawn as filled rectangles, never kept in a
cache (it is a secret).
"""

import datetime as dt
import io
from dataclasses import dataclass

from reportlab.lib.pagesizes import A6
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas

from ocop_tracker.cards import fonts, qr
from ocop_tracker.core.text import wrap_words

MARGIN = 8 * mm
QR_SIDE = 58 * mm


@dataclass(frozen=True)
class SheetData:
    """What the sheet prints."""

    producer: str
    hamlet: str
    url: str
    contact: str | None  # "Tổ trưởng Nguyễn Văn A · 0912 345 678"
    issued_on: dt.date


def _lines(text: str, font: str, size: float, width: float) -> list[str]:
    """``text`` broken into lines that fit ``width`` points (on spaces)."""
    return wrap_words(text, lambda line: stringWidth(line, font, size) > width)


def render(data: SheetData) -> bytes:
    """The sheet as a one-page PDF."""
    regular, bold = fonts.register()
    buffer = io.BytesIO()
    width, height = A6
    canvas = Canvas(buffer, pagesize=A6, pageCompression=1)
    canvas.setTitle(f"Phiếu của hộ · {data.producer}")
    canvas.setAuthor("OCOP lên sàn")
    text_w = width - 2 * MARGIN
    y = height - MARGIN - 4 * mm
    canvas.setFont(bold, 13)
    canvas.drawCentredString(width / 2, y, "PHIẾU CỦA HỘ")
    y -= 6.5 * mm
    for line in _lines(data.producer, bold, 11, text_w)[:2]:
        canvas.setFont(bold, 11)
        canvas.drawCentredString(width / 2, y, line)
        y -= 5 * mm
    canvas.setFont(regular, 8.5)
    canvas.drawCentredString(width / 2, y, data.hamlet)
    y -= 3 * mm
    matrix = qr.make_matrix(data.url)
    module = QR_SIDE / (matrix.size + 2 * qr.QUIET_ZONE)
    left = (width - matrix.size * module) / 2
    top = y - qr.QUIET_ZONE * module
    canvas.saveState()
    canvas.setFillColorRGB(0, 0, 0)
    for col, row, w, h in qr.rectangles(matrix):
        canvas.rect(
            left + col * module,
            top - (row + h) * module,
            w * module,
            h * module,
            stroke=0,
            fill=1,
        )
    canvas.restoreState()
    y = top - matrix.size * module - qr.QUIET_ZONE * module - 1 * mm
    for line in _lines(
        "Quét mã để xem sản phẩm của hộ đã lên sàn tới đâu, còn thiếu gì, "
        "và gọi ai khi cần giúp.",
        regular,
        8.5,
        text_w,
    ):
        canvas.setFont(regular, 8.5)
        canvas.drawCentredString(width / 2, y, line)
        y -= 4 * mm
    if data.contact:
        y -= 1 * mm
        canvas.setFont(bold, 8.5)
        for line in _lines(f"Tổ công nghệ số: {data.contact}", bold, 8.5, text_w):
            canvas.drawCentredString(width / 2, y, line)
            y -= 4 * mm
    canvas.setFont(regular, 7)
    foot = _lines(
        "Phiếu này là của riêng hộ, đừng cho người khác chụp mã. Mất phiếu, nhờ tổ "
        "in phiếu mới: phiếu cũ sẽ thôi dùng được. "
        f"In ngày {data.issued_on:%d/%m/%Y}.",
        regular,
        7,
        text_w,
    )
    fy = MARGIN + 3.5 * mm * (len(foot) - 1)
    for line in foot:
        canvas.drawCentredString(width / 2, fy, line)
        fy -= 3.5 * mm
    canvas.showPage()
    canvas.save()
    return buffer.getvalue()
