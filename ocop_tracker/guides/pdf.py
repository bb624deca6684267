"""A how-to sheet as a printable PDF, A4 or A5, in Be Vietnam Pro.

Laid out with reportlab's flowables so a long sheet wraps and runs on to a
second page rather than being cut; the sources and their dates close it.
"""

import io
from typing import Literal
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.enums import TA_LEFT
from reportlab.lib.pagesizes import A4, A5
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import (
    ListFlowable,
    ListItem,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
)
from reportlab.platypus.flowables import Flowable

from ocop_tracker.cards import fonts
from ocop_tracker.core.templating import vi_date
from ocop_tracker.guides.sheets import Sheet

Size = Literal["a4", "a5"]
PAGES = {"a4": A4, "a5": A5}
GREEN = colors.HexColor("#0b6b3a")
MUTED = colors.HexColor("#555555")


def _styles(size: Size) -> dict[str, ParagraphStyle]:
    regular, bold = fonts.register()
    base = 11.5 if size == "a4" else 10
    # name: (font, size, leading, colour, space before, space after), in points
    table = {
        "title": (bold, base + 8, base + 12, GREEN, 0, 3 * mm),
        "summary": (regular, base + 1, base + 6, colors.black, 0, 2 * mm),
        "heading": (bold, base + 2, base + 6, GREEN, 3 * mm, 1.5 * mm),
        "item": (regular, base, base + 5, colors.black, 0, 0),
        "note": (regular, base - 2.5, base + 1, MUTED, 0, 0),
    }
    return {
        name: ParagraphStyle(
            name,
            fontName=font,
            fontSize=points,
            leading=leading,
            textColor=colour,
            spaceBefore=before,
            spaceAfter=after,
            alignment=TA_LEFT,
        )
        for name, (font, points, leading, colour, before, after) in table.items()
    }


def _list(lines: tuple[str, ...], style: ParagraphStyle, *, numbered: bool) -> Flowable:
    return ListFlowable(
        [ListItem(Paragraph(escape(line), style), leftIndent=6 * mm) for line in lines],
        bulletType="1" if numbered else "bullet",
        bulletFormat="%s." if numbered else None,
        start=None if numbered else "•",
        bulletFontName=style.fontName,
        bulletFontSize=style.fontSize,
        leftIndent=6 * mm,
        spaceBefore=0,
    )


def render(sheet: Sheet, size: Size = "a4") -> bytes:
    """The sheet as a PDF of one page (or more, for a long one)."""
    styles = _styles(size)
    buffer = io.BytesIO()
    margin = 16 * mm if size == "a4" else 11 * mm
    document = SimpleDocTemplate(
        buffer,
        pagesize=PAGES[size],
        leftMargin=margin,
        rightMargin=margin,
        topMargin=margin,
        bottomMargin=margin,
        title=f"Hướng dẫn · {sheet.title}",
        author="OCOP lên sàn",
        pageCompression=1,
    )
    story: list[Flowable] = [
        Paragraph("HƯỚNG DẪN", styles["note"]),
        Paragraph(escape(sheet.title), styles["title"]),
        Paragraph(escape(sheet.summary), styles["summary"]),
        Paragraph("Cần chuẩn bị", styles["heading"]),
        _list(sheet.prepare, styles["item"], numbered=False),
        Paragraph("Các bước", styles["heading"]),
        _list(sheet.steps, styles["item"], numbered=True),
    ]
    if sheet.mistakes:
        story += [
            Paragraph("Lỗi thường gặp", styles["heading"]),
            _list(sheet.mistakes, styles["item"], numbered=False),
        ]
    story += [
        Paragraph("Cần giúp", styles["heading"]),
        Paragraph(escape(sheet.help), styles["item"]),
        Spacer(1, 5 * mm),
    ]
    for source in sheet.sources:
        where = f" · {escape(source.url)}" if source.url else ""
        story.append(
            Paragraph(
                f"Nguồn: {escape(source.name)}{where} (ngày {vi_date(source.date)})",
                styles["note"],
            )
        )
    document.build(story)
    return buffer.getvalue()
