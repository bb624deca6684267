"""Throwaway databases: an SQLite file in a temporary directory, a fresh PostgreSQL one."""

import secrets
import sqlite3
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

DEFAULT_PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


class PostgresUnavailable(Exception):
    """The PostgreSQL server could not be reached or refused a new database."""


def masked(url: str) -> str:
    """``url`` with its password hidden, fit for a table or a log."""
    return make_url(url).render_as_string(hide_password=True)


@contextmanager
def sqlite_database() -> Iterator[str]:
    """The URL of an SQLite file that is deleted, with its directory, afterwards."""
    with tempfile.TemporaryDirectory(prefix="ocop-bench-") as tmp:
        yield f"sqlite:///{Path(tmp) / 'bench.db'}"


@contextmanager
def postgres_database(admin_url: str) -> Iterator[str]:
    """The URL of a new database ``ocop_bench_<random>``, dropped afterwards.

    ``admin_url`` names any database of the server (``test`` by default); the
    new one is created and dropped over an AUTOCOMMIT connection to it. Raises
    PostgresUnavailable when the server cannot be used.
    """
    name = f"ocop_bench_{secrets.token_hex(4)}"
    try:
        admin = create_engine(
            admin_url, isolation_level="AUTOCOMMIT", connect_args={"connect_timeout": 3}
        )
    except ImportError as exc:  # the postgres extra (psycopg) is not installed
        raise PostgresUnavailable(f"driver missing: {exc}") from exc
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    except DBAPIError as exc:
        admin.dispose()
        reason = str(exc.orig).strip().splitlines()[0] if exc.orig else str(exc)
        raise PostgresUnavailable(reason) from exc
    try:
        yield (
            make_url(admin_url).set(database=name).render_as_string(hide_password=False)
        )
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def server_version(engine: Engine) -> str:
    """ "SQLite 3.40.1" or "PostgreSQL 15.20": what the benchmark ran on."""
    if engine.dialect.name == "sqlite":
        return f"SQLite {sqlite3.sqlite_version}"
    with engine.connect() as conn:
        version = conn.execute(text("SHOW server_version")).scalar_one()
    return f"PostgreSQL {str(version).split()[0]}"
