"""``query.planned_per_use``: on PostgreSQL the block's statements are planned
for the tables as they stand, and the setting ends with the block — or with
the savepoint an error takes back."""

import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session

from ocop_tracker.core import query


def _mode(session: Session) -> str | None:
    if session.get_bind().dialect.name != "postgresql":
        return None
    return str(session.scalar(text("SHOW plan_cache_mode")))


def test_the_block_plans_per_use_and_the_setting_ends_with_it(session: Session) -> None:
    postgres = session.get_bind().dialect.name == "postgresql"
    before = _mode(session)
    with query.planned_per_use(session):
        inside = _mode(session)
        assert session.scalar(text("SELECT 1")) == 1
    assert inside == ("force_custom_plan" if postgres else None)
    assert _mode(session) == before


def test_an_error_in_the_block_takes_the_setting_back_with_its_savepoint(
    session: Session,
) -> None:
    before = _mode(session)
    nested = session.begin_nested()
    with pytest.raises(RuntimeError), query.planned_per_use(session):
        raise RuntimeError("refused")
    nested.rollback()
    assert _mode(session) == before
