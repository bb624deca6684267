"""Engine, sessions and the request-scoped transaction.

SQLite lets one transaction write at a time. A transaction that reads and then
writes would have to upgrade its read snapshot to the write lock; under WAL
that fails at once ("database is locked", without waiting for the busy
timeout) whenever another transaction committed since the snapshot was taken
— an ordinary moment when a team of ten works together. So here every
transaction that may write takes the write lock when it begins (``BEGIN
IMMEDIATE``, which waits up to the busy timeout for its turn): the CLI's, the
background jobs' and every request but GET, HEAD and OPTIONS. Those read in a
plain deferred transaction, concurrently with each other and with the one
writer; the small writes a read request makes on the side (a session's
last-seen time, a kept QR matrix, scan counts) go through ``side_write``, in
a short transaction of their own that can never fail the request.
PostgreSQL needs none of this (row locks, MVCC): the options are ignored there.
"""

import logging
from collections.abc import AsyncIterator, Callable, Generator, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Any, Protocol, TypeVar, cast

from anyio import CancelScope
from fastapi import Depends, Request
from sqlalchemy import (
    Connection,
    CursorResult,
    Engine,
    Executable,
    create_engine,
    event,
    insert,
)
from sqlalchemy.engine import make_url
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlalchemy.orm import ORMExecuteState, Session, sessionmaker
from starlette.concurrency import run_in_threadpool

from ocop_tracker.core import query
from ocop_tracker.core.config import get_settings
from ocop_tracker.core.errors import AppError

log = logging.getLogger("ocop_tracker.db")

# The execution option that chooses how an SQLite transaction begins.
SQLITE_BEGIN = "ocop_sqlite_begin"
IMMEDIATE = {SQLITE_BEGIN: "IMMEDIATE"}
DEFERRED = {SQLITE_BEGIN: "DEFERRED"}
READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
# How long a writer waits for its turn before the request answers 503: long
# enough for a queue of a team's writes on a busy two-core machine.
BUSY_TIMEOUT_MS = 10_000
# A national file is about a gigabyte and a province's list or report touches
# tens of megabytes of it, more than SQLite's 2 MB page cache per connection:
# the file is mapped into memory (its pages are the OS's cache, shared by every
# connection, with no read() call each) and each connection keeps 16 MB.
SQLITE_MMAP_BYTES = 1 << 30
SQLITE_CACHE_KIB = 16 * 1024


def _sqlite_setup(engine: Engine) -> None:
    """Foreign keys, WAL, a busy timeout and the memory map on every SQLite connection.

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
        cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        cursor.execute(f"PRAGMA mmap_size={SQLITE_MMAP_BYTES}")
        cursor.execute(f"PRAGMA cache_size=-{SQLITE_CACHE_KIB}")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        mode = conn.get_execution_options().get(SQLITE_BEGIN, "DEFERRED")
        conn.exec_driver_sql("BEGIN IMMEDIATE" if mode == "IMMEDIATE" else "BEGIN")


# statement_timeout bounds a statement the server runs; this bounds every wait
# for the server's answer (a query, a commit, the pool's ping), so a server
# that accepts but never answers (hung, or a black hole on the way) costs a
# request this long, not a thread for ever. A little over statement_timeout,
# so the server's own timeout is seen first. SECURITY.md T46.
STATEMENT_TIMEOUT_MS = 5000
ANSWER_TIMEOUT_S = 6.0
# PostgreSQL compiles a query whose estimated cost passes jit_above_cost: a
# province's filtered product list (a read per product) crossed it and paid
# 12 ms of compiling for a 50 ms query. Our requests are short reads and
# writes; JIT pays off only for long analytic scans, which we do not serve.
SERVER_OPTIONS = f"-c statement_timeout={STATEMENT_TIMEOUT_MS} -c jit=off"


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
        engine = create_engine(url, connect_args={"timeout": BUSY_TIMEOUT_MS / 1000})
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
            "options": SERVER_OPTIONS,
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


def writing(engine: Engine) -> Engine:
    """``engine`` whose transactions take SQLite's write lock when they begin."""
    return engine.execution_options(**IMMEDIATE)


@lru_cache
def get_sessionmaker() -> sessionmaker[Session]:
    """Sessions that may write (commands, jobs, write requests): on SQLite their
    transactions begin with the write lock (``BEGIN IMMEDIATE``)."""
    return sessionmaker(bind=writing(get_engine()), expire_on_commit=False)


