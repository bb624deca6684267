"""Test databases: a fresh SQLite file or a fresh PostgreSQL database per need."""

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from ocop_tracker.core import db as core_db
from ocop_tracker.core.config import get_settings

BASE_URL = os.environ.get("OCOP_TEST_DATABASE_URL", "")


def is_postgres() -> bool:
    """True when the suite runs against PostgreSQL."""
    return BASE_URL.startswith("postgresql")


@contextmanager
def fresh_database(tmp_dir: Path, label: str = "db") -> Iterator[str]:
    """An empty database for the duration of the block; its URL is yielded."""
    if not is_postgres():
        yield f"sqlite:///{tmp_dir / f'{label}-{uuid.uuid4().hex[:8]}.db'}"
        return
    name = f"ocop_{label}_{uuid.uuid4().hex[:10]}"
    admin = create_engine(BASE_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield (
            make_url(BASE_URL).set(database=name).render_as_string(hide_password=False)
        )
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def reset_caches() -> None:
    """Forget settings, engine and session factory (after changing the environment)."""
    get_settings.cache_clear()
    if core_db.get_engine.cache_info().currsize:
        core_db.get_engine().dispose()
    core_db.get_engine.cache_clear()
    core_db.get_sessionmaker.cache_clear()
    core_db.get_read_sessionmaker.cache_clear()
