"""Demo photos: a plausible product shot, drawn with Pillow, for every demo product.

Each product gets three square shots (front, side, label close-up) of a jar,
bag, box or bottle chosen from its name, with the name on the label, in the
product's own colours; they go through the real upload path (sniffing,
re-encoding, content-addressed storage), the first one becoming the main
photo. Products are photographed before their onboarding starts, so the
"photos" step is recorded by the marketplace's rule, as for a team. Products
that already have photos are left alone, so loading twice changes nothing.
"""

import hashlib
import io
from collections.abc import Sequence
from pathlib import Path

import fontpkg_be_vietnam_pro
from PIL import Image, ImageDraw, ImageFilter, ImageFont
from sqlalchemy import select
from sqlalchemy.orm import Session

from ocop_tracker.photos import repository as photo_repository
from ocop_tracker.photos import service as photo_service
from ocop_tracker.photos.processing import Processed
from ocop_tracker.producers.models import Producer
from ocop_tracker.products.models import Product
from ocop_tracker.users.models import Role, User

SIDE = 1200
SHOTS = ("front", "side", "label")
_FONTS = Path(fontpkg_be_vietnam_pro.__file__).parent / "files"
_PALETTES = [
    ((246, 238, 224), (196, 120, 52), (92, 52, 24)),
    ((232, 242, 234), (46, 125, 80), (20, 70, 44)),
    ((242, 234, 240), (160, 60, 90), (90, 30, 50)),
    ((236, 240, 248), (40, 90, 160), (20, 45, 90)),
    ((248, 244, 226), (200, 160, 30), (110, 80, 10)),
]
_SHAPES = {
    "bottle": ("nước", "mắm", "rượu", "mật", "dầu", "giấm", "trà sữa"),
    "bag": ("gạo", "bột", "cà phê", "trà", "hạt", "muối", "đường"),
    "box": ("bánh", "kẹo", "hộp", "pía", "lạp", "khô"),
}


def _font(size: int, bold: bool = True) -> ImageFont.FreeTypeFont:
    name = "BeVietnamPro-SemiBold.ttf" if bold else "BeVietnamPro-Regular.ttf"
    return ImageFont.truetype(str(_FONTS / name), size)


def _shape(name: str) -> str:
    lowered = name.lower()
    for shape, words in _SHAPES.items():
        if any(w in lowered for w in words):
            return shape
    return "jar"


def _wrap(
    draw: ImageDraw.ImageDraw, text: str, font: ImageFont.FreeTypeFont, width: int
) -> list[str]:
    lines: list[str] = []
    current = ""
    for word in text.split():
        trial = f"{current} {word}".strip()
        if draw.textlength(trial, font=font) <= width or not current:
            current = trial
        else:
            lines.append(current)
            current = word
    if current:
        lines.append(current)
    return lines[:3]