@lru_cache
def get_read_sessionmaker() -> sessionmaker[Session]:
    """Sessions of read requests: deferred transactions that read concurrently."""
    return sessionmaker(bind=get_engine(), expire_on_commit=False)


class WriteInReadRequest(RuntimeError):
    """A GET, HEAD or OPTIONS request tried to write outside ``side_write``."""


READ_ONLY = "read_only_request"
SIDE_SESSIONS = "side_sessions"
# Rows a request wrote only for the change its form carries (a form's key,
# ``offline/keys.py``): a refusal ``refusable`` catches deletes them too.
GIVE_BACK = "give_back_on_refusal"


# --- what a request's transaction needs from the audit trail -----------------
# core imports no domain: ``hooks.install()`` hands these over (``use_audit``).


class NoteRequest(Protocol):
    """Notes where a request came from in the session's audit context."""

    def __call__(
        self, session: Session, *, client_ip: str | None, request_id: str | None
    ) -> None: ...


class RecordEvent(Protocol):
    """Writes one audit event that is not a row change (a denial)."""

    def __call__(
        self, session: Session, action: str, *, detail: str | None = None
    ) -> None: ...


@dataclass(frozen=True)
class AuditHooks:
    """The audit trail as the request transaction uses it."""

    note_request: NoteRequest
    record_event: RecordEvent
    # The ``session.info`` entry a side session carries over (who acts, from
    # where), so an event written on the side names the request's actor.
    context_key: str


_audit: AuditHooks | None = None


def use_audit(hooks: AuditHooks) -> None:
    """Hand the audit trail to the request transaction (``hooks.install``)."""
    global _audit
    _audit = hooks


def _audit_hooks() -> AuditHooks:
    if _audit is None:
        raise RuntimeError(
            "the audit trail is not installed: call ocop_tracker.hooks.install() "
            "where the process starts"
        )
    return _audit


def refuse_flush_in_read(session: Session, _context: Any, _instances: Any) -> None:
    """Hook (``before_flush``): a read request may not change rows."""
    if not session.info.get(READ_ONLY):
        return
    if (
        session.new
        or session.deleted
        or any(session.is_modified(obj) for obj in session.dirty)
    ):
        raise WriteInReadRequest(
            "a read request changed rows; write through core.db.side_write"
        )


def refuse_dml_in_read(state: ORMExecuteState) -> None:
    """Hook (``do_orm_execute``): a read request may not run INSERT, UPDATE, DELETE."""
    if state.session.info.get(READ_ONLY) and (
        state.is_insert or state.is_update or state.is_delete
    ):
        raise WriteInReadRequest(
            "a read request ran an INSERT, UPDATE or DELETE; "
            "write through core.db.side_write"
        )


def begin_read(session: Session) -> None:
    """Begin ``session``'s transaction without SQLite's write lock, for a slow
    check before any write (a password's hash); ``begin_write`` then takes the
    lock. A no-op once the transaction has begun."""
    if not session.in_transaction():
        session.connection(execution_options=DEFERRED)


def begin_write(session: Session) -> None:
    """End a transaction that has only read and begin one that holds SQLite's
    write lock. What was read may have changed meanwhile: read it again."""
    if session.new or session.dirty or session.deleted:
        raise RuntimeError("begin_write after a change: it would be lost")
    session.rollback()
    session.connection(execution_options=IMMEDIATE)


def is_read_request(session: Session) -> bool:
    """True while ``session`` serves a GET, HEAD or OPTIONS request."""
    return bool(session.info.get(READ_ONLY))


def side_write(
    session: Session,
    write: Callable[[Session], object],
    *,
    what: str,
    required: bool = False,
) -> bool:
    """Run a small write that a request makes on the side, never failing it.

    In a read request (``get_session`` sets a factory in ``session.info``) the
    write runs in a short transaction of its own, which on SQLite takes the
    write lock up front instead of upgrading the request's read snapshot. In a
    write request, a test's joined transaction or a command, it runs in a
    savepoint of ``session``. Either way a database error is logged and
    answered False: a last-seen time or a kept QR matrix is not worth a
    failed page. ``what`` names the write in the log. A ``required`` write
    (an audit event) raises instead: the request fails rather than go unrecorded.
    """
    factory = session.info.get(SIDE_SESSIONS)
    try:
        if factory is not None:
            # Only who acts and from where: a side session is not the request's.
            info = {}
            if _audit is not None and _audit.context_key in session.info:
                info[_audit.context_key] = session.info[_audit.context_key]
            with factory(info=info) as side, side.begin():
                write(side)
            return True
        read_only = session.info.pop(READ_ONLY, None)
        try:
            with session.begin_nested():
                write(session)
        finally:
            if read_only:
                session.info[READ_ONLY] = read_only
    except SQLAlchemyError:
        if required:
            raise
        log.warning("%s not written; the request goes on", what, exc_info=True)
        return False
    return True


