"""The daily link check: off by default, started beside the report roll when asked."""

import asyncio
import datetime as dt
import logging
import random

import pytest
from fastapi.testclient import TestClient

from ocop_tracker.links import daily


@pytest.mark.parametrize(
    ("utc", "after", "expected"),
    [
        (dt.datetime(2026, 11, 25, 16, 59, 30, tzinfo=dt.UTC), 3600.0, 3630.0),
        (dt.datetime(2026, 12, 31, 16, 0, 0, tzinfo=dt.UTC), 0.0, 3600.0),
    ],
)
def test_it_waits_until_after_midnight_in_vietnam(
    utc: dt.datetime, after: float, expected: float
) -> None:
    assert daily.seconds_until(utc, after) == expected


@pytest.mark.parametrize("setting", [None, "true", "false"])
def test_the_service_checks_links_only_when_asked(
    app: object, monkeypatch: pytest.MonkeyPatch, setting: str | None
) -> None:
    from ocop_tracker.core.config import get_settings

    started: list[int] = []

    async def spy(engine: object, rng: random.Random | None = None) -> None:
        started.append(1)
        await asyncio.sleep(3600)

    monkeypatch.setattr(daily, "run_daily", spy)
    if setting is None:
        monkeypatch.delenv("OCOP_LINK_CHECK", raising=False)
    else:
        monkeypatch.setenv("OCOP_LINK_CHECK", setting)
    get_settings.cache_clear()
    try:
        with TestClient(app, base_url="https://127.0.0.1") as client:  # type: ignore[arg-type]
            assert client.get("/healthz").status_code == 200
    finally:
        get_settings.cache_clear()
    assert started == ([1] if setting == "true" else [])


def test_a_failed_check_is_logged_and_never_kills_the_job(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    calls: list[int] = []

    def check(_engine: object) -> object:
        calls.append(1)
        if len(calls) == 1:
            raise ConnectionError("network down")
        return "done"

    class Now:
        def uniform(self, _a: float, _b: float) -> float:
            return 0.0

    monkeypatch.setattr(daily, "check_once", check)
    monkeypatch.setattr(daily, "seconds_until", lambda *_: 0.0)

    async def until_two() -> None:
        task = asyncio.create_task(daily.run_daily(None, Now()))  # type: ignore[arg-type]
        while len(calls) < 2:
            await asyncio.sleep(0.01)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task

    with caplog.at_level(logging.INFO, logger="ocop_tracker.links"):
        asyncio.run(asyncio.wait_for(until_two(), 10))
    assert any("failed" in r.getMessage() for r in caplog.records)
