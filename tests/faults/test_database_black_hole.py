"""A PostgreSQL server that accepts but stops answering costs a request seconds,
not a thread for ever (SECURITY.md T46).

A small proxy (the one of ``python -m bench.drills.latency_proxy``) sits in
front of the suite's PostgreSQL and turns into a black hole: connections stay
open, nothing is forwarded. A statement must then fail within the engine's
answer time-out as a lost connection (invalidated, so the app answers 503),
and a checkout must fail within the answer time-out of the pool's ping plus
the connect time-out, not hang. PostgreSQL only: SQLite has no network between the app and
its file.
"""

import time
from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, text
from sqlalchemy import exc as sa_exc
from sqlalchemy.engine import make_url

from bench.drills.latency_proxy import FaultProxy
from ocop_tracker.core.db import ANSWER_TIMEOUT_S, make_engine
from ocop_tracker.core.http import database_unavailable
from tests.dbutil import is_postgres

pytestmark = pytest.mark.skipif(not is_postgres(), reason="PostgreSQL only")

CONNECT_TIMEOUT_S = 3.0


@pytest.fixture
def proxied(database_url: str) -> Iterator[tuple[FaultProxy, Engine]]:
    real = make_url(database_url)
    proxy = FaultProxy(real.port or 5432, real.host or "127.0.0.1")
    proxy.start()
    engine = make_engine(
        real.set(host="127.0.0.1", port=proxy.port).render_as_string(
            hide_password=False
        )
    )
    try:
        yield proxy, engine
    finally:
        engine.dispose()
        proxy.stop()


def test_statement_into_a_black_hole_fails_in_seconds(
    proxied: tuple[FaultProxy, Engine],
) -> None:
    proxy, engine = proxied
    with engine.connect() as conn:
        assert conn.execute(text("SELECT 1")).scalar() == 1
        proxy.set_mode("black hole")
        start = time.monotonic()
        with pytest.raises(sa_exc.OperationalError) as caught:
            conn.execute(text("SELECT 1"))
        waited = time.monotonic() - start
    assert caught.value.connection_invalidated
    assert database_unavailable(caught.value)
    assert ANSWER_TIMEOUT_S - 0.5 <= waited < ANSWER_TIMEOUT_S + 2
    proxy.set_mode("pass")
    with engine.connect() as conn:
        assert conn.execute(text("SELECT 1")).scalar() == 1


def test_checkout_into_a_black_hole_fails_within_ping_and_connect_time(
    proxied: tuple[FaultProxy, Engine],
) -> None:
    proxy, engine = proxied
    with engine.connect() as conn:  # one idle connection in the pool
        conn.execute(text("SELECT 1"))
    proxy.set_mode("black hole")
    start = time.monotonic()
    with pytest.raises(sa_exc.OperationalError) as caught:
        engine.connect()
    waited = time.monotonic() - start
    assert database_unavailable(caught.value)
    assert waited < ANSWER_TIMEOUT_S + CONNECT_TIMEOUT_S + 1.5