def request_transaction(session: Session, request: Request) -> Iterator[Session]:
    """The transaction of one request: commit on success, roll back on error.

    A refusal that must be audited (``AppError.audit_action``) is written after
    the rollback, in a transaction of its own, so the denial is kept while
    nothing of the refused change is.
    """
    audit = _audit_hooks()
    read_only = request.method in READ_METHODS
    if read_only:
        session.info[READ_ONLY] = True
    state = request.scope.get("state") or {}
    audit.note_request(
        session,
        client_ip=request.client.host if request.client else None,
        request_id=state.get("request_id"),
    )
    try:
        yield session
    except AppError as exc:
        session.rollback()
        if exc.audit_action:
            session.info.pop(READ_ONLY, None)
            _record_denial(session, request, exc)
        raise
    except Exception:
        session.rollback()
        raise
    else:
        session.commit()
    finally:
        session.info.pop(READ_ONLY, None)
        session.info.pop(GIVE_BACK, None)


class Refusal:
    """What ``refusable`` caught: the refusal a form shows, or None."""

    error: AppError | None = None

    @property
    def fields(self) -> dict[str, str]:
        """The refused fields and their messages ({} when none)."""
        return dict(self.error.fields) if self.error is not None else {}


@contextmanager
def refusable(session: Session) -> Iterator[Refusal]:
    """Run a command that a form may see refused, in a savepoint.

    A refusal the user can fix on the same page (an ``AppError`` without
    ``audit_action``) rolls back to the savepoint, so nothing of the refused
    change stays while the request's transaction goes on to render the form
    again; the refusal is kept in the ``Refusal`` yielded. A denial (with
    ``audit_action``) and any other error propagate: the request's transaction
    rolls back and audits the denial (``request_transaction``). On SQLite the
    savepoint sits inside the request's transaction, which began with the write
    lock; PostgreSQL uses the same SAVEPOINT statements.
    """
    refusal = Refusal()
    savepoint = session.begin_nested()
    try:
        yield refusal
    except AppError as exc:
        if exc.audit_action is not None:
            raise
        if savepoint.is_active:
            savepoint.rollback()
        for row in session.info.pop(GIVE_BACK, ()):
            session.delete(row)  # nothing was written: the form may come again
        # As after a full rollback: what the page reads next comes from the
        # database (a bulk UPDATE inside the savepoint is not tracked).
        session.expire_all()
        refusal.error = exc
    else:
        if savepoint.is_active:
            savepoint.commit()


def _record_denial(session: Session, request: Request, exc: AppError) -> None:
    # The denial is the transaction's first statement: on SQLite it begins
    # with the write lock, whatever kind of session the request had.
    session.connection(execution_options=IMMEDIATE)
    _audit_hooks().record_event(
        session,
        exc.audit_action or "denied",
        detail=f"{request.method} {request.url.path} -> {exc.status_code}",
    )
    session.commit()


def request_session(request: Request) -> Generator[Session, None, None]:
    """One session per request (see ``request_transaction``): a read request
    reads in a deferred transaction and writes on the side (``side_write``);
    any other request's transaction begins with SQLite's write lock.

    Up to its ``yield`` it does no I/O: a session takes a connection at its
    first statement. Code outside a route (an error page, the public page's
    scan counts) runs it as a plain generator; routes get it through
    ``get_session``."""
    if request.method in READ_METHODS:
        with get_read_sessionmaker()(info={SIDE_SESSIONS: get_sessionmaker()}) as s:
            yield from request_transaction(s, request)
        return
    with get_sessionmaker()() as session:
        yield from request_transaction(session, request)


