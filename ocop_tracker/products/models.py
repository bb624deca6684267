"""Products, the OCOP groups they belong to, and their certificates."""

import datetime as dt
from decimal import Decimal
from enum import StrEnum

from sqlalchemy import (
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Numeric,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from ocop_tracker.areas.models import unit_ref
from ocop_tracker.audit.models import Audited
from ocop_tracker.core.base import (
    Base,
    IdMixin,
    NameKeyMixin,
    TimestampMixin,
    VersionedMixin,
    str_enum,
)


class ProductKind(StrEnum):
    """OCOP products count toward the target; the others are a secondary figure."""

    ocop = "ocop"
    agricultural = "agricultural"
    specialty = "specialty"  # đặc sản địa phương


class CertLevel(StrEnum):
    """Who recognised the stars."""

    district = "district"
    province = "province"
    central = "central"


class OcopGroup(IdMixin, Audited, Base):
    """One of the six OCOP product groups (Decision 919/QĐ-TTg), editable."""

    __tablename__ = "ocop_groups"

    code: Mapped[str] = mapped_column(String(20), unique=True)
    name: Mapped[str] = mapped_column(String(200))


class OcopSubgroup(IdMixin, Audited, Base):
    """A subgroup of an OCOP group; subgroups change, so they are data."""

    __tablename__ = "ocop_subgroups"

    group_id: Mapped[int] = mapped_column(
        ForeignKey("ocop_groups.id", ondelete="RESTRICT"), index=True
    )
    name: Mapped[str] = mapped_column(String(200))

    __table_args__ = (UniqueConstraint("group_id", "name"),)


class Product(VersionedMixin, IdMixin, TimestampMixin, NameKeyMixin, Audited, Base):
    """A product of a producer, with the public code its QR card carries."""

    __tablename__ = "products"

    # Found by its producer through ``uq_products_producer_id_name``, led by
    # it: an index of its own cost every insert and answered nothing more.
    producer_id: Mapped[int] = mapped_column(
        ForeignKey("producers.id", ondelete="RESTRICT")
    )
    # The producer's hamlet, kept on the row so scope checks need no join;
    # indexed with the folded name (``ix_products_hamlet_key``, below).
    hamlet_id: Mapped[int] = unit_ref()
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[ProductKind] = mapped_column(str_enum(ProductKind, 20))
    group_id: Mapped[int | None] = mapped_column(
        ForeignKey("ocop_groups.id", ondelete="RESTRICT")
    )
    subgroup_id: Mapped[int | None] = mapped_column(
        ForeignKey("ocop_subgroups.id", ondelete="RESTRICT")
    )
    unit: Mapped[str | None] = mapped_column(String(40))
    price: Mapped[Decimal | None] = mapped_column(Numeric(14, 0))
    description: Mapped[str | None] = mapped_column(String(2000))
    gtin: Mapped[str | None] = mapped_column(String(14), unique=True)
    # Random, URL-safe, ≥ 128 bits; never derived from the id (SECURITY.md T31).
    public_code: Mapped[str] = mapped_column(String(32), unique=True)
    search_key: Mapped[str] = mapped_column(String(400))

    __table_args__ = (
        UniqueConstraint("producer_id", "name"),
        Index("ix_products_producer_name_key", "producer_id", "name_key"),
        # A list of an area's products is ordered, counted and searched from
        # this index alone, then reads the rows of its page (``page_by_ids``).
        Index("ix_products_hamlet_key", "hamlet_id", "search_key", "id"),
        CheckConstraint("price IS NULL OR price >= 0", name="price_not_negative"),
    )


class Certificate(VersionedMixin, IdMixin, TimestampMixin, Audited, Base):
    """An OCOP recognition decision: stars, score, decision, expiry, revocation."""

    __tablename__ = "certificates"

    # Indexed with the decision's day (below): a product's newest certificate
    # is read from the index, for every product a filtered list holds.
    product_id: Mapped[int] = mapped_column(
        ForeignKey("products.id", ondelete="RESTRICT")
    )
    hamlet_id: Mapped[int] = unit_ref(index=True)
    stars: Mapped[int]
    score: Mapped[int | None]
    decision_number: Mapped[str] = mapped_column(String(60))
    decision_date: Mapped[dt.date] = mapped_column(Date)
    authority: Mapped[str] = mapped_column(String(200))
    level: Mapped[CertLevel] = mapped_column(str_enum(CertLevel, 10))
    # Decision date + 36 months unless the decision says otherwise.
    expires_on: Mapped[dt.date] = mapped_column(Date)
    revoked_on: Mapped[dt.date | None] = mapped_column(Date)
    revoke_reason: Mapped[str | None] = mapped_column(String(300))

    __table_args__ = (
        # A product's newest certificate is found and judged (expiry,
        # revocation, stars) in the index, with no read of its row.
        Index(
            "ix_certificates_product_standing",
            "product_id",
            "decision_date",
            "id",
            "expires_on",
            "revoked_on",
            "stars",
        ),
        UniqueConstraint("product_id", "decision_number"),
        CheckConstraint("stars BETWEEN 3 AND 5", name="stars_ocop"),
        CheckConstraint("score IS NULL OR score BETWEEN 0 AND 100", name="score_range"),
    )
