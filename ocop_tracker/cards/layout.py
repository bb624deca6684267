"""Cards as a PDF: a pure renderer, view-models in, bytes out, no database.

Every text is drawn with ``drawString``, which prints its argument literally (no
markup is parsed, so ``<font color=…>``, ``<img src=…>`` or ``&`` print as typed:
SECURITY.md T30); text is NFC and stripped of control characters first. The QR
code is a cached string of PDF path operators (``cards.qr``), so a card costs
one string append for its code. Stars are drawn polygons (the font has no ★).
"""

import io
import math
import re
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum

from reportlab.lib.pagesizes import A4, A6
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas

from ocop_tracker.cards import fonts, qr
from ocop_tracker.core.labels import labels

# Text longer than this is cut before measuring (a name of 100,000 characters
# must not cost seconds); the lines then end with an ellipsis.
TEXT_LIMIT = 300
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2066-\u2069]")
INK = (0.1, 0.1, 0.1)
STAR = (0.85, 0.55, 0.0)
MUTED = (0.35, 0.35, 0.35)


class Layout(StrEnum):
    """The printable layouts."""

    a4_2x4 = "a4-2x4"  # 8 cards on A4, to cut and hang on a stall
    a4_3x8 = "a4-3x8"  # 24 stickers on A4
    a6 = "a6"  # one card per A6 page


LAYOUT_LABELS = labels(Layout)


@dataclass(frozen=True)
class CardData:
    """What one card shows; built by ``cards.service`` under the consent rules."""

    url: str  # {OCOP_PUBLIC_BASE_URL}/p/{public_code}: what the QR code holds
    product_name: str
    producer: str  # public name with consent, else the producer type
    place: str  # commune, province
    stars: int | None  # only when the certificate is valid on the print day
    certificate_note: str | None  # "GCN OCOP hết hạn" and the like
    marketplaces: tuple[str, ...]
    matrix: qr.Matrix


@dataclass(frozen=True)
class Spec:
    """A layout's page, grid and sizes (millimetres, points for fonts)."""

    page: tuple[float, float]
    cols: int
    rows: int
    margin_x: float
    margin_y: float
    qr_mm: float  # printed size of the code itself, quiet zone excluded
    name_pt: float
    text_pt: float
    stacked: bool = False  # code above the text (A6) rather than beside it
    extra: dict[str, float] = field(default_factory=dict)

    @property
    def per_page(self) -> int:
        """Cards on one page."""
        return self.cols * self.rows

    @property
    def cell(self) -> tuple[float, float]:
        """Width and height of one card, in points."""
        width = self.page[0] - 2 * self.margin_x * mm
        height = self.page[1] - 2 * self.margin_y * mm
        return width / self.cols, height / self.rows


SPECS: dict[Layout, Spec] = {
    Layout.a4_2x4: Spec(A4, 2, 4, 10, 10, qr_mm=30, name_pt=10.5, text_pt=7.5),
    Layout.a4_3x8: Spec(A4, 3, 8, 8, 10, qr_mm=25, name_pt=7.5, text_pt=5.8),
    Layout.a6: Spec(A6, 1, 1, 8, 8, qr_mm=50, name_pt=14, text_pt=9, stacked=True),
}


def clean(text: str) -> str:
    """NFC, no control or bidi characters, single spaces, bounded length."""
    text = unicodedata.normalize("NFC", text[: TEXT_LIMIT * 2])
    return " ".join(_CONTROL.sub(" ", text).split())[:TEXT_LIMIT]


def wrap(text: str, font: str, size: float, width: float, max_lines: int) -> list[str]:
    """Lines of ``text`` no wider than ``width``; the last ends with … when cut."""
    words = clean(text).split(" ")
    lines: list[str] = []
    current = ""
    cut = False
    for i, word in enumerate(words):
        candidate = f"{current} {word}" if current else word
        if stringWidth(candidate, font, size) <= width:
            current = candidate
            continue
        if current:
            lines.append(current)
        current = word
        while stringWidth(current, font, size) > width:  # one very long word
            keep = _fit(current, font, size, width)
            if len(lines) == max_lines:
                break
            lines.append(current[:keep])
            current = current[keep:]
        if len(lines) >= max_lines:
            cut = bool(current) or i < len(words) - 1
            current = ""
            break
    if current:
        lines.append(current)
    if len(lines) > max_lines:
        lines, cut = lines[:max_lines], True
    if cut and lines:
        lines[-1] = _ellipsis(lines[-1], font, size, width)
    return lines


