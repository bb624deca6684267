"""Seller account fixtures: producers in and out of Phường Sóc Trăng, the seeded marketplaces.

Producers come from ``tests.factories`` (through their services), committed to
the test's outer transaction so that a refused request, which rolls back,
cannot take them away.
"""

from dataclasses import dataclass

import pytest
from sqlalchemy.orm import Session

from ocop_tracker.areas.models import AdminUnit, Edition, Level
from ocop_tracker.onboarding.models import Marketplace
from ocop_tracker.producers.models import Producer
from tests.factories import make_producer, unit
from tests.onboarding.conftest import marketplace


@dataclass
class Sellers:
    """A producer in Khóm 3 (Phường Sóc Trăng), one in Ấp An Thường."""

    hamlet: AdminUnit
    producer: Producer  # Khóm 3: the team of thanhvien.khom3, canbo.khom3's area
    foreign: Producer  # in Ấp An Thường (Xã An Thạnh)
    voso: Marketplace
    postmart: Marketplace


@pytest.fixture
def sellers(session: Session) -> Sellers:
    """Two producers and the seeded marketplaces, committed to the test transaction."""
    khom3 = unit(session, "Khóm 3", edition=Edition.e2025, level=Level.hamlet)
    anthuong = unit(session, "Ấp An Thường", edition=Edition.e2025, level=Level.hamlet)
    world = Sellers(
        hamlet=khom3,
        producer=make_producer(session, khom3, name="Hộ Bà Tư Bánh Pía"),
        foreign=make_producer(session, anthuong, name="Hộ Ông Năm Hành Tím"),
        voso=marketplace(session, "voso"),
        postmart=marketplace(session, "postmart"),
    )
    session.commit()
    return world
