"""Models of public: scans of the public page per product per day, each
product's QR matrix made once and kept, the changes that public pages are
forgotten by, and the requests per address every worker counts toward one limit."""

import datetime as dt

from sqlalchemy import Date, ForeignKey, Index, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from ocop_tracker.core.base import Base, utcnow


class ProductScanDay(Base):
    """How many times a product's public page was opened on one day (Vietnam time).

    Aggregates only: no address, no cookie, no user agent (SECURITY.md T32).
    """

    __tablename__ = "product_scan_days"

    product_id: Mapped[int] = mapped_column(
        ForeignKey("products.id", ondelete="CASCADE"), primary_key=True
    )
    day: Mapped[dt.date] = mapped_column(Date, primary_key=True)
    count: Mapped[int] = mapped_column(default=0)


class QrMatrix(Base):
    """A product's QR code as a packed 1-bit matrix, computed once and kept.

    Choosing the mask costs most of a QR code's time (PERFORMANCE.md); a product's
    URL never changes while its public code and the base URL stay, so the matrix
    is made once. ``payload`` is the encoded URL: a different one (new base URL or
    rotated code) means the row is stale and is made again.
    """

    __tablename__ = "qr_matrices"

    product_id: Mapped[int] = mapped_column(
        ForeignKey("products.id", ondelete="CASCADE"), primary_key=True
    )
    payload: Mapped[str] = mapped_column(String(300))
    # Modules per side, quiet zone excluded.
    size: Mapped[int]
    # Row-major bits, each row padded to whole bytes (numpy.packbits order).
    bits: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class PageChange(Base):
    """A committed change to what public pages show (``public/changes.py``):
    a product's, a producer's, or, with neither, every page. Kept an hour.

    No foreign keys: the change of a deleted product must stay to be read.
    Ids only grow, on SQLite too (AUTOINCREMENT): the watchers read above a floor.
    """

    __tablename__ = "page_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    product_id: Mapped[int | None]
    producer_id: Mapped[int | None]

    __table_args__ = (
        Index("ix_page_changes_at", "at"),
        {"sqlite_autoincrement": True},
    )


class PublicHits(Base):
    """Requests to the public pages per client address per clock minute, added by
    every worker and server (``hotpath.RateLimiter.share``), so they enforce one
    limit between them. Kept two minutes.
    """

    __tablename__ = "public_hits"

    address: Mapped[str] = mapped_column(String(64), primary_key=True)
    # Unix time // 60.
    minute: Mapped[int] = mapped_column(primary_key=True)
    hits: Mapped[int] = mapped_column(default=0)
