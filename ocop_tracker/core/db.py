"""Engine, sessions and the request-scoped transaction."""

from collections.abc import Iterator
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Any, cast

from fastapi import Depends, Request
from sqlalchemy import (
    Connection,
    CursorResult,
    Engine,
    Executable,
    create_engine,
    event,
)
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


# statement_timeout bounds a statement the server runs; this bounds every wait
# for the server's answer (a query, a commit, the pool's ping), so a server
# that accepts but never answers (hung, or a black hole on the way) costs a
# request this long, not a thread for ever. A little over statement_timeout,
# so the server's own timeout is seen first. SECURITY.md T46.
STATEMENT_TIMEOUT_MS = 5000
ANSWER_TIMEOUT_S = 6.0


def _bounded_connection_class() -> type[Any]:
    import psycopg

    class BoundedConnection(psycopg.Connection[Any]):
        """A psycopg connection whose every wait for the server is bounded.

        On time-out the connection is closed (its protocol state is unknown),
        so SQLAlchemy sees a disconnect, invalidates it, and the request
        answers 503 like any lost connection. ``answer_timeout_s`` None lifts
        the bound (``without_time_limits``) until the connection goes back to
        the pool.
        """

        answer_timeout_s: float | None = ANSWER_TIMEOUT_S

        def wait(
            self,
            gen: Any,
            interval: float = 0.1,
            timeout: float | None = None,
        ) -> Any:
            bound = self.answer_timeout_s if timeout is None else timeout
            try:
                return super().wait(gen, interval, bound)
            except psycopg.errors._WaitTimeout:
                self.pgconn.finish()
                raise psycopg.OperationalError(
                    f"no answer from the database in {bound:g} s"
                ) from None

    return BoundedConnection


def make_engine(url: str) -> Engine:
    """An engine for ``url``, configured for SQLite or PostgreSQL."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"timeout": 5})
        _sqlite_setup(engine)
        return engine
    engine = create_engine(
        url,
        pool_pre_ping=True,
        pool_size=5,
        max_overflow=5,
        pool_timeout=5,
        connect_args={
            "connect_timeout": 3,
            "options": f"-c statement_timeout={STATEMENT_TIMEOUT_MS}",
        },
    )
    connection_class = _bounded_connection_class()

    @event.listens_for(engine, "do_connect")
    def _connect(_dialect: Any, _record: Any, cargs: Any, cparams: Any) -> Any:
        return connection_class.connect(*cargs, **cparams)

    @event.listens_for(engine, "checkin")
    def _checkin(dbapi_conn: Any, _record: Any) -> None:
        if isinstance(dbapi_conn, connection_class):
            dbapi_conn.answer_timeout_s = ANSWER_TIMEOUT_S

    return engine


def without_time_limits(conn: Connection) -> None:
    """No statement or answer time limit for the rest of this transaction.

    For maintenance that reads or writes everything at once (the ledger's
    rebuild, a backup, a restore): the limits that protect requests would cut
    it off. The answer bound comes back when the connection returns to the
    pool; ``SET LOCAL`` ends with the transaction. Nothing to do on SQLite.
    """
    if conn.dialect.name != "postgresql":
        return
    conn.exec_driver_sql("SET LOCAL statement_timeout = 0")
    raw = conn.connection.dbapi_connection
    if raw is not None and hasattr(raw, "answer_timeout_s"):
        raw.answer_timeout_s = None


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