async def get_session(request: Request) -> AsyncIterator[Session]:
    """``request_session`` as a route's dependency, with one threadpool hop.

    FastAPI runs a plain generator dependency in two hops (opening, ending);
    opening does no I/O, so it runs here in the event loop, and only the end
    (commit or rollback, then the connection back to the pool) goes to the
    threadpool, shielded so that a client who hangs up does not leave the
    connection checked out."""
    steps = request_session(request)
    session = next(steps)
    try:
        yield session
    except BaseException as exc:
        with CancelScope(shield=True):
            await run_in_threadpool(_end_with, steps, exc)
        raise
    else:
        with CancelScope(shield=True):
            await run_in_threadpool(_end, steps)


def _end(steps: Generator[Session, None, None]) -> None:
    for _ in steps:  # commits, then closes
        raise RuntimeError("a request session yields once")


def _end_with(steps: Generator[Session, None, None], exc: BaseException) -> None:
    try:
        steps.throw(exc)  # rolls back (auditing a denial), closes, raises again
    except StopIteration:
        return


# scope="function": the commit runs before the response is sent, so a failed
# commit is an error response rather than a silently lost write.
SessionDep = Annotated[Session, Depends(get_session, scope="function")]


def execute_dml(session: Session, statement: Executable) -> int:
    """Run a bulk UPDATE or DELETE; returns how many rows it touched."""
    result = cast(CursorResult[Any], session.execute(statement))
    return int(result.rowcount or 0)


S = TypeVar("S")


def session_state(session: Session, key: str, kind: type[S]) -> S:
    """What the session keeps under ``key`` in ``session.info`` for its life (the
    audit context, the ledger's pending subjects), made with ``kind()`` on first
    use or when another kind of value stands there."""
    value = session.info.get(key)
    if not isinstance(value, kind):
        value = kind()
        session.info[key] = value
    return value


class RowsInserted(Protocol):
    """A write-path hook for records inserted in bulk (``insert_rows``)."""

    def __call__(
        self, session: Session, model: type[Any], rows: Sequence[dict[str, Any]]
    ) -> None: ...


_inserted: tuple[RowsInserted, ...] = ()


def use_insert_hooks(hooks: Sequence[RowsInserted]) -> None:
    """The hooks that see records inserted in bulk, in order (``hooks.install``)."""
    global _inserted
    _inserted = tuple(hooks)


def insert_rows(session: Session, model: type[Any], rows: list[dict[str, Any]]) -> None:
    """Insert new records of ``model`` in one executemany, without the ORM's unit
    of work, then hand them to the write path's hooks for rows (the audit
    trail, the coverage ledger, the QR matrices, the public pages:
    ``hooks.INSERTED``), as a flush hands its new objects to ``after_flush``.

    Each row holds every column's value (``core.base.new_row``). A row without
    an ``id`` is given the one the database makes (``RETURNING``, in the rows'
    order); rows with their ids drawn beforehand (``query.reserve_ids``) go in
    as a set (``query.insert_all``).

    On SQLite the first row takes the id SQLite makes — past every id the
    table has held — and with it the write lock, held to commit: the others
    take the ids after it and go in as one executemany. An insert returning
    ids in the rows' order is one statement per row there (SQLAlchemy cannot
    rely on a multi-row insert's order): 50,000 statements, a tenth of a list
    import of 20,000 rows."""
    if not rows:
        return
    table = model.__table__
    if "id" in rows[0]:
        query.insert_all(session, table, rows)
    elif session.get_bind().dialect.name == "sqlite":
        first = session.execute(insert(table).returning(table.c.id), rows[0])
        after = rows[0]["id"] = first.scalar_one()
        for n, row in enumerate(rows[1:], start=1):
            row["id"] = after + n
        query.insert_all(session, table, rows[1:])
    else:
        made = session.execute(
            insert(table).returning(table.c.id, sort_by_parameter_order=True), rows
        )
        for row, made_id in zip(rows, made.scalars(), strict=True):
            row["id"] = made_id
    for hook in _inserted:
        hook(session, model, rows)


def add_unique(session: Session, row: object, taken: AppError) -> None:
    """Insert ``row`` and flush it in a savepoint; when another request took
    its unique slot between the caller's check and this insert, raise
    ``taken`` (the refusal the check gives), the transaction kept."""
    try:
        with session.begin_nested():
            session.add(row)
            session.flush()
    except IntegrityError:
        raise taken from None
