"""Test databases: a fresh SQLite file or a fresh PostgreSQL database per need."""

import datetime as dt
import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import sqlalchemy as sa
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


def tables_at(url: str, revision: str) -> dict[str, sa.Table]:
    """The database at ``url`` upgraded to ``revision``, its tables reflected (a
    migration test's old schema, to write old rows into)."""
    from alembic import command

    from ocop_tracker.core.migrate import alembic_config

    command.upgrade(alembic_config(url), revision)
    engine = sa.create_engine(url)
    try:
        meta = sa.MetaData()
        meta.reflect(engine)
        return dict(meta.tables)
    finally:
        engine.dispose()


# The moment ``required_row`` writes into required date-times.
ROW_MOMENT = dt.datetime(2026, 11, 30, 3, 0, tzinfo=dt.UTC)


def required_row(table: sa.Table, **given: Any) -> dict[str, Any]:
    """``given``, with a plain value for every other required column of ``table``
    (a reflected table at some revision: a migration test's old rows)."""
    row = dict(given)
    for column in table.columns:
        if column.name in row or column.nullable or column.primary_key:
            continue
        python = column.type.python_type
        row[column.name] = (
            ROW_MOMENT
            if python is dt.datetime
            else 1
            if python is int
            else False
            if python is bool
            else (getattr(column.type, "enums", None) or ["x"])[0]
        )
    return row


def load_demo(url: str) -> None:
    """The database at ``url`` at head with the demo data committed (an
    installation of its own, as a backup or restore test needs)."""
    from ocop_tracker.core.migrate import upgrade
    from ocop_tracker.demo import service as demo_service

    upgrade("head", url=url)
    engine = core_db.make_engine(url)
    try:
        with sa.orm.Session(engine) as session:
            demo_service.load(session)
            session.commit()
    finally:
        engine.dispose()
