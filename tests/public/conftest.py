"""Public-page fixtures: producers with canary details and consents; products,
certificates and listings come from ``tests.factories``. Tests commit to their
outer transaction (a refused request rolls back only its own work)."""

import itertools
from collections.abc import Iterator

import pytest
from sqlalchemy.orm import Session

from ocop_tracker.areas.models import AdminUnit, Edition, Level
from ocop_tracker.core.base import utcnow
from ocop_tracker.producers.models import Consent, ConsentField, Producer, ProducerKind
from ocop_tracker.public import hotpath
from tests.factories import make_producer, unit

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


def canary_producer(
    session: Session,
    hamlet: AdminUnit,
    *,
    kind: ProducerKind = ProducerKind.household,
    name: str | None = None,
) -> Producer:
    """A producer whose private details are canaries: a page must not show them
    (phone, representative, tax code) without consent."""
    n = next(_counter)
    return make_producer(
        session,
        hamlet,
        kind=kind,
        name=name or f"Hộ Bà Tư Công Khai {n}",
        representative=f"Nguyễn Thị Đại Diện {n}",
        phone=PHONE,
        tax_code="0312345678",
    )


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
