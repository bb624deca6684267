"""Shared fixtures: a migrated database per run, a rolled-back transaction per test.

``OCOP_TEST_DATABASE_URL`` chooses the database: unset, an SQLite file under
pytest's temporary directory; a PostgreSQL URL, a fresh database created from it
for this run and dropped afterwards.
"""

import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import pytest
from fastapi import FastAPI, Request
from fastapi.testclient import TestClient
from sqlalchemy import Connection, Engine
from sqlalchemy.orm import Session

from bench.drills.object_store import S3Server
from ocop_tracker import hooks
from ocop_tracker.auth import service as auth_service
from ocop_tracker.core import db as core_db
from ocop_tracker.core import refcache
from ocop_tracker.core.config import get_settings
from ocop_tracker.core.migrate import alembic_config
from ocop_tracker.offline import middleware as form_key_middleware
from ocop_tracker.users import repository as user_repository
from tests.dbutil import fresh_database, is_postgres, reset_caches

os.environ.setdefault("OCOP_ENV", "test")
# The write path's hooks, as the app and the command line register them.
hooks.install()


def pytest_collection_modifyitems(
    config: pytest.Config, items: list[pytest.Item]
) -> None:
    """Skip PostgreSQL-only tests on SQLite, with the reason shown."""
    if is_postgres():
        return
    skip = pytest.mark.skip(reason="needs PostgreSQL (OCOP_TEST_DATABASE_URL)")
    for item in items:
        if "postgres_only" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The run's database, migrated to head, with the demo areas committed once."""
    from alembic import command

    from ocop_tracker.demo import service as demo_service

    with fresh_database(tmp_path_factory.mktemp("db"), "run") as url:
        os.environ["OCOP_DATABASE_URL"] = url
        os.environ["OCOP_MEDIA_DIR"] = str(tmp_path_factory.mktemp("media"))
        reset_caches()
        command.upgrade(alembic_config(url), "head")
        with core_db.get_sessionmaker()() as session:
            demo_service.load(session)
            session.commit()
        yield url
        reset_caches()


@pytest.fixture(scope="session")
def engine(database_url: str) -> Iterator[Engine]:
    """The engine the app uses during the run, closed at its end.

    A test that runs the command line in-process makes the app build engines of
    its own and forgets this one; tests after it still connect through it, so its
    pool is closed here rather than left to the garbage collector (psycopg warns
    of a connection deleted while open, and the warning fails the run).
    """
    engine = core_db.get_engine()
    yield engine
    engine.dispose()


@pytest.fixture
def connection(engine: Engine) -> Iterator[Connection]:
    """A connection whose outer transaction is rolled back after the test."""
    with engine.connect() as conn:
        trans = conn.begin()
        try:
            yield conn
        finally:
            trans.rollback()
            # What the test committed is gone: so is what workers kept of it.
            refcache.purge()


@pytest.fixture
def session(connection: Connection) -> Iterator[Session]:
    """A session joined to the test's transaction: its commits become savepoints."""
    with Session(
        bind=connection,
        join_transaction_mode="create_savepoint",
        expire_on_commit=False,
    ) as s:
        yield s


class _Bound:
    """The test whose transaction the shared application's requests join."""

    session: Session | None = None


_APPS: dict[tuple[object, ...], FastAPI] = {}


def _shared_app() -> FastAPI:
    """One application per worker and settings: FastAPI builds each route's
    request handling on the first request an application gets (about a second
    for all of ours), so a fresh application per test paid it again and again."""
    from ocop_tracker.main import create_app

    settings = get_settings()
    key = (id(settings), settings.docs_enabled, tuple(settings.allowed_hosts))
    if key not in _APPS:
        application = create_app()

        def override(request: Request) -> Iterator[Session]:
            session = _Bound.session
            assert session is not None, "a request outside a test's transaction"
            session.expunge_all()  # each request loads its objects afresh, as in production
            yield from core_db.request_transaction(session, request)

        application.dependency_overrides[core_db.get_session] = override

        @contextmanager
        def bound() -> Iterator[Session]:
            session = _Bound.session
            assert session is not None, "a request outside a test's transaction"
            yield session

        # A keyed form's answer is noted after the response, in the test's transaction too.
        setattr(application.state, form_key_middleware.SESSIONS, bound)
        _APPS[key] = application
    return _APPS[key]


@pytest.fixture
def app(session: Session) -> Iterator[FastAPI]:
    """The application, its sessions bound to the test's transaction."""
    application = _shared_app()
    overrides = dict(application.dependency_overrides)
    _Bound.session = session
    try:
        yield application
    finally:
        _Bound.session = None
        application.dependency_overrides.clear()
        application.dependency_overrides.update(overrides)


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    """An anonymous HTTP client for the app (https, so Secure cookies travel)."""
    with TestClient(
        app, base_url="https://127.0.0.1", raise_server_exceptions=False
    ) as c:
        yield c


SignIn = Callable[[str], TestClient]


@pytest.fixture
def sign_in(app: FastAPI, session: Session) -> Iterator[SignIn]:
    """``sign_in("login")``: a new client with a live session of that user.

    The session is opened directly (no password check) so tests stay fast;
    tests of signing in itself go through the login routes.
    """
    clients: list[TestClient] = []

    def _sign_in(login: str) -> TestClient:
        user = user_repository.by_login(session, login)
        assert user is not None, login
        token, auth = auth_service.open_session(
            session, user, client_ip="127.0.0.1", user_agent="pytest"
        )
        session.commit()
        c = TestClient(app, base_url="https://127.0.0.1", raise_server_exceptions=False)
        c.cookies.set(get_settings().session_cookie, token)
        c.headers["X-CSRF-Token"] = auth.csrf_token
        clients.append(c)
        return c

    yield _sign_in
    for c in clients:
        c.close()


@pytest.fixture
def admin(sign_in: SignIn) -> TestClient:
    """A client signed in as the demo admin."""
    return sign_in("admin")


@pytest.fixture(scope="session")
def s3_server() -> Iterator[S3Server]:
    """A real S3 protocol server on 127.0.0.1 (moto), for this run's worker."""
    server = S3Server().start()
    try:
        yield server
    finally:
        server.stop()
