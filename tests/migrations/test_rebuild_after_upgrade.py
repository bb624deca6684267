"""An upgrade across a revision that changes what the ledger counts recomputes it."""

import datetime as dt

import pytest
from sqlalchemy import create_engine, text

from ocop_tracker.core import migrate

# The last revision before the producers' segments carried their open shops.
BEFORE_SHOPS = "7b3e5d1a9c42"
LONG_AGO = dt.datetime(2026, 1, 1, 8, 0)


def _state(url: str) -> list[tuple[object, ...]]:
    engine = create_engine(url)
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT id, rebuilt_at FROM report_state")).all()
    engine.dispose()
    return [tuple(r) for r in rows]


def test_a_marked_revision_is_found_on_the_way_up() -> None:
    applied = migrate.crossed(BEFORE_SHOPS, migrate.head_revision())
    assert applied
    assert applied[0].revision != BEFORE_SHOPS
    assert any(getattr(s.module, migrate.REBUILD_MARK, False) for s in applied)
    assert migrate.crossed(migrate.head_revision(), migrate.head_revision()) == []


def test_a_built_ledger_is_rebuilt_by_the_upgrade(url: str) -> None:
    migrate.upgrade(BEFORE_SHOPS, url)
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO report_state (id, counts_day, stale, rebuilt_at) "
                "VALUES (1, :day, :stale, :at)"
            ),
            {"day": LONG_AGO.date(), "stale": True, "at": LONG_AGO},
        )
    engine.dispose()
    assert migrate.upgrade("head", url) is True
    [(_, rebuilt_at)] = _state(url)
    assert str(rebuilt_at)[:10] != "2026-01-01"
    # Already at head: nothing crossed, nothing rebuilt.
    assert migrate.upgrade("head", url) is False


def test_a_database_without_a_ledger_is_left_without_one(url: str) -> None:
    migrate.upgrade("head", url)
    assert _state(url) == []


def test_an_upgrade_given_its_url_needs_no_settings(
    url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A tool that names its database (the benchmarks, a restore) runs where the
    # service's settings are not set: reading the scripts must not need them.
    from ocop_tracker.core.config import get_settings

    monkeypatch.setenv("OCOP_ENV", "production")
    monkeypatch.delenv("OCOP_SECRET_KEY", raising=False)
    get_settings.cache_clear()
    try:
        with pytest.raises(ValueError, match="OCOP_SECRET_KEY"):
            get_settings()
        migrate.upgrade(BEFORE_SHOPS, url)
        assert migrate.crossed(BEFORE_SHOPS, migrate.head_revision())
    finally:
        get_settings.cache_clear()
