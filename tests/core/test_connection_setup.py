"""What every connection to the database is set up with, on either database."""

from pathlib import Path

import pytest
from sqlalchemy import Connection

from ocop_tracker.core import db


def test_every_sqlite_connection_maps_the_file_and_keeps_a_larger_cache(
    tmp_path: Path,
) -> None:
    engine = db.make_engine(f"sqlite:///{tmp_path / 'setup.db'}")
    try:
        with engine.connect() as conn:
            pragma = {
                name: conn.exec_driver_sql(f"PRAGMA {name}").scalar()
                for name in (
                    "foreign_keys",
                    "journal_mode",
                    "mmap_size",
                    "cache_size",
                )
            }
    finally:
        engine.dispose()
    assert pragma == {
        "foreign_keys": 1,
        "journal_mode": "wal",
        "mmap_size": db.SQLITE_MMAP_BYTES,
        # A negative cache size is in KiB (SQLite's default is -2000).
        "cache_size": -db.SQLITE_CACHE_KIB,
    }


def test_postgresql_sessions_bound_statements_and_compile_nothing(
    connection: Connection,
) -> None:
    if connection.dialect.name != "postgresql":
        pytest.skip("PostgreSQL's session settings")
    shown = {
        name: connection.exec_driver_sql(f"SHOW {name}").scalar()
        for name in ("jit", "statement_timeout")
    }
    assert shown == {"jit": "off", "statement_timeout": "5s"}
