"""Photo packs: a product's photos as square JPEGs in a ZIP, sized for a marketplace."""

import io
import re
import zipfile
from dataclasses import dataclass

from sqlalchemy.orm import Session

from ocop_tracker.core.errors import InvalidInput, NotFound
from ocop_tracker.core.text import fold, normalize
from ocop_tracker.onboarding import marketplaces
from ocop_tracker.photos import processing, repository, storage
from ocop_tracker.products import views as product_views
from ocop_tracker.users.models import User

DEFAULT_PACK_SIZE = 1000


def slug(name: str) -> str:
    """An ASCII file-name slug of a product name ("Bánh pía" -> "banh-pia")."""
    folded = fold(normalize(name))
    cleaned = re.sub(r"[^a-z0-9]+", "-", folded).strip("-")
    return cleaned[:60].rstrip("-") or "san-pham"


@dataclass
class Pack:
    """A photo pack: the ZIP bytes and its file name."""

    data: bytes
    filename: str
    count: int


def photo_pack(
    session: Session, actor: User, product_id: int, marketplace: str
) -> Pack:
    """Square JPEGs on white, main photo first, named 01-<slug>.jpg…, in a ZIP."""
    product = product_views.get_product(session, actor, product_id)
    market = marketplaces.resolve(session, marketplace)
    rule = repository.rule_of(session, market.id)
    side = rule.pack_size if rule is not None else DEFAULT_PACK_SIZE
    photos = repository.product_photos(session, product.id)
    if not photos:
        raise InvalidInput(
            "Sản phẩm chưa có ảnh nào; hãy thêm ảnh trước khi tải bộ ảnh."
        )
    base = slug(product.name)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_STORED) as archive:
        for number, photo in enumerate(photos, start=1):
            try:
                data = storage.read(photo.sha256)
            except FileNotFoundError:
                storage.log.error("photos: file of photo %s is missing", photo.id)
                raise NotFound(
                    "Thiếu tệp của một ảnh trên máy chủ; hãy báo quản trị viên."
                ) from None
            info = zipfile.ZipInfo(
                f"{number:02d}-{base}.jpg", date_time=(2026, 1, 1, 0, 0, 0)
            )
            info.external_attr = 0o644 << 16
            archive.writestr(info, processing.square(data, side))
    return Pack(buffer.getvalue(), f"{base}-{market.code}.zip", len(photos))
