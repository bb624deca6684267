"""Product photos, the photo rules of each marketplace, and upload idempotency keys."""

import datetime as dt
from enum import StrEnum

from sqlalchemy import CheckConstraint, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ocop_tracker.audit.models import Audited
from ocop_tracker.core.base import Base, IdMixin, TimestampMixin, str_enum, utcnow


class PhotoKind(StrEnum):
    """A photo of the product itself, or evidence for one step of a listing."""

    product = "product"
    evidence = "evidence"


class Photo(IdMixin, TimestampMixin, Audited, Base):
    """One stored photo: the re-encoded full rendition and its thumbnail.

    Files are content-addressed (``sha256`` of each stored rendition); the
    uploaded original is never kept, only ``source_sha256`` to spot a retry.
    """

    __tablename__ = "photos"

    product_id: Mapped[int] = mapped_column(
        ForeignKey("products.id", ondelete="RESTRICT"), index=True
    )
    # The product's hamlet, copied so scope checks need no join.
    hamlet_id: Mapped[int] = mapped_column(
        ForeignKey("admin_units.id", ondelete="RESTRICT"), index=True
    )
    kind: Mapped[PhotoKind] = mapped_column(str_enum(PhotoKind, 10))
    listing_id: Mapped[int | None] = mapped_column(
        ForeignKey("listings.id", ondelete="CASCADE"), index=True
    )
    step_code: Mapped[str | None] = mapped_column(String(30))
    position: Mapped[int]
    is_main: Mapped[bool] = mapped_column(default=False)
    # Shown on the public product page (on by default for product photos only).
    is_public: Mapped[bool] = mapped_column(default=True)
    content_type: Mapped[str] = mapped_column(String(30))
    source_format: Mapped[str] = mapped_column(String(10))
    source_sha256: Mapped[str] = mapped_column(String(64))
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    width: Mapped[int]
    height: Mapped[int]
    size_bytes: Mapped[int]
    thumb_sha256: Mapped[str] = mapped_column(String(64), index=True)
    thumb_width: Mapped[int]
    thumb_height: Mapped[int]
    thumb_size_bytes: Mapped[int]
    uploaded_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )

    __table_args__ = (
        UniqueConstraint("product_id", "source_sha256"),
        CheckConstraint(
            "(kind = 'evidence') = (listing_id IS NOT NULL AND step_code IS NOT NULL)",
            name="evidence_has_step",
        ),
        CheckConstraint("width > 0 AND height > 0", name="size_positive"),
    )


class PhotoRule(IdMixin, TimestampMixin, Audited, Base):
    """What a marketplace asks of a product's photos (data, editable by an admin)."""

    __tablename__ = "photo_rules"

    marketplace_id: Mapped[int] = mapped_column(
        ForeignKey("marketplaces.id", ondelete="CASCADE"), unique=True
    )
    min_count: Mapped[int]
    min_width: Mapped[int]
    min_height: Mapped[int]
    require_main: Mapped[bool] = mapped_column(default=True)
    # Side of the square images of the photo pack, in pixels.
    pack_size: Mapped[int] = mapped_column(default=1000)

    __table_args__ = (
        CheckConstraint("min_count BETWEEN 1 AND 12", name="min_count_range"),
        CheckConstraint(
            "min_width BETWEEN 1 AND 2048 AND min_height BETWEEN 1 AND 2048",
            name="min_size_range",
        ),
        CheckConstraint("pack_size BETWEEN 200 AND 2048", name="pack_size_range"),
    )


class PhotoUploadKey(IdMixin, Base):
    """An ``Idempotency-Key`` a user sent with an upload, and what it answered."""

    __tablename__ = "photo_upload_keys"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(100))
    product_id: Mapped[int] = mapped_column(
        ForeignKey("products.id", ondelete="CASCADE")
    )
    source_sha256: Mapped[str] = mapped_column(String(64))
    photo_id: Mapped[int | None] = mapped_column(
        ForeignKey("photos.id", ondelete="SET NULL")
    )
    status_code: Mapped[int]
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow, index=True)

    __table_args__ = (UniqueConstraint("user_id", "key"),)
