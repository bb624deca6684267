"""The month's results for the team's Zalo group: a short text and a square image.

Pure renderers: a ``ZaloSummary`` in, text or PNG bytes out, no database. Both
draw the same ``figures()``, so what the text says and what the image shows
cannot drift apart. The text stays under ``MAX_TEXT`` characters (Zalo folds
longer messages); the image is 1080×1080 (Zalo's square post), in Be Vietnam
Pro at sizes a phone reads without zooming.
"""

import datetime as dt
import io
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING

from PIL import Image, ImageDraw, ImageFont

from ocop_tracker.cards import fonts
from ocop_tracker.core.templating import vi_number
from ocop_tracker.core.text import wrap_words

if TYPE_CHECKING:
    from ocop_tracker.reports.service import MonthlyReport

MAX_TEXT = 1000
SIDE = 1080
GREEN = (22, 101, 52)
INK = (17, 24, 39)
MUTED = (75, 85, 99)
PALE = (240, 253, 244)


@dataclass(frozen=True)
class ZaloSummary:
    """The month's headline figures of one area (from the monthly report)."""

    group: str | None  # the plan's group name, e.g. CNCD_KeSach_SocTrang
    area: str
    month: dt.date  # first day
    as_of: dt.date
    complete: bool
    ocop_listed: int
    ocop_total: int
    ocop_percent: float | None
    both: int
    by_marketplace: list[tuple[str, int]]  # (voso.vn, products live there)
    households_shop_paying: int
    households: int
    households_percent: float | None
    active_shops: int
    orders: int
    revenue_vnd: int
    expiring: int


@dataclass(frozen=True)
class Figure:
    """One line of the summary: what is counted and its value."""

    label: str
    value: str


def percent(value: float | None) -> str:
    """75,0% (a comma, as Vietnamese writes it), or — when there is no whole."""
    return "—" if value is None else f"{value:.1f}%".replace(".", ",")


def month_words(month: dt.date) -> str:
    """tháng 11/2026."""
    return f"tháng {month:%m/%Y}"


def figures(s: ZaloSummary) -> list[Figure]:
    """The summary's figures, most important first."""
    out = [
        Figure(
            "Sản phẩm OCOP đã lên sàn",
            f"{vi_number(s.ocop_listed)}/{vi_number(s.ocop_total)} ({percent(s.ocop_percent)})",
        ),
        Figure("Có mặt trên cả hai sàn", vi_number(s.both)),
    ]
    out += [Figure(f"Trên {domain}", vi_number(n)) for domain, n in s.by_marketplace]
    out += [
        Figure(
            "Hộ có gian hàng và tài khoản thanh toán điện tử",
            f"{vi_number(s.households_shop_paying)}/{vi_number(s.households)} "
            f"({percent(s.households_percent)})",
        ),
        Figure(
            f"Đơn hàng {month_words(s.month)}",
            f"{vi_number(s.orders)} đơn, {vi_number(s.revenue_vnd)} đ "
            f"({vi_number(s.active_shops)} gian hàng có đơn)",
        ),
        Figure("Giấy chứng nhận hết hạn trong 90 ngày", vi_number(s.expiring)),
    ]
    return out


def _as_of_words(s: ZaloSummary) -> str:
    if s.complete:
        return f"Số liệu đến hết ngày {s.as_of:%d/%m/%Y}."
    return f"Tháng chưa hết: số liệu đến ngày {s.as_of:%d/%m/%Y}."


def text(s: ZaloSummary) -> str:
    """The message to paste in the group (at most ``MAX_TEXT`` characters)."""
    head = f"Kết quả {month_words(s.month)} · {s.area}"
    if s.group:
        head = f"[{s.group}] {head}"
    lines = [head, *(f"• {f.label}: {f.value}" for f in figures(s)), _as_of_words(s)]
    lines.append("Báo cáo đầy đủ: tải PDF ở trang Tiến độ.")
    message = "\n".join(lines)
    while len(message) > MAX_TEXT and len(lines) > 3:
        del lines[-3]  # the least important figure goes first, never the head
        message = "\n".join(lines)
    return message[:MAX_TEXT]


@cache
def _font(bold: bool, size: int) -> ImageFont.FreeTypeFont:
    name = fonts.BOLD if bold else fonts.REGULAR
    return ImageFont.truetype(str(fonts.font_path(name)), size)


def _wrap(
    draw: ImageDraw.ImageDraw, words: str, font: ImageFont.FreeTypeFont, width: int
) -> list[str]:
    return wrap_words(words, lambda line: draw.textlength(line, font=font) > width)


def image(s: ZaloSummary) -> bytes:
    """The square image to post in the group (PNG, 1080×1080)."""
    canvas = Image.new("RGB", (SIDE, SIDE), "white")
    draw = ImageDraw.Draw(canvas)
    margin = 64
    width = SIDE - 2 * margin
    draw.rectangle((0, 0, SIDE, 266), fill=GREEN)
    y = 56
    draw.text(
        (margin, y),
        f"Kết quả {month_words(s.month)}",
        font=_font(True, 60),
        fill="white",
    )
    y += 88
    for line in _wrap(draw, s.area, _font(False, 44), width)[:2]:
        draw.text((margin, y), line, font=_font(False, 44), fill="white")
        y += 52
    y = 296
    draw.text((margin, y), percent(s.ocop_percent), font=_font(True, 120), fill=GREEN)
    y += 150
    draw.text(
        (margin, y),
        f"sản phẩm OCOP đã lên sàn ({vi_number(s.ocop_listed)}/{vi_number(s.ocop_total)})",
        font=_font(False, 40),
        fill=INK,
    )
    y += 80
    for figure in figures(s)[1:]:
        label = _wrap(draw, figure.label, _font(False, 34), width - 260)
        draw.text((margin, y), label[0], font=_font(False, 34), fill=MUTED)
        value = figure.value.split(" (")[0]
        right = SIDE - margin - draw.textlength(value, font=_font(True, 40))
        draw.text((right, y - 4), value, font=_font(True, 40), fill=INK)
        y += 48
        for more in label[1:]:
            draw.text((margin, y), more, font=_font(False, 34), fill=MUTED)
            y += 44
        y += 18
    draw.rectangle((0, SIDE - 120, SIDE, SIDE), fill=PALE)
    foot = s.group or "OCOP lên sàn"
    draw.text((margin, SIDE - 100), foot, font=_font(True, 34), fill=GREEN)
    draw.text((margin, SIDE - 56), _as_of_words(s), font=_font(False, 28), fill=MUTED)
    out = io.BytesIO()
    canvas.save(out, format="PNG", optimize=True)
    return out.getvalue()


def summary_of(report: "MonthlyReport", group: str | None) -> ZaloSummary:
    """The summary of a monthly report (its figures as of the month's last day)."""
    cov = report.coverage
    month = next((m for m in cov.activity if m.month == report.month), None)
    sellers = cov.sellers
    return ZaloSummary(
        group=group,
        area=report.area.name,
        month=report.month,
        as_of=report.as_of,
        complete=report.complete,
        ocop_listed=cov.ocop.listed,
        ocop_total=cov.ocop.total,
        ocop_percent=cov.ocop.percent,
        both=cov.ocop.both,
        by_marketplace=[(m.label, m.count) for m in cov.ocop.by_marketplace],
        households_shop_paying=sellers.households_shop_paying,
        households=sellers.households,
        households_percent=sellers.households_shop_paying_percent,
        active_shops=month.active_shops if month else 0,
        orders=month.orders if month else 0,
        revenue_vnd=month.revenue_vnd if month else 0,
        expiring=cov.ocop.expiring,
    )