def draw_shot(name: str, shot: str) -> bytes:
    """A JPEG of a product package with ``name`` on its label."""
    seed = int(hashlib.sha256(name.encode()).hexdigest()[:8], 16)
    background, main, dark = _PALETTES[seed % len(_PALETTES)]
    im = Image.new("RGB", (SIDE, SIDE), background)
    draw = ImageDraw.Draw(im)
    # A soft floor and the package's shadow.
    draw.rectangle(
        (0, int(SIDE * 0.78), SIDE, SIDE),
        fill=tuple(max(0, c - 18) for c in background),
    )
    shadow = Image.new("L", (SIDE, SIDE), 0)
    ImageDraw.Draw(shadow).ellipse((300, 880, 900, 960), fill=110)
    im.paste((60, 50, 40), mask=shadow.filter(ImageFilter.GaussianBlur(24)))
    shape = _shape(name)
    offset = {"front": 0, "side": -120, "label": 0}[shot]
    scale = 1.35 if shot == "label" else 1.0
    cx = SIDE // 2 + offset
    w = int(360 * scale)
    top, bottom = (160, 920) if shot != "label" else (40, 1080)
    if shape == "bottle":
        draw.rounded_rectangle(
            (cx - w // 2, top + 220, cx + w // 2, bottom), 60, fill=main
        )
        draw.rectangle((cx - 55, top + 40, cx + 55, top + 240), fill=main)
        draw.rectangle((cx - 65, top, cx + 65, top + 60), fill=dark)
        label = (cx - w // 2 + 20, top + 380, cx + w // 2 - 20, bottom - 120)
    elif shape == "bag":
        draw.polygon(
            [
                (cx - w // 2 - 40, bottom),
                (cx - w // 2, top + 80),
                (cx + w // 2, top + 80),
                (cx + w // 2 + 40, bottom),
            ],
            fill=main,
        )
        draw.rectangle((cx - w // 2, top + 40, cx + w // 2, top + 100), fill=dark)
        label = (cx - w // 2 + 10, top + 240, cx + w // 2 - 10, bottom - 140)
    elif shape == "box":
        draw.rectangle(
            (cx - w // 2 - 80, top + 200, cx + w // 2 + 80, bottom), fill=main
        )
        draw.polygon(
            [
                (cx - w // 2 - 80, top + 200),
                (cx - w // 2 - 20, top + 140),
                (cx + w // 2 + 140, top + 140),
                (cx + w // 2 + 80, top + 200),
            ],
            fill=dark,
        )
        label = (cx - w // 2 - 40, top + 300, cx + w // 2 + 40, bottom - 100)
    else:
        draw.rounded_rectangle(
            (cx - w // 2, top + 160, cx + w // 2, bottom), 50, fill=main
        )
        draw.rounded_rectangle(
            (cx - w // 2 + 20, top + 80, cx + w // 2 - 20, top + 180), 20, fill=dark
        )
        label = (cx - w // 2 + 25, top + 300, cx + w // 2 - 25, bottom - 120)
    draw.rounded_rectangle(label, 18, fill=(255, 253, 246), outline=dark, width=6)
    font = _font(int(46 * scale))
    lines = _wrap(draw, name, font, label[2] - label[0] - 40)
    y = label[1] + 40
    for line in lines:
        tw = draw.textlength(line, font=font)
        draw.text(((label[0] + label[2] - tw) / 2, y), line, font=font, fill=dark)
        y += int(60 * scale)
    small = _font(int(30 * scale), bold=False)
    draw.text(
        (label[0] + 30, label[3] - int(70 * scale)),
        "OCOP Sóc Trăng",
        font=small,
        fill=main,
    )
    out = io.BytesIO()
    im.save(out, "JPEG", quality=88)
    return out.getvalue()


def give_photos(
    session: Session,
    actor: User,
    product: Product,
    shots: Sequence[tuple[bytes, Processed | None]] | None = None,
) -> bool:
    """Three photos for a product that has none, through the real upload path.

    The first becomes the main photo. ``shots`` are pictures drawn (and
    processed) once to be shared by many products; by default three are drawn
    with the product's own name. Returns False when the product had photos.
    """
    if photo_repository.count_product_photos(session, product.id):
        return False
    target = photo_service.Target(product)
    for data, processed in shots or [
        (draw_shot(product.name, shot), None) for shot in SHOTS
    ]:
        photo_service.upload(
            session, actor, target, data, processed=processed, sync=False
        )
    return True


def shared_shots(name: str) -> list[tuple[bytes, Processed | None]]:
    """Three pictures labelled ``name``, drawn and processed once for many products."""
    return [
        (data, photo_service.process(data))
        for data in (draw_shot(name, shot) for shot in SHOTS)
    ]


def load(session: Session) -> list[str]:
    """Give every demo product its photos; returns lines saying what changed."""
    admin = session.scalar(
        select(User).where(User.role == Role.admin).order_by(User.id).limit(1)
    )
    if admin is None:
        return []
    products = list(
        session.scalars(
            select(Product)
            .join(Producer, Producer.id == Product.producer_id)
            .where(Producer.name.like("%(demo)%"))
            .order_by(Product.id)
        )
    )
    todo = set(
        photo_repository.products_without_photos(session, [p.id for p in products])
    )
    done = sum(
        give_photos(session, admin, product)
        for product in products
        if product.id in todo
    )
    return [f"Thêm ảnh mẫu cho {done} sản phẩm."] if done else []
