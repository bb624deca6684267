"""A database that cannot answer gives 503 with Retry-After and a generic body
(SECURITY.md T23, T39, T45): never a 500, never a trace, a driver's or a
database's name in the answer.

The failures are real, not mocks: a database that cannot be reached (SQLite: a
path that is a directory; PostgreSQL: a closed port), and on SQLite a write
lock held by another connection past ``busy_timeout``.
"""

import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from httpx2 import Response
from sqlalchemy import exc as sa_exc
from sqlalchemy import text

from ocop_tracker.core.db import make_engine
from ocop_tracker.core.http import database_unavailable
from tests.dbutil import is_postgres, reset_caches

LEAKS = ("Traceback", 'File "', "sqlalchemy", "psycopg", "sqlite", "OperationalError")


@contextmanager
def _app_on(url: str) -> Iterator[TestClient]:
    """The application on ``url``, without its start-up check (it needs the database)."""
    saved = os.environ.get("OCOP_DATABASE_URL")
    os.environ["OCOP_DATABASE_URL"] = url
    reset_caches()
    try:
        from ocop_tracker.main import create_app

        client = TestClient(
            create_app(), base_url="https://127.0.0.1", raise_server_exceptions=False
        )
        yield client
        client.close()
    finally:
        if saved is None:
            os.environ.pop("OCOP_DATABASE_URL", None)
        else:
            os.environ["OCOP_DATABASE_URL"] = saved
        reset_caches()


def _unreachable_url(tmp_path: Path) -> str:
    if is_postgres():
        return "postgresql+psycopg://postgres@127.0.0.1:9/none"
    (tmp_path / "a-directory.db").mkdir()
    return f"sqlite:///{tmp_path / 'a-directory.db'}"


def _assert_unavailable(response: Response) -> None:
    assert response.status_code == 503, response.text[:300]
    assert response.headers["retry-after"] == "5"
    for leak in LEAKS:
        assert leak.lower() not in response.text.lower(), leak


def test_unreachable_database_answers_503_everywhere(
    database_url: str, tmp_path: Path
) -> None:
    with _app_on(_unreachable_url(tmp_path)) as client:
        cookie = {"Cookie": "__Host-ocop_session=not-a-session"}
        api = client.get("/api/v1/me", headers=cookie)
        _assert_unavailable(api)
        assert api.json()["error"] == "unavailable"
        page = client.get("/worklist", headers={**cookie, "Accept": "text/html"})
        _assert_unavailable(page)
        assert "text/html" in page.headers["content-type"]
        assert "thử lại" in page.text
        login = client.post(
            "/api/v1/auth/login", json={"login": "admin", "password": "x" * 12}
        )
        _assert_unavailable(login)
        ready = client.get("/readyz")
        assert ready.status_code == 503
        assert ready.json()["database"] == "unavailable"
        assert client.get("/healthz").status_code == 503


def test_ready_when_the_database_answers(client: TestClient) -> None:
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json()["database"] == "ok"
    assert response.json()["status"] in {"ready", "degraded"}


@pytest.mark.skipif(is_postgres(), reason="SQLite's write lock")
def test_sqlite_write_lock_past_busy_timeout_is_503(database_url: str) -> None:
    """Another writer holds the lock past busy_timeout (10 s): 503, not 500."""
    path = database_url.removeprefix("sqlite:///")
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # the write lock; readers go on (WAL)
    try:
        with _app_on(database_url) as client:
            response = client.post(
                "/api/v1/auth/login", json={"login": "admin", "password": "sai" * 5}
            )
        _assert_unavailable(response)
    finally:
        holder.execute("ROLLBACK")
        holder.close()


def test_which_errors_mean_try_again(database_url: str, tmp_path: Path) -> None:
    """Real errors from the drivers, sorted into 503 and not-503."""
    unreachable = make_engine(_unreachable_url(tmp_path))
    with pytest.raises(sa_exc.OperationalError) as refused:
        unreachable.connect()
    unreachable.dispose()
    assert database_unavailable(refused.value)

    engine = make_engine(database_url)
    try:
        with engine.connect() as conn, pytest.raises(sa_exc.IntegrityError) as broken:
            conn.execute(
                text(
                    "INSERT INTO admin_unit_links (ancestor_id, descendant_id, depth) "
                    "VALUES (-1, -2, 0)"
                )
            )
        assert not database_unavailable(broken.value)
        with engine.connect() as conn, pytest.raises(sa_exc.DBAPIError) as bad_sql:
            conn.execute(text("SELECT no_such_column FROM admin_units"))
        assert not database_unavailable(bad_sql.value)
    finally:
        engine.dispose()
    assert database_unavailable(sa_exc.TimeoutError("QueuePool limit reached"))


@pytest.mark.parametrize("big", [2**31, 2**63, 10**30])
def test_ids_past_the_database_range_are_refused_not_500(
    admin: TestClient, big: int
) -> None:
    """PostgreSQL: int4 ids past 2**31 are a DataError; SQLite: past 2**63 an
    OverflowError. Either is the request's fault: 404 or 422, never 500."""
    for path in (f"/api/v1/products/{big}", f"/api/v1/producers/{big}"):
        response = admin.get(path)
        assert response.status_code in {404, 422}, (path, response.text[:200])
        assert str(big) not in response.text
    response = admin.post(
        "/api/v1/products", json={"producer_id": big, "name": "Bánh", "kind": "ocop"}
    )
    assert response.status_code in {404, 422}, response.text[:200]
