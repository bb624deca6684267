"""Onboarding fixtures: products in the pilot hamlets, the seeded marketplaces, actors.

Producers and products come from ``tests.factories`` (through their services);
everything is committed to the test's outer transaction so that a refused
request, which rolls back, cannot take it away.
The demo data already holds listings in the pilot hamlets: tests that count
filter on their own products, or use the ``spare`` hamlet nobody else uses.
"""

from dataclasses import dataclass

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from ocop_tracker.areas.models import AdminUnit, Edition, Level
from ocop_tracker.onboarding.models import Marketplace
from ocop_tracker.products.models import Product
from ocop_tracker.users import repository as user_repository
from ocop_tracker.users.models import User
from tests.factories import (
    make_hamlet,
    make_producer,
    make_product,
    make_seller_account,
    unit,
)

# Shaped as the seeded URL rules of each marketplace's steps ask.
VOSO_STOREFRONT = "https://voso.vn/ho-ba-sau-s3145375"
VOSO_LISTING = "https://voso.vn/banh-pia-sau-rieng-p737219.html"
POSTMART_STOREFRONT = "https://postmart.vn/shop/ho-ba-sau"
POSTMART_LISTING = "https://www.postmart.vn/p/banh-pia-sau-rieng-43160.html"
# A link to a signed quality commitment (a step asking for a document).
DOCUMENT = "https://drive.example.vn/cam-ket-chat-luong.pdf"
URLS = {
    "voso": (VOSO_STOREFRONT, VOSO_LISTING),
    "postmart": (POSTMART_STOREFRONT, POSTMART_LISTING),
}


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
    """Products in and out of Phường Sóc Trăng, and the seeded marketplaces."""

    khom3: AdminUnit
    anthuong: AdminUnit
    product: Product  # Khóm 3 (Phường Sóc Trăng, Cần Thơ)
    other_product: Product  # Khóm 3, a second one
    foreign_product: Product  # Ấp An Thường (Xã An Thạnh, Cần Thơ)
    voso: Marketplace
    postmart: Marketplace


@pytest.fixture
def pilot(session: Session) -> Pilot:
    """Three products and the two marketplaces, committed to the test transaction.

    Their producers' shops are open on both marketplaces (verified), so their
    products can be listed.
    """
    khom3 = unit(session, "Khóm 3", edition=Edition.e2025, level=Level.hamlet)
    anthuong = unit(session, "Ấp An Thường", edition=Edition.e2025, level=Level.hamlet)
    producers = [make_producer(session, h) for h in (khom3, khom3, anthuong)]
    for producer in producers:
        for code in ("voso", "postmart"):
            make_seller_account(session, producer, code)
    world = Pilot(
        khom3=khom3,
        anthuong=anthuong,
        product=make_product(
            session, producers[0], name="Bánh pía sầu riêng trứng muối"
        ),
        other_product=make_product(session, producers[1], name="Lạp xưởng tươi"),
        foreign_product=make_product(session, producers[2], name="Hành tím"),
        voso=marketplace(session, "voso"),
        postmart=marketplace(session, "postmart"),
    )
    session.commit()
    return world


@dataclass
class Spare:
    """A fresh hamlet under Phường Sóc Trăng with two products and no listing yet."""

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
    # The first product's producer has an open shop on voso.vn; the second's none.
    first_producer = make_producer(session, hamlet)
    make_seller_account(session, first_producer, "voso")
    world = Spare(
        hamlet=hamlet,
        first=make_product(session, first_producer, name="Bánh pía kim sa"),
        second=make_product(session, make_producer(session, hamlet), name="Mắm cá lóc"),
    )
    session.commit()
    return world