def _fit(text: str, font: str, size: float, width: float) -> int:
    low, high = 1, len(text)
    while low < high:
        mid = (low + high + 1) // 2
        if stringWidth(text[:mid], font, size) <= width:
            low = mid
        else:
            high = mid - 1
    return low


def _ellipsis(line: str, font: str, size: float, width: float) -> str:
    while line and stringWidth(line + "…", font, size) > width:
        line = line[:-1]
    return line.rstrip() + "…"


def short_url(url: str) -> str:
    """The URL as printed under the code: no scheme."""
    return url.split("://", 1)[-1]


def render(
    cards: Sequence[CardData],
    layout: Layout,
    *,
    title: str = "Thẻ QR sản phẩm OCOP",
    progress: Callable[[int], None] | None = None,
    qr_codes: bool = True,
) -> bytes:
    """The whole PDF of ``cards`` in ``layout``; nothing is returned half-made.

    ``qr_codes=False`` leaves the codes out: the benchmark's baseline.
    """
    regular, bold = fonts.register()
    spec = SPECS[layout]
    buffer = io.BytesIO()
    canvas = Canvas(
        buffer,
        pagesize=spec.page,
        pageCompression=1,
        invariant=1,
        initialFontName=regular,
        initialFontSize=spec.text_pt,
    )
    canvas.setTitle(title)
    canvas.setAuthor("ocop-tracker")
    canvas.setCreator("ocop-tracker")
    pages = max(1, math.ceil(len(cards) / spec.per_page))
    cell_w, cell_h = spec.cell
    for page in range(pages):
        chunk = cards[page * spec.per_page : (page + 1) * spec.per_page]
        _cut_marks(canvas, spec)
        for i, card in enumerate(chunk):
            col, row = i % spec.cols, i // spec.cols
            x = spec.margin_x * mm + col * cell_w
            y = spec.page[1] - spec.margin_y * mm - (row + 1) * cell_h
            _card(canvas, spec, card, x, y, cell_w, cell_h, regular, bold, qr_codes)
        canvas.setFont(regular, 7)
        canvas.setFillColorRGB(*MUTED)
        # Centred under the first column, clear of the cut marks.
        canvas.drawCentredString(
            spec.margin_x * mm + cell_w / 2,
            spec.margin_y * mm / 2 - 2,
            f"Trang {page + 1}/{pages}",
        )
        canvas.showPage()
        if progress is not None:
            progress(len(chunk))
    canvas.save()
    return buffer.getvalue()


def _cut_marks(canvas: Canvas, spec: Spec) -> None:
    """Short lines in the margins where the grid's cut lines run."""
    cell_w, cell_h = spec.cell
    left, bottom = spec.margin_x * mm, spec.margin_y * mm
    right, top = spec.page[0] - left, spec.page[1] - bottom
    gap, length = 1.5 * mm, min(5 * mm, left - 2 * mm, bottom - 2 * mm)
    canvas.setStrokeColorRGB(0.2, 0.2, 0.2)
    canvas.setLineWidth(0.3)
    for c in range(spec.cols + 1):
        x = left + c * cell_w
        canvas.line(x, top + gap, x, top + gap + length)
        canvas.line(x, bottom - gap, x, bottom - gap - length)
    for r in range(spec.rows + 1):
        y = bottom + r * cell_h
        canvas.line(left - gap, y, left - gap - length, y)
        canvas.line(right + gap, y, right + gap + length, y)


