"""QR matrices made after a new product's commit, in the warmer's thread."""

import datetime as dt
from collections.abc import Callable, Iterator

import pytest
from sqlalchemy import Connection, select
from sqlalchemy.orm import Session

from ocop_tracker.cards import service as card_service
from ocop_tracker.cards import warm
from ocop_tracker.cards.layout import Layout, render
from ocop_tracker.public import repository as public_repository
from ocop_tracker.public.models import QrMatrix
from ocop_tracker.public.views import public_url
from tests.cards.reading import decode_qr
from tests.factories import make_producer, make_product, pilot_hamlet


def _sessions(connection: Connection) -> Callable[[], Session]:
    # The warmer's own sessions, inside the test's transaction: what the test
    # commits is a savepoint the warmer sees, and all of it is rolled back after.
    return lambda: Session(
        bind=connection,
        join_transaction_mode="create_savepoint",
        expire_on_commit=False,
    )


def _made_at(session: Session, ids: list[int]) -> dict[int, dt.datetime]:
    rows = session.execute(
        select(QrMatrix.product_id, QrMatrix.created_at).where(
            QrMatrix.product_id.in_(ids)
        )
    )
    return {row.product_id: row.created_at for row in rows}


@pytest.fixture
def warmer(connection: Connection) -> Iterator[warm.Warmer]:
    sessions = _sessions(connection)
    running = warm.Warmer(sessions, sessions)
    running.start()
    warm.install(running)
    try:
        yield running
    finally:
        warm.install(None)
        running.stop()


def test_a_new_products_matrix_is_made_after_its_commit_and_the_print_uses_it(
    session: Session, warmer: warm.Warmer
) -> None:
    producer = make_producer(session, pilot_hamlet(session))
    products = [make_product(session, producer, stars=4) for _ in range(3)]
    ids = [p.id for p in products]
    session.flush()
    assert warmer.drain()
    assert public_repository.matrices(session, ids) == {}, "nothing before the commit"

    session.commit()
    assert warmer.drain()

    kept = public_repository.matrices(session, ids)
    assert sorted(kept) == sorted(ids)
    for p in products:
        assert kept[p.id].payload == public_url(p.public_code)
    assert warmer.made == 3
    # The print reads them back (a matrix it made would be kept again, with
    # its own time) and each code opens its product's page.
    made_at = _made_at(session, ids)
    pdf = render(card_service.card_data(session, ids), Layout.a4_2x4)
    assert _made_at(session, ids) == made_at
    assert sorted(decode_qr(pdf)) == sorted(public_url(p.public_code) for p in products)


def test_a_rolled_back_product_hands_nothing_over(
    session: Session, warmer: warm.Warmer
) -> None:
    producer = make_producer(session, pilot_hamlet(session))
    session.commit()
    assert warmer.drain()
    make_product(session, producer)
    session.flush()
    session.rollback()
    assert warmer.drain()
    assert warmer.made == 0


def test_a_savepoint_rolled_back_keeps_the_products_made_before_it(
    session: Session, warmer: warm.Warmer
) -> None:
    producer = make_producer(session, pilot_hamlet(session))
    session.commit()
    assert warmer.drain()
    kept = make_product(session, producer)
    session.flush()  # noted
    with session.begin_nested() as refused:  # a form refused in a savepoint
        make_product(session, producer)
        session.flush()
        refused.rollback()
    session.commit()
    assert warmer.drain()
    # The product made before the savepoint is warmed; the one it took back is
    # not found.
    assert sorted(public_repository.matrices(session, [kept.id])) == [kept.id]
    assert warmer.made == 1


def test_a_failed_batch_is_left_to_the_print_and_the_thread_goes_on(
    connection: Connection, session: Session
) -> None:
    sessions = _sessions(connection)
    calls = {"writes": 0}

    def failing_once() -> Session:
        calls["writes"] += 1
        if calls["writes"] == 1:
            raise RuntimeError("the database went away")
        return sessions()

    running = warm.Warmer(sessions, failing_once)
    running.start()
    warm.install(running)
    try:
        producer = make_producer(session, pilot_hamlet(session))
        first = make_product(session, producer)
        session.commit()
        assert running.drain()
        assert public_repository.matrices(session, [first.id]) == {}
        second = make_product(session, producer)
        session.commit()
        assert running.drain()
    finally:
        warm.install(None)
        running.stop()
    assert sorted(public_repository.matrices(session, [first.id, second.id])) == [
        second.id
    ]
    # The first is made by the print, as before the warmer.
    card_service.card_data(session, [first.id])
    assert sorted(public_repository.matrices(session, [first.id, second.id])) == sorted(
        [first.id, second.id]
    )
