"""Onboarding fixtures: products in the pilot hamlets, the seeded marketplaces, actors.

Products and producers are built straight through their models (the products
service is written elsewhere); everything is committed to the test's outer
transaction so that a refused request, which rolls back, cannot take it away.
The demo data already holds listings in the pilot hamlets: tests that count
filter on their own products, or use the ``spare`` hamlet nobody else uses.
"""

import functools
import itertools
import secrets
from dataclasses import dataclass

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from ocop_tracker.areas.models import AdminUnit, Edition, Level
from ocop_tracker.core.text import fold
from ocop_tracker.onboarding.models import Marketplace
from ocop_tracker.photos import service as photo_service
from ocop_tracker.photos.processing import Processed
from ocop_tracker.producers.models import Producer, ProducerKind
from ocop_tracker.products.models import Product, ProductKind
from ocop_tracker.users import repository as user_repository
from ocop_tracker.users.models import User
from tests.factories import make_hamlet, unit
from tests.photos import corpus

_counter = itertools.count(1)
# Shaped as the seeded URL rules of each marketplace's steps ask.
VOSO_STOREFRONT = "https://voso.vn/ho-ba-sau-s3145375"
VOSO_LISTING = "https://voso.vn/banh-pia-sau-rieng-p737219.html"
POSTMART_STOREFRONT = "https://postmart.vn/shop/ho-ba-sau"
POSTMART_LISTING = "https://www.postmart.vn/p/banh-pia-sau-rieng-43160.html"
URLS = {
    "voso": (VOSO_STOREFRONT, VOSO_LISTING),
    "postmart": (POSTMART_STOREFRONT, POSTMART_LISTING),
}


def make_product(
    session: Session, hamlet: AdminUnit, name: str | None = None
) -> Product:
    """A household producer and one OCOP product of it in ``hamlet`` (flushed)."""
    n = next(_counter)
    producer_name = f"Hộ Bà Sáu {n}"
    producer = Producer(
        hamlet_id=hamlet.id,
        kind=ProducerKind.household,
        name=producer_name,
        search_key=fold(producer_name),
    )
    session.add(producer)
    session.flush()
    product_name = name or f"Bánh pía sầu riêng {n}"
    product = Product(
        producer_id=producer.id,
        hamlet_id=hamlet.id,
        name=product_name,
        kind=ProductKind.ocop,
        public_code=secrets.token_urlsafe(16),
        search_key=fold(product_name),
    )
    session.add(product)
    session.flush()
    return product


@functools.cache
def _rule_photos() -> list[tuple[bytes, Processed]]:
    """Three distinct 800×800 photos, decoded once for the whole run."""
    datas = [corpus.plain_jpeg(800, 800, seed=900 + n) for n in range(3)]
    return [(data, photo_service.process(data)) for data in datas]


def meet_photo_rule(session: Session, who: User, product: Product) -> None:
    """Give the product three photos ≥ 800 px (the first is main), through the
    real upload path: every listing's "photos" step records itself."""
    target = photo_service.Target(product)
    for data, processed in _rule_photos():
        photo_service.upload(session, who, target, data, processed=processed)
    photo_service.sync_steps(session, who, product)


def actor(session: Session, login: str) -> User:
    """A demo account by login."""
    user = user_repository.by_login(session, login)
    assert user is not None, login
    return user


def marketplace(session: Session, code: str) -> Marketplace:
    """A seeded marketplace by code."""
    market = session.scalar(select(Marketplace).where(Marketplace.code == code))
    assert market is not None, code
    return market


@dataclass
class Pilot:
    """Products in and out of Phường 5, and the seeded marketplaces."""

    khom3: AdminUnit
    anthuong: AdminUnit
    product: Product  # Khóm 3 (Phường 5, TP Sóc Trăng)
    other_product: Product  # Khóm 3, a second one
    foreign_product: Product  # Ấp An Thường (Xã An Thạnh 1, Cù Lao Dung)
    voso: Marketplace
    postmart: Marketplace


@pytest.fixture
def pilot(session: Session) -> Pilot:
    """Three products and the two marketplaces, committed to the test transaction."""
    khom3 = unit(session, "Khóm 3", edition=Edition.e2022, level=Level.hamlet)
    anthuong = unit(session, "Ấp An Thường", edition=Edition.e2022, level=Level.hamlet)
    world = Pilot(
        khom3=khom3,
        anthuong=anthuong,
        product=make_product(session, khom3, "Bánh pía sầu riêng trứng muối"),
        other_product=make_product(session, khom3, "Lạp xưởng tươi"),
        foreign_product=make_product(session, anthuong, "Hành tím"),
        voso=marketplace(session, "voso"),
        postmart=marketplace(session, "postmart"),
    )
    session.commit()
    return world


@dataclass
class Spare:
    """A fresh hamlet under Phường 5 with two products and no listing yet."""

    hamlet: AdminUnit
    first: Product  # "Bánh pía …"
    second: Product  # "Mắm …", after it by name


@pytest.fixture
def spare(session: Session, pilot: Pilot) -> Spare:
    """A hamlet of its own, so lists and counts see only the test's listings."""
    assert pilot.khom3.parent_id is not None
    commune = session.get(AdminUnit, pilot.khom3.parent_id)
    assert commune is not None
    hamlet = make_hamlet(session, commune)
    world = Spare(
        hamlet=hamlet,
        first=make_product(session, hamlet, "Bánh pía kim sa"),
        second=make_product(session, hamlet, "Mắm cá lóc"),
    )
    session.commit()
    return world