def _card(
    canvas: Canvas,
    spec: Spec,
    card: CardData,
    x: float,
    y: float,
    w: float,
    h: float,
    regular: str,
    bold: str,
    qr_codes: bool,
) -> None:
    pad = 2.5 * mm if spec.cols < 3 else 1.2 * mm
    module = spec.qr_mm * mm / card.matrix.size
    block = (card.matrix.size + 2 * qr.QUIET_ZONE) * module  # code + quiet zone
    if spec.stacked:
        qx, qy_top = x + (w - block) / 2, y + h - pad
        text_x, text_w = x + pad, w - 2 * pad
        text_top = qy_top - block
    else:
        qx, qy_top = x + pad, y + h - (h - block) / 2
        text_x = qx + block + 0.5 * mm
        text_w = x + w - pad - text_x
        text_top = y + h - pad - 1 * mm
    if qr_codes:
        left, top = qx + qr.QUIET_ZONE * module, qy_top - qr.QUIET_ZONE * module
        _qr(canvas, card.matrix, left, top, module)
    # The short URL goes on the card's last line, outside the quiet zone.
    url, url_pt = short_url(card.url), max(4.5, spec.text_pt - 1)
    while url_pt > 3.5 and stringWidth(url, regular, url_pt) > text_w:
        url_pt -= 0.25
    canvas.setFillColorRGB(*MUTED)
    canvas.setFont(regular, url_pt)
    if spec.stacked:
        canvas.drawCentredString(x + w / 2, y + pad, url)
    else:
        canvas.drawString(text_x, y + pad, url)
    _text(
        canvas,
        spec,
        card,
        text_x,
        text_top,
        text_w,
        regular,
        bold,
        centred=spec.stacked,
    )


def _qr(
    canvas: Canvas, matrix: qr.Matrix, left: float, top: float, module: float
) -> None:
    """The code's dark modules, top-left corner at (left, top), as one filled path."""
    canvas.saveState()
    canvas.setFillColorRGB(0, 0, 0)
    canvas.transform(module, 0, 0, -module, left, top)
    canvas.addLiteral(qr.path_operators(matrix))
    canvas.restoreState()


def _text(
    canvas: Canvas,
    spec: Spec,
    card: CardData,
    x: float,
    top: float,
    width: float,
    regular: str,
    bold: str,
    *,
    centred: bool,
) -> None:
    size, name_size = spec.text_pt, spec.name_pt
    y = top - size

    def line(
        text: str, font: str, pt: float, color: tuple[float, float, float]
    ) -> None:
        nonlocal y
        canvas.setFont(font, pt)
        canvas.setFillColorRGB(*color)
        if centred:
            canvas.drawCentredString(x + width / 2, y, text)
        else:
            canvas.drawString(x, y, text)
        y -= pt * 1.25

    line(
        "SẢN PHẨM OCOP" if card.stars or card.certificate_note else "SẢN PHẨM",
        bold,
        size,
        STAR,
    )
    if card.stars:
        star_r = size * 0.75
        total = card.stars * star_r * 2.3
        start = x + width / 2 - total / 2 if centred else x
        for i in range(card.stars):
            _star(canvas, start + star_r + i * star_r * 2.3, y + star_r * 0.6, star_r)
        y -= star_r * 2.4
    elif card.certificate_note:
        line(card.certificate_note, regular, size, MUTED)
    name_lines = wrap(
        card.product_name, bold, name_size, width, 3 if spec.cols < 3 else 2
    )
    y -= (name_size - size) * 0.5
    for text in name_lines:
        line(text, bold, name_size, INK)
    for text in wrap(card.producer, regular, size, width, 2):
        line(text, regular, size, INK)
    for text in wrap(card.place, regular, size, width, 2):
        line(text, regular, size, MUTED)
    if card.marketplaces:
        places = "Có bán trên: " + ", ".join(card.marketplaces)
        for text in wrap(places, regular, size, width, 2):
            line(text, regular, size, INK)


def _star(canvas: Canvas, cx: float, cy: float, radius: float) -> None:
    """A filled five-pointed star centred at (cx, cy)."""
    path = canvas.beginPath()
    for k in range(10):
        r = radius if k % 2 == 0 else radius * 0.42
        angle = math.pi / 2 + k * math.pi / 5
        px, py = cx + r * math.cos(angle), cy + r * math.sin(angle)
        if k == 0:
            path.moveTo(px, py)
        else:
            path.lineTo(px, py)
    path.close()
    canvas.setFillColorRGB(*STAR)
    canvas.drawPath(path, stroke=0, fill=1)
