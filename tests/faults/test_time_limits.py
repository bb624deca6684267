"""Maintenance work lifts the time limits that guard requests, and only for itself.

The ledger's rebuild, a backup and a restore read or write everything in one
transaction; at national scale one statement takes longer than the 5 s
statement limit and the answer bound of ``make_engine()``.
``without_time_limits()`` lifts both for the rest of the transaction; the
connection gets its bound back when it returns to the pool. PostgreSQL only.
"""

import pytest
from sqlalchemy import exc as sa_exc
from sqlalchemy import text

from ocop_tracker.core import db as core_db
from tests.dbutil import is_postgres

pytestmark = pytest.mark.skipif(not is_postgres(), reason="PostgreSQL only")


def test_maintenance_outlasts_the_request_limits(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(core_db, "ANSWER_TIMEOUT_S", 0.5)
    engine = core_db.make_engine(database_url)
    try:
        with engine.connect() as conn:
            assert conn.execute(text("SHOW statement_timeout")).scalar() == "5s"
            with pytest.raises(sa_exc.OperationalError) as caught:
                conn.execute(text("SELECT pg_sleep(1)"))
            assert caught.value.connection_invalidated
        with engine.connect() as conn, conn.begin():
            core_db.without_time_limits(conn)
            assert conn.execute(text("SHOW statement_timeout")).scalar() == "0"
            conn.execute(text("SELECT pg_sleep(1)"))
        # Back in the pool and out again: the limits that guard requests hold.
        with engine.connect() as conn:
            assert conn.execute(text("SHOW statement_timeout")).scalar() == "5s"
            with pytest.raises(sa_exc.OperationalError):
                conn.execute(text("SELECT pg_sleep(1)"))
    finally:
        engine.dispose()
