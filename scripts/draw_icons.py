"""Draws the installable app's icons (static/img/icon-*.png) with Pillow.

The favicon's gold star on the brand green, above a white product card with a
QR corner — what a team member prints and a customer scans. Run after changing
the drawing: ``python scripts/draw_icons.py``; the PNGs are committed.
"""

import math
from pathlib import Path

from PIL import Image, ImageDraw

GREEN = (11, 110, 79)
GOLD = (242, 169, 0)
WHITE = (255, 255, 255)
OUT = Path(__file__).resolve().parent.parent / "static" / "img"


def star(cx: float, cy: float, outer: float) -> list[tuple[float, float]]:
    inner = outer * 0.45
    points = []
    for i in range(10):
        radius = outer if i % 2 == 0 else inner
        angle = -math.pi / 2 + i * math.pi / 5
        points.append((cx + radius * math.cos(angle), cy + radius * math.sin(angle)))
    return points


def draw(size: int, *, maskable: bool) -> Image.Image:
    scale = 4  # drawn large, then reduced: smooth edges without anti-aliasing
    big = size * scale
    image = Image.new(
        "RGB" if maskable else "RGBA", (big, big), GREEN if maskable else (0, 0, 0, 0)
    )
    pen = ImageDraw.Draw(image)
    if not maskable:
        pen.rounded_rectangle((0, 0, big - 1, big - 1), radius=big * 0.18, fill=GREEN)
    # A maskable icon's content stays inside the middle 80 % (its safe zone).
    unit = big * (0.8 if maskable else 1.0)
    left = (big - unit) / 2
    pen.polygon(star(big / 2, left + unit * 0.36, unit * 0.25), fill=GOLD)
    card = (
        left + unit * 0.2,
        left + unit * 0.66,
        left + unit * 0.8,
        left + unit * 0.86,
    )
    pen.rounded_rectangle(card, radius=unit * 0.04, fill=WHITE)
    cell = unit * 0.045
    x0, y0 = card[0] + unit * 0.04, card[1] + unit * 0.035
    for dx, dy in ((0, 0), (2, 0), (0, 2), (1, 1), (2, 2)):
        pen.rectangle(
            (
                x0 + dx * cell,
                y0 + dy * cell,
                x0 + (dx + 1) * cell,
                y0 + (dy + 1) * cell,
            ),
            fill=GREEN,
        )
    for row in range(2):
        y = y0 + cell * (0.5 + row * 1.6)
        pen.rounded_rectangle(
            (x0 + cell * 4, y, card[2] - unit * 0.05, y + cell * 0.9),
            radius=cell * 0.4,
            fill=(190, 205, 196),
        )
    return image.resize((size, size), Image.Resampling.LANCZOS)


def main() -> None:
    for size in (192, 512):
        draw(size, maskable=False).save(OUT / f"icon-{size}.png", optimize=True)
    draw(512, maskable=True).save(OUT / "icon-maskable-512.png", optimize=True)


if __name__ == "__main__":
    main()
