"""Public-page fixtures: products with certificates, listings and consents, built
through the models and committed to the test's outer transaction (a refused
request rolls back only its own work)."""

import datetime as dt
import itertools
import secrets
from collections.abc import Iterator

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from ocop_tracker.areas.models import AdminUnit, Edition, Level
from ocop_tracker.core.base import utcnow
from ocop_tracker.core.text import fold
from ocop_tracker.onboarding.models import Listing, ListingStatus, Marketplace
from ocop_tracker.producers.models import Consent, ConsentField, Producer, ProducerKind
from ocop_tracker.products.models import Certificate, CertLevel, Product, ProductKind
from ocop_tracker.public import hotpath
from tests.factories import unit

_counter = itertools.count(1)
PHONE = "+84912000123"


@pytest.fixture(autouse=True)
def fresh_hotpath() -> Iterator[None]:
    """Each test starts with an empty page cache, scan batch and rate limit."""
    hotpath.pages.purge()
    hotpath.scans.take()
    hotpath.limiter.reset()
    yield
    hotpath.pages.purge()
    hotpath.scans.take()
    hotpath.limiter.reset()


def khom3(session: Session) -> AdminUnit:
    """The pilot hamlet Khóm 3 (Phường Sóc Trăng, Cần Thơ; Phường 5 before 1/7/2025)."""
    return unit(session, "Khóm 3", edition=Edition.e2025, level=Level.hamlet)


def an_thuong(session: Session) -> AdminUnit:
    """The pilot hamlet Ấp An Thường (outside Khóm 3's officials' area)."""
    return unit(session, "Ấp An Thường", edition=Edition.e2025, level=Level.hamlet)


def make_producer(
    session: Session,
    hamlet: AdminUnit,
    *,
    kind: ProducerKind = ProducerKind.household,
    name: str | None = None,
) -> Producer:
    """A producer with a canary phone (flushed)."""
    n = next(_counter)
    producer_name = name or f"Hộ Bà Tư Công Khai {n}"
    producer = Producer(
        hamlet_id=hamlet.id,
        kind=kind,
        name=producer_name,
        representative=f"Nguyễn Thị Đại Diện {n}",
        phone=PHONE,
        tax_code="0312345678",
        search_key=fold(producer_name),
    )
    session.add(producer)
    session.flush()
    return producer


def make_product(
    session: Session,
    producer: Producer,
    *,
    name: str | None = None,
    stars: int | None = 4,
    decision_date: dt.date | None = None,
    expires_on: dt.date | None = None,
    revoked_on: dt.date | None = None,
    gtin: str | None = None,
) -> Product:
    """An OCOP product of ``producer``, with a certificate unless ``stars`` is None."""
    n = next(_counter)
    product_name = name or f"Bánh pía sầu riêng trứng muối {n}"
    product = Product(
        producer_id=producer.id,
        hamlet_id=producer.hamlet_id,
        name=product_name,
        kind=ProductKind.ocop,
        description="Bánh pía nhân sầu riêng, trứng muối; làm thủ công.",
        gtin=gtin,
        public_code=secrets.token_urlsafe(16),
        search_key=fold(product_name),
    )
    session.add(product)
    session.flush()
    if stars is not None:
        decided = decision_date or dt.date.today() - dt.timedelta(days=200)
        session.add(
            Certificate(
                product_id=product.id,
                hamlet_id=producer.hamlet_id,
                stars=stars,
                score=75 if stars == 4 else None,
                decision_number=f"{1300 + n}/QĐ-UBND",
                decision_date=decided,
                authority="UBND tỉnh Sóc Trăng",
                level=CertLevel.province,
                expires_on=expires_on or decided + dt.timedelta(days=1090),
                revoked_on=revoked_on,
            )
        )
        session.flush()
    return product


def list_on(
    session: Session,
    product: Product,
    code: str,
    *,
    status: ListingStatus = ListingStatus.listed,
    url: str | None = None,
) -> Listing:
    """A listing of ``product`` on the seeded marketplace ``code``."""
    market = session.scalar(select(Marketplace).where(Marketplace.code == code))
    assert market is not None, code
    listing = Listing(
        product_id=product.id,
        marketplace_id=market.id,
        hamlet_id=product.hamlet_id,
        status=status,
        listing_url=url or f"https://{market.domain}/san-pham/{product.public_code}",
        verified_at=utcnow() if status is ListingStatus.listed else None,
    )
    session.add(listing)
    session.flush()
    return listing


def consent(
    session: Session, producer: Producer, field: ConsentField, granted: bool
) -> None:
    """Record a consent given or withdrawn (the newest row counts)."""
    session.add(
        Consent(
            producer_id=producer.id,
            hamlet_id=producer.hamlet_id,
            field=field,
            granted=granted,
            recorded_at=utcnow(),
            note="Phiếu đồng ý có chữ ký" if granted else None,
        )
    )
    session.flush()
