"""Reads of products and producers (``products/views.py``, ``producers/views.py``):
batched — a page costs the same number of statements whatever its size, now and
as of a past day — and scoped through ``auth/scope.py``."""

import datetime as dt
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from sqlalchemy import event
from sqlalchemy.orm import Session

from ocop_tracker.areas.models import AdminUnit
from ocop_tracker.core import clock
from ocop_tracker.producers import views as producer_views
from ocop_tracker.products import views as product_views
from ocop_tracker.users import repository as user_repository
from ocop_tracker.users.models import User
from tests.factories import (
    make_actor,
    make_hamlet,
    make_producer,
    make_product,
    pilot_hamlet,
)


@contextmanager
def _statements(session: Session) -> Iterator[list[str]]:
    """Every SQL statement the session's connection sends inside the block."""
    seen: list[str] = []
    connection = session.connection()

    def note(*args: Any) -> None:
        seen.append(args[2])  # (conn, cursor, statement, parameters, context, many)

    event.listen(connection, "before_cursor_execute", note)
    try:
        yield seen
    finally:
        event.remove(connection, "before_cursor_execute", note)


def _count(session: Session, read: Callable[[], object]) -> int:
    read()  # warm: what a first call loads once (area tree, groups) is not the point
    with _statements(session) as seen:
        read()
    assert seen, "the counter saw no statement"
    return len(seen)


def _fill(
    session: Session, hamlet: AdminUnit, *, producers: int, each: int
) -> list[int]:
    """``producers`` producers in ``hamlet``, each with ``each`` certified products."""
    ids = []
    for _ in range(producers):
        producer = make_producer(session, hamlet)
        ids += [make_product(session, producer, stars=4).id for _ in range(each)]
    return ids


@pytest.fixture
def two_hamlets(session: Session) -> tuple[AdminUnit, AdminUnit]:
    """A hamlet with 30 products of 10 producers, another with 3 of 3."""
    commune = session.get(AdminUnit, pilot_hamlet(session).parent_id)
    assert commune is not None
    big, small = make_hamlet(session, commune), make_hamlet(session, commune)
    assert len(_fill(session, big, producers=10, each=3)) == 30
    assert len(_fill(session, small, producers=3, each=1)) == 3
    return big, small


@pytest.mark.parametrize("days_back", [None, 0, 30])
def test_a_product_page_costs_the_same_statements_for_30_as_for_3(
    session: Session, two_hamlets: tuple[AdminUnit, AdminUnit], days_back: int | None
) -> None:
    big, small = two_hamlets
    admin = make_actor(session)
    as_of = None if days_back is None else clock.today() - dt.timedelta(days=days_back)

    def page(area: AdminUnit) -> Callable[[], list[Any]]:
        def read() -> list[Any]:
            items, total = product_views.list_products(
                session, admin, area_id=area.id, as_of=as_of
            )
            assert total == len(items)
            assert {i.hamlet_id for i in items} == {area.id}
            return list(items)

        return read

    assert len(page(big)()) == 30
    assert len(page(small)()) == 3
    assert _count(session, page(big)) == _count(session, page(small))


def test_a_producer_page_costs_the_same_statements_for_10_as_for_3(
    session: Session, two_hamlets: tuple[AdminUnit, AdminUnit]
) -> None:
    big, small = two_hamlets
    admin = make_actor(session)

    def page(area: AdminUnit) -> Callable[[], list[Any]]:
        def read() -> list[Any]:
            items, total = producer_views.list_producers(
                session, admin, area_id=area.id
            )
            assert total == len(items)
            producer_views.hamlet_names(session, items)
            return list(items)

        return read

    assert len(page(big)()) == 10
    assert len(page(small)()) == 3
    assert _count(session, page(big)) == _count(session, page(small))


def _team_member_of(session: Session, hamlet: AdminUnit) -> User:
    member = user_repository.by_login(session, "thanhvien.khom3")
    assert member is not None
    assert member.area_id == hamlet.id
    return member


def test_reads_are_scoped_to_the_reader_s_area(session: Session) -> None:
    khom3 = pilot_hamlet(session)
    commune = session.get(AdminUnit, khom3.parent_id)
    assert commune is not None
    mine = _fill(session, khom3, producers=1, each=2)
    other = _fill(session, make_hamlet(session, commune), producers=1, each=2)
    member = _team_member_of(session, khom3)

    items, _ = product_views.list_products(session, member, limit=200)
    seen = {i.id for i in items}
    assert set(mine) <= seen
    assert not seen & set(other)
    producers, _ = producer_views.list_producers(session, member, limit=200)
    assert {p.hamlet_id for p in producers} == {khom3.id}
