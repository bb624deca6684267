"""A route's session as production runs it (``core.db.get_session``), not the
suite's override: opened in the event loop, ended in one threadpool hop.

On a database of its own (migrated to head): a write commits; a refusal rolls
everything back; an audited refusal rolls back and keeps its denial; a read
runs read-only; and every request gives its connection back to the pool.
"""

import os
from collections.abc import Callable, Iterator

import pytest
from alembic import command
from fastapi import FastAPI, Request
from fastapi.testclient import TestClient
from sqlalchemy import func, select, text
from starlette.concurrency import run_in_threadpool

from ocop_tracker.audit.models import AuditEvent
from ocop_tracker.core import db as core_db
from ocop_tracker.core.errors import AppError, Forbidden
from ocop_tracker.core.migrate import alembic_config
from tests.dbutil import fresh_database, reset_caches

PROBE = "request_session_probe"


def _routes(app: FastAPI) -> None:
    @app.post("/_probe/{outcome}")
    def write(outcome: str, session: core_db.SessionDep) -> dict[str, str]:
        session.execute(text(f"INSERT INTO {PROBE} (note) VALUES (:n)"), {"n": outcome})
        if outcome == "refused":
            raise AppError("Không hợp lệ.", status_code=422)
        if outcome == "denied":
            raise Forbidden("Không được phép.")
        return {"outcome": outcome}

    @app.get("/_probe")
    def read(request: Request, session: core_db.SessionDep) -> dict[str, object]:
        rows = session.scalar(text(f"SELECT count(*) FROM {PROBE}"))
        return {"rows": rows, "read_only": core_db.is_read_request(session)}


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    saved = os.environ.get("OCOP_DATABASE_URL")
    with fresh_database(tmp_path_factory.mktemp("rs"), "rs") as url:
        os.environ["OCOP_DATABASE_URL"] = url
        reset_caches()
        try:
            command.upgrade(alembic_config(url), "head")
            with core_db.get_engine().begin() as conn:
                conn.execute(text(f"CREATE TABLE {PROBE} (note VARCHAR(20))"))
            from ocop_tracker.main import create_app

            app = create_app()
            _routes(app)
            with TestClient(app, base_url="https://127.0.0.1") as c:
                yield c
        finally:
            reset_caches()
            if saved is None:
                os.environ.pop("OCOP_DATABASE_URL", None)
            else:
                os.environ["OCOP_DATABASE_URL"] = saved
            reset_caches()


def _notes() -> list[str]:
    with core_db.get_engine().connect() as conn:
        return list(conn.scalars(text(f"SELECT note FROM {PROBE} ORDER BY note")))


def _denials() -> int:
    with core_db.get_sessionmaker()() as session:
        return int(
            session.scalar(
                select(func.count())
                .select_from(AuditEvent)
                .where(AuditEvent.detail.like("POST /_probe/denied%"))
            )
            or 0
        )


def _checked_out() -> int:
    pool = core_db.get_engine().pool
    return int(getattr(pool, "checkedout", lambda: 0)())


def test_a_write_commits_and_gives_its_connection_back(client: TestClient) -> None:
    r = client.post("/_probe/kept")
    assert r.status_code == 200, r.text
    assert "kept" in _notes()
    assert _checked_out() == 0


def test_a_refusal_rolls_back_everything(client: TestClient) -> None:
    r = client.post("/_probe/refused")
    assert r.status_code == 422, r.text
    assert "refused" not in _notes()
    assert _checked_out() == 0


def test_an_audited_refusal_rolls_back_and_keeps_the_denial(
    client: TestClient,
) -> None:
    before = _denials()
    r = client.post("/_probe/denied")
    assert r.status_code == 403, r.text
    assert "denied" not in _notes()
    assert _denials() == before + 1
    assert _checked_out() == 0


def test_a_read_is_read_only_and_sees_what_was_committed(client: TestClient) -> None:
    client.post("/_probe/seen")
    body = client.get("/_probe").json()
    assert body == {"rows": len(_notes()), "read_only": True}
    assert _checked_out() == 0


def test_the_session_ends_in_one_threadpool_hop(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Opening does no I/O and runs in the event loop; the end (commit, or
    # rollback with the denial recorded, then close) is the one hop.
    hops: list[str] = []

    async def counted(func: Callable[..., object], *args: object) -> object:
        hops.append(func.__name__)
        return await run_in_threadpool(func, *args)

    monkeypatch.setattr(core_db, "run_in_threadpool", counted)
    assert client.post("/_probe/hop").status_code == 200
    assert client.post("/_probe/refused").status_code == 422
    assert hops == ["_end", "_end_with"]
