"""Changes to public pages reach every worker: written with the commit that makes
them, read by each worker's watcher, and the pages concerned forgotten."""

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import create_engine, func, insert, select
from sqlalchemy.orm import Session

from ocop_tracker.core.base import utcnow
from ocop_tracker.core.db import writing
from ocop_tracker.core.migrate import alembic_config
from ocop_tracker.demo import service as demo_service
from ocop_tracker.producers.models import Consent, ConsentField
from ocop_tracker.products.models import Product
from ocop_tracker.public import changes, hotpath, repository
from ocop_tracker.public.models import PageChange, PublicHits
from tests.dbutil import fresh_database
from tests.factories import make_product
from tests.public.conftest import canary_producer, khom3

ROOT = Path(__file__).resolve().parents[2]


def _changes(session: Session) -> list[tuple[int | None, int | None]]:
    rows = session.execute(
        select(PageChange.product_id, PageChange.producer_id).order_by(PageChange.id)
    )
    return [(row.product_id, row.producer_id) for row in rows]


def test_each_commit_writes_the_pages_it_changed(session: Session) -> None:
    before = len(_changes(session))
    producer = canary_producer(session, khom3(session))
    product = make_product(session, producer)
    session.commit()
    assert _changes(session)[before:] == []  # new: no page to forget yet

    product.name = "Bánh pía đổi tên"
    session.commit()
    assert _changes(session)[before:] == [(product.id, None)]

    session.add(
        Consent(
            producer_id=producer.id,
            hamlet_id=producer.hamlet_id,
            field=ConsentField.phone,
            granted=False,
            recorded_at=utcnow(),
        )
    )
    session.commit()
    assert _changes(session)[before + 1 :] == [(None, producer.id)]

    hamlet = khom3(session)
    hamlet.short_name += " "  # an area's name: every page under it shows it
    session.commit()
    assert _changes(session)[before + 2 :] == [(None, None)]

    product.name = "Không lưu"
    session.flush()
    session.rollback()
    assert len(_changes(session)) == before + 3


def test_a_savepoint_rolled_back_keeps_what_was_noted_before_it(
    session: Session,
) -> None:
    producer = canary_producer(session, khom3(session))
    product = make_product(session, producer)
    other = make_product(session, producer)
    session.commit()
    before = len(_changes(session))

    product.name = "Bánh pía đổi tên trước"
    session.flush()  # noted
    with session.begin_nested() as refused:  # a form refused in a savepoint
        other.name = "Không lưu"
        session.flush()
        refused.rollback()
    session.commit()

    # The change made before the savepoint still reaches every worker (the
    # page the savepoint took back is forgotten too, at the cost of a render).
    assert (product.id, None) in _changes(session)[before:]


def test_the_cache_forgets_a_product_or_a_producers_pages_only() -> None:
    cache = hotpath.PageCache()
    for code, product_id, producer_id in (("a", 1, 10), ("b", 2, 10), ("c", 3, 20)):
        cache.put(
            code,
            hotpath.pack(b"<p>"),
            product_id=product_id,
            producer_id=producer_id,
            last_modified=utcnow(),
            generation=cache.generation,
            now=0.0,
        )
    changes_before = cache.generation
    cache.forget(products={3}, producers=set())
    assert [k for k in "abc" if cache.get(k, 1.0)] == ["a", "b"]
    cache.forget(products=set(), producers={10})
    assert [k for k in "abc" if cache.get(k, 1.0)] == []
    assert cache.generation == changes_before + 2  # a page read meanwhile is not kept


@pytest.fixture
def empty_url(tmp_path: Path) -> Iterator[str]:
    with fresh_database(tmp_path, "changes") as url:
        command.upgrade(alembic_config(url), "head")
        yield url


def test_the_watcher_reads_each_change_once_even_when_ids_commit_out_of_order(
    empty_url: str,
) -> None:
    engine = create_engine(empty_url)
    try:
        watcher = changes.Watcher(engine, writing(engine))

        def add(row_id: int, product: int | None, producer: int | None) -> None:
            with engine.begin() as conn:
                conn.execute(
                    insert(PageChange),
                    [
                        {
                            "id": row_id,
                            "at": utcnow(),
                            "product_id": product,
                            "producer_id": producer,
                        }
                    ],
                )

        add(10, 7, None)
        assert watcher.read() == {("product", 7)}
        assert watcher.read() == set()
        # A transaction that took id 9 committed after id 10 was read.
        add(9, None, 4)
        assert watcher.read() == {("producer", 4)}
        add(11, None, None)
        assert watcher.read() == {changes.ALL}
        watcher.pruned = -changes.PRUNE_EVERY_S
        watcher.prune()  # rows younger than an hour stay
        with engine.connect() as conn:
            left = conn.scalar(select(func.count()).select_from(PageChange))
        assert left == 3
    finally:
        engine.dispose()


