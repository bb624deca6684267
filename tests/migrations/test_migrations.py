"""Migrations on the suite's database kind: one head, up/down/up, models = schema."""

from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, inspect

from ocop_tracker.core.migrate import alembic_config
from ocop_tracker.models import Base
from tests.dbutil import fresh_database


@pytest.fixture
def empty_url(tmp_path: Path) -> Iterator[str]:
    with fresh_database(tmp_path, "mig") as url:
        yield url


def test_single_head() -> None:
    heads = ScriptDirectory.from_config(alembic_config("sqlite://")).get_heads()
    assert len(heads) == 1


def test_every_revision_up_down_up(empty_url: str) -> None:
    cfg = alembic_config(empty_url)
    script = ScriptDirectory.from_config(cfg)
    revisions = list(reversed(list(script.walk_revisions())))
    for revision in revisions:  # stairway: each step up, down, up again
        command.upgrade(cfg, revision.revision)
        down = revision.down_revision
        command.downgrade(cfg, down if isinstance(down, str) else "base")
        command.upgrade(cfg, revision.revision)
    command.downgrade(cfg, "base")
    engine = create_engine(empty_url)
    assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
    command.upgrade(cfg, "head")
    assert {"admin_units", "admin_unit_links", "area_mappings"} <= set(
        inspect(engine).get_table_names()
    )
    engine.dispose()


def test_models_match_migrations(empty_url: str) -> None:
    command.upgrade(alembic_config(empty_url), "head")
    engine = create_engine(empty_url)
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        diff = compare_metadata(context, Base.metadata)
    engine.dispose()
    assert diff == []
