"""Engine, sessions and the request-scoped transaction."""

from collections.abc import Iterator
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Any, cast

from fastapi import Depends, Request
from sqlalchemy import CursorResult, Engine, Executable, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from ocop_tracker.core.config import get_settings
from ocop_tracker.core.errors import AppError


def _sqlite_setup(engine: Engine) -> None:
    """Foreign keys, WAL and a busy timeout on every SQLite connection.

    pysqlite opens transactions lazily and mishandles SAVEPOINT; SQLAlchemy's
    SQLite dialect docs ("Serializable isolation / Savepoints / Transactional
    DDL") give this fix: turn pysqlite's handling off and emit BEGIN ourselves.
    """

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.isolation_level = None
        cursor = dbapi_conn.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA busy_timeout=5000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        conn.exec_driver_sql("BEGIN")


def make_engine(url: str) -> Engine:
    """An engine for ``url``, configured for SQLite or PostgreSQL."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"timeout": 5})
        _sqlite_setup(engine)
        return engine
    return create_engine(
        url,
        pool_pre_ping=True,
        pool_size=5,
        max_overflow=5,
        pool_timeout=5,
        connect_args={"connect_timeout": 3, "options": "-c statement_timeout=5000"},
    )


@lru_cache
def get_engine() -> Engine:
    """The process-wide engine for the configured database."""
    return make_engine(get_settings().database_url)


@lru_cache
def get_sessionmaker() -> sessionmaker[Session]:
    """Session factory bound to the process-wide engine."""
    return sessionmaker(bind=get_engine(), expire_on_commit=False)


def request_transaction(session: Session, request: Request) -> Iterator[Session]:
    """The transaction of one request: commit on success, roll back on error.

    A refusal that must be audited (``AppError.audit_action``) is written after
    the rollback, in a transaction of its own, so the denial is kept while
    nothing of the refused change is.
    """
    from ocop_tracker.audit import context as audit_context

    state = request.scope.get("state") or {}
    audit_context.set_request(
        session,
        client_ip=request.client.host if request.client else None,
        request_id=state.get("request_id"),
    )
    try:
        yield session
    except AppError as exc:
        session.rollback()
        if exc.audit_action:
            _record_denial(session, request, exc)
        raise
    except Exception:
        session.rollback()
        raise
    else:
        session.commit()


def _record_denial(session: Session, request: Request, exc: AppError) -> None:
    from ocop_tracker.audit.listener import record

    record(
        session,
        exc.audit_action or "denied",
        detail=f"{request.method} {request.url.path} -> {exc.status_code}",
    )
    session.commit()


def get_session(request: Request) -> Iterator[Session]:
    """One session per request (see ``request_transaction``)."""
    with get_sessionmaker()() as session:
        yield from request_transaction(session, request)


# scope="function": the commit runs before the response is sent, so a failed
# commit is an error response rather than a silently lost write.
SessionDep = Annotated[Session, Depends(get_session, scope="function")]


def execute_dml(session: Session, statement: Executable) -> int:
    """Run a bulk UPDATE or DELETE; returns how many rows it touched."""
    result = cast(CursorResult[Any], session.execute(statement))
    return int(result.rowcount or 0)
