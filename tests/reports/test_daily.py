"""The service rolls the kept counts to each new day by itself (no cron needed)."""

import asyncio
import datetime as dt
import logging
import os
import random
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Connection, create_engine, select
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from ocop_tracker.auth import service as auth_service
from ocop_tracker.auth.models import LoginAttempt
from ocop_tracker.reports import daily, ledger, segments
from ocop_tracker.reports.models import ReportCheckpointDay
from tests.dbutil import fresh_database
from tests.reports.conftest import Clock, build_random, today


@pytest.mark.parametrize(
    ("utc", "jitter", "expected"),
    [
        (dt.datetime(2026, 11, 25, 16, 59, 30, tzinfo=dt.UTC), 0.0, 30.0),
        (dt.datetime(2026, 11, 25, 17, 0, 0, tzinfo=dt.UTC), 0.0, 86_400.0),
        (dt.datetime(2026, 11, 25, 5, 0, 0, tzinfo=dt.UTC), 12.5, 12 * 3600 + 12.5),
        # The last day of a month and of a year roll over to the 1st.
        (dt.datetime(2026, 12, 31, 16, 0, 0, tzinfo=dt.UTC), 0.0, 3600.0),
    ],
)
def test_it_sleeps_until_the_next_midnight_in_vietnam(
    utc: dt.datetime, jitter: float, expected: float
) -> None:
    assert daily.seconds_until_next_day(utc, jitter) == expected


def test_a_roll_moves_the_counts_and_adds_the_month_ends_passed(
    session: Session, connection: Connection, clock: Clock
) -> None:
    build_random(session, clock, random.Random(31), products=10)
    session.commit()
    segments.rebuild_counts(session.connection(), today() - dt.timedelta(days=100))
    session.commit()
    kept = set(session.scalars(select(ReportCheckpointDay.day)))
    assert daily.roll_once(connection) is True
    state = ledger.state(connection)
    assert state is not None
    assert state[0] == today()
    now_kept = set(session.scalars(select(ReportCheckpointDay.day)))
    assert len(now_kept - kept) >= 2, "the month ends of the last 100 days were added"
    assert daily.roll_once(connection) is False, "a second worker finds it done"


def _attempts(session: Session, ages: dict[str, dt.timedelta]) -> dict[str, str]:
    """Failed sign-ins of fresh logins, each ``age`` ago; login key by label."""
    now = dt.datetime.now(dt.UTC)
    keys = {label: f"thu.{label}.{secrets.token_hex(4)}" for label in ages}
    session.add_all(
        LoginAttempt(login_key=keys[label], client_ip="10.9.9.9", at=now - age)
        for label, age in ages.items()
    )
    session.commit()
    return keys


def _kept(session: Session, keys: dict[str, str]) -> set[str]:
    session.expire_all()
    found = set(
        session.scalars(
            select(LoginAttempt.login_key).where(
                LoginAttempt.login_key.in_(keys.values())
            )
        )
    )
    return {label for label, key in keys.items() if key in found}


AGES = {
    "old": dt.timedelta(days=3),
    "yesterday": dt.timedelta(hours=25),
    "recent": dt.timedelta(hours=2),
}


def test_the_roll_forgets_failed_sign_ins_older_than_a_day(
    session: Session, connection: Connection
) -> None:
    keys = _attempts(session, AGES)
    daily.roll_once(connection)
    assert _kept(session, keys) == {"recent"}


def test_a_failed_clean_up_does_not_stop_the_roll(
    session: Session,
    connection: Connection,
    clock: Clock,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    build_random(session, clock, random.Random(7), products=3)
    session.commit()
    segments.rebuild_counts(session.connection(), today() - dt.timedelta(days=40))
    session.commit()
    keys = _attempts(session, AGES)

    def broken(_session: Session) -> int:
        raise OperationalError("DELETE FROM login_attempts", {}, Exception("locked"))

    monkeypatch.setattr(auth_service, "forget_old_attempts", broken)
    with caplog.at_level(logging.ERROR, logger="ocop_tracker.reports"):
        assert daily.roll_once(connection) is True
    state = ledger.state(connection)
    assert state is not None
    assert state[0] == today(), "the counts moved all the same"
    assert _kept(session, keys) == set(AGES)
    assert any("failed sign-ins" in r.getMessage() for r in caplog.records)


def test_reports_roll_on_the_command_line_forgets_old_failed_sign_ins(
    tmp_path: Path,
) -> None:
    """In a process of its own (as cron runs it), on a database of its own."""

    def roll(url: str) -> None:
        env = {**os.environ, "OCOP_DATABASE_URL": url, "OCOP_ENV": "development"}
        env["OCOP_MEDIA_DIR"] = str(tmp_path / "media")
        done = subprocess.run(
            [sys.executable, "-m", "ocop_tracker", "reports", "roll"],
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
            env=env,
        )
        assert done.returncode == 0, done.stderr
        assert "Đã cập nhật số liệu đếm đến hôm nay." in done.stdout

    with fresh_database(tmp_path, "roll") as url:
        engine = create_engine(url)
        try:
            roll(url)  # brings the new database to the current schema
            with Session(engine) as session:
                keys = _attempts(session, AGES)
            roll(url)
            with Session(engine) as session:
                assert _kept(session, keys) == {"recent"}
        finally:
            engine.dispose()


def test_a_failed_roll_is_logged_and_tried_again(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    calls: list[int] = []

    def roll(_bind: object) -> bool:
        calls.append(1)
        if len(calls) == 1:
            raise ConnectionError("database down")
        return True

    monkeypatch.setattr(daily, "roll_once", roll)
    monkeypatch.setattr(daily, "seconds_until_next_day", lambda *_: 0.0)
    monkeypatch.setattr(daily, "RETRY_S", 0.0)

    async def until_three() -> None:
        task = asyncio.create_task(daily.run_daily(None))  # type: ignore[arg-type]
        while len(calls) < 3:
            await asyncio.sleep(0.01)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task

    with caplog.at_level(logging.INFO, logger="ocop_tracker.reports"):
        asyncio.run(asyncio.wait_for(until_three(), 10))
    messages = [r.getMessage() for r in caplog.records]
    assert any("failed" in m for m in messages)
    assert any("daily roll done" in m for m in messages)


@pytest.mark.parametrize("setting", ["true", "false"])
def test_the_service_starts_and_stops_its_daily_roll(
    app: object, monkeypatch: pytest.MonkeyPatch, setting: str
) -> None:
    from ocop_tracker.core.config import get_settings

    started: list[int] = []
    real = daily.run_daily

    async def spy(engine: object, rng: random.Random | None = None) -> None:
        started.append(1)
        await real(engine, rng)  # type: ignore[arg-type]

    monkeypatch.setattr(daily, "run_daily", spy)
    monkeypatch.setenv("OCOP_DAILY_ROLL", setting)
    get_settings.cache_clear()
    try:
        with TestClient(app, base_url="https://127.0.0.1") as client:  # type: ignore[arg-type]
            assert client.get("/healthz").status_code == 200
    finally:
        get_settings.cache_clear()
    assert started == ([1] if setting == "true" else [])