# A second process serving public pages, with its watcher on: it caches one
# page, waits for the test to commit a change, then reads the page until the
# change shows (or 30 s, far below the 300 s a watched page may live).
SECOND = """
import json, sys, time
from fastapi.testclient import TestClient
from ocop_tracker.main import create_app
from ocop_tracker.public import hotpath

code, new_name = sys.argv[1], sys.argv[2]
with TestClient(create_app(), base_url="https://127.0.0.1") as client:
    assert client.get(f"/p/{code}").status_code == 200
    print(json.dumps({"cached": len(hotpath.pages), "ttl": hotpath.pages.ttl}), flush=True)
    sys.stdin.readline()
    start = time.monotonic()
    while time.monotonic() - start < 30 and new_name not in client.get(f"/p/{code}").text:
        time.sleep(0.02)
    seen = new_name in client.get(f"/p/{code}").text
    print(json.dumps({"seen": seen, "after_s": time.monotonic() - start}), flush=True)
"""


def test_a_change_committed_by_one_process_reaches_anothers_cache(
    empty_url: str, tmp_path: Path
) -> None:
    engine = create_engine(empty_url)
    try:
        with Session(writing(engine)) as session:
            demo_service.load(session)
            session.commit()
            product = session.scalars(select(Product).order_by(Product.id)).first()
            assert product is not None
        env = {
            **os.environ,
            "PYTHONPATH": str(ROOT),
            "OCOP_ENV": "test",
            "OCOP_DATABASE_URL": empty_url,
            "OCOP_MEDIA_DIR": str(tmp_path / "media"),
            "OCOP_PAGE_WATCH": "true",
        }
        new_name = "Bánh pía đổi tên ở máy khác"
        second = subprocess.Popen(
            [sys.executable, "-c", SECOND, product.public_code, new_name],
            env=env,
            cwd=ROOT,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        try:
            assert second.stdin is not None
            assert second.stdout is not None
            ready = json.loads(second.stdout.readline())
            assert ready == {"cached": 1, "ttl": hotpath.WATCHED_TTL}
            with Session(writing(engine)) as session:
                stored = session.get(Product, product.id)
                assert stored is not None
                stored.name = new_name
                session.commit()
            second.stdin.write("committed\n")
            second.stdin.flush()
            outcome = json.loads(second.stdout.readline())
            assert outcome["seen"], outcome
        finally:
            second.kill()
            second.communicate(timeout=10)  # closes its pipes
    finally:
        engine.dispose()


def test_two_workers_enforce_one_public_limit(empty_url: str) -> None:
    engine = create_engine(empty_url)
    a, b = hotpath.RateLimiter(limit=10), hotpath.RateLimiter(limit=10)
    a.sharing = b.sharing = True
    minute = 29_000_000

    def exchange(limiter: hotpath.RateLimiter) -> None:
        unsent = limiter.take_unsent(minute)
        with writing(engine).begin() as conn:
            totals = repository.exchange_hits(
                conn, unsent, minute, set(unsent) | limiter.watched()
            )
        limiter.set_totals(totals, minute)

    try:
        phone, other = "10.0.0.7", "10.0.0.8"
        assert all(a.allow(phone, 0.0)[0] for _ in range(6))
        exchange(a)
        assert b.allow(phone, 0.0)[0]  # B has not heard of A's six yet
        assert b.allow(other, 0.0)[0]
        exchange(b)  # ... and now has: 6 + its own
        assert [b.allow(phone, 0.0)[0] for _ in range(5)] == [
            True,
            True,
            True,
            False,
            False,
        ]
        assert b.allow(other, 0.0)[0]  # another address keeps its own count
        exchange(b)
        exchange(a)  # A reads B's hits of the address it watches
        assert not a.allow(phone, 0.0)[0]
        with writing(engine).begin() as conn:
            repository.forget_hits(conn, minute + 1)
            left = conn.scalar(select(func.count()).select_from(PublicHits))
        assert left == 0
    finally:
        engine.dispose()
