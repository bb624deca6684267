"""Server-rendered SVG charts for the dashboard: no script, no inline style.

Each function returns markup whose text is escaped; bars can carry links
(drill-down). Sizes live in the viewBox so the chart scales to the screen.
"""

from collections.abc import Sequence

from markupsafe import Markup, escape

from ocop_tracker.reports.schemas import ChildLine, Ratio, TrendPoint

BAR = "#1f7a4d"
TRACK = "#e3ece6"
GOAL = "#b0b0b0"
TEXT = "#1d2b24"
MUTED = "#5b6b62"


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{value:.1f}%".replace(".", ",")


def coverage_bars(lines: Sequence[ChildLine], link: str, limit: int = 40) -> Markup:
    """One horizontal bar per child area: share of valid OCOP products listed."""
    rows = list(lines)[:limit]
    if not rows:
        return Markup("")
    # Each row is a link (so the chart is a group, not an image: an image's
    # content cannot be tapped), hit anywhere by the transparent rectangle
    # behind it: 50 units, still 44 CSS px on a 360 px phone (about 328 px wide).
    row_h, top = 50, 2
    height = top + row_h * len(rows)
    parts = [
        f'<svg class="chart bars" viewBox="0 0 360 {height}" role="group" '
        f'aria-label="Tỷ lệ lên sàn theo đơn vị trực thuộc" '
        f'xmlns="http://www.w3.org/2000/svg">'
    ]
    for i, ln in enumerate(rows):
        y = top + i * row_h
        width = 0.0 if ln.percent is None else 2.2 * ln.percent
        label = escape(ln.label)
        parts.append(
            f'<a href="{escape(link)}{ln.area_id}">'
            f'<rect x="0" y="{y}" width="360" height="{row_h}" fill="transparent"/>'
            f'<text x="0" y="{y + 20}" font-size="13" fill="{TEXT}">{label}</text>'
            f'<rect x="0" y="{y + 26}" width="220" height="10" rx="3" fill="{TRACK}"/>'
            f'<rect x="0" y="{y + 26}" width="{width:.1f}" height="10" rx="3" fill="{BAR}"/>'
            f'<text x="226" y="{y + 36}" font-size="12" fill="{TEXT}">'
            f"{_pct(ln.percent)} ({ln.listed}/{ln.total})</text></a>"
        )
    parts.append("</svg>")
    return Markup("".join(parts))


def trend_line(points: Sequence[TrendPoint]) -> Markup:
    """Coverage at the end of each month, with the 100% goal as a dashed line."""
    pts = list(points)[-36:]
    if not pts:
        return Markup("")
    left, right, top, bottom = 34, 352, 10, 170
    width = right - left
    n = max(1, len(pts) - 1)

    def xy(i: int, value: float | None) -> tuple[float, float]:
        v = value or 0.0
        return left + width * i / n, bottom - (bottom - top) * v / 100.0

    path = " ".join(
        f"{'M' if i == 0 else 'L'}{x:.1f},{y:.1f}"
        for i, (x, y) in enumerate(xy(i, p.percent) for i, p in enumerate(pts))
    )
    parts = [
        '<svg class="chart trend" viewBox="0 0 360 200" role="img" '
        'aria-label="Tỷ lệ lên sàn cuối mỗi tháng, mục tiêu 100%" '
        'xmlns="http://www.w3.org/2000/svg">'
    ]
    for v in (0, 50, 100):
        _, y = xy(0, v)
        parts.append(
            f'<line x1="{left}" y1="{y:.1f}" x2="{right}" y2="{y:.1f}" stroke="{TRACK}"/>'
            f'<text x="0" y="{y + 4:.1f}" font-size="12" fill="{MUTED}">{v}%</text>'
        )
    _, goal = xy(0, 100)
    parts.append(
        f'<line x1="{left}" y1="{goal:.1f}" x2="{right}" y2="{goal:.1f}" stroke="{GOAL}" '
        'stroke-dasharray="6 4"/>'
    )
    parts.append(f'<path d="{path}" fill="none" stroke="{BAR}" stroke-width="3"/>')
    step = max(1, len(pts) // 4)
    for i, p in enumerate(pts):
        x, y = xy(i, p.percent)
        parts.append(
            f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3.5" fill="{BAR}">'
            f"<title>{p.day:%m/%Y}: {_pct(p.percent)} ({p.listed}/{p.total})</title></circle>"
        )
        last = i == len(pts) - 1
        if (i % step == 0 and len(pts) - 1 - i >= step / 2) or last:
            anchor = "end" if last else ("start" if i == 0 else "middle")
            parts.append(
                f'<text x="{x:.1f}" y="192" font-size="12" fill="{MUTED}" '
                f'text-anchor="{anchor}">{p.day:%m/%y}</text>'
            )
    parts.append("</svg>")
    return Markup("".join(parts))


def funnel(steps: Sequence[Ratio]) -> Markup:
    """The onboarding funnel: how many valid OCOP products passed each step."""
    rows = list(steps)
    if not rows:
        return Markup("")
    row_h = 40
    height = row_h * len(rows) + 4
    parts = [
        f'<svg class="chart funnel" viewBox="0 0 360 {height}" role="img" '
        'aria-label="Các bước đưa sản phẩm lên sàn" xmlns="http://www.w3.org/2000/svg">'
    ]
    for i, r in enumerate(rows):
        y = i * row_h + 2
        share = 0.0 if r.percent is None else r.percent / 100.0
        w = 300 * share
        x = (300 - w) / 2
        parts.append(
            f'<text x="0" y="{y + 12}" font-size="12" fill="{TEXT}">{escape(r.label[:48])}</text>'
            f'<rect x="0" y="{y + 17}" width="300" height="16" rx="3" fill="{TRACK}"/>'
            f'<rect x="{x:.1f}" y="{y + 17}" width="{w:.1f}" height="16" rx="3" fill="{BAR}"/>'
            f'<text x="306" y="{y + 30}" font-size="12" fill="{TEXT}">{r.count}</text>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))
