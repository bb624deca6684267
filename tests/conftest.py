"""Shared fixtures: a migrated database per run, a rolled-back transaction per test.

``OCOP_TEST_DATABASE_URL`` chooses the database: unset, an SQLite file under
pytest's temporary directory; a PostgreSQL URL, a fresh database created from it
for this run and dropped afterwards.
"""

import os
from collections.abc import Iterator

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Connection, Engine
from sqlalchemy.orm import Session

from ocop_tracker.core import db as core_db
from ocop_tracker.core.migrate import alembic_config
from tests.dbutil import fresh_database, is_postgres, reset_caches

os.environ.setdefault("OCOP_ENV", "test")


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
        reset_caches()
        command.upgrade(alembic_config(url), "head")
        with core_db.get_sessionmaker()() as session:
            demo_service.load(session)
            session.commit()
        yield url
        reset_caches()


@pytest.fixture(scope="session")
def engine(database_url: str) -> Engine:
    """The engine the app uses during the run."""
    return core_db.get_engine()


@pytest.fixture
def connection(engine: Engine) -> Iterator[Connection]:
    """A connection whose outer transaction is rolled back after the test."""
    with engine.connect() as conn:
        trans = conn.begin()
        try:
            yield conn
        finally:
            trans.rollback()


@pytest.fixture
def session(connection: Connection) -> Iterator[Session]:
    """A session joined to the test's transaction: its commits become savepoints."""
    with Session(
        bind=connection,
        join_transaction_mode="create_savepoint",
        expire_on_commit=False,
    ) as s:
        yield s


@pytest.fixture
def app(session: Session) -> FastAPI:
    """The application, its sessions bound to the test's transaction."""
    from ocop_tracker.main import create_app

    application = create_app()

    def override() -> Iterator[Session]:
        session.expunge_all()  # each request loads its objects afresh, as in production
        try:
            yield session
        except Exception:
            session.rollback()
            raise
        else:
            session.commit()

    application.dependency_overrides[core_db.get_session] = override
    return application


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    """An HTTP client for the app, as 127.0.0.1."""
    with TestClient(
        app, base_url="http://127.0.0.1", raise_server_exceptions=False
    ) as c:
        yield c
