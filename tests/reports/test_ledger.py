"""The ledger's figures equal a naïve recount, today, in the past and ahead."""

import datetime as dt
import random

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from ocop_tracker.reports import ledger
from tests.reports.conftest import Clock, build_random, today
from tests.reports.naive import recount


def _check(session: Session, areas: list[int], days: list[dt.date]) -> int:
    conn = session.connection()
    checked = 0
    for day in days:
        fast, _ = ledger.read(conn, areas, day)
        slow_segments = ledger.read_segments(conn, areas, day)
        for area in areas:
            want = recount(session, area, day)
            got = {k: v for k, v in fast[area].items() if v}
            assert got == want, (area, day)
            seg = {k: v for k, v in slow_segments[area].items() if v}
            assert seg == want, (area, day, "segments")
            checked += 1
    return checked


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_kept_figures_equal_a_recount(
    session: Session, clock: Clock, seed: int
) -> None:
    rng = random.Random(seed)
    world = build_random(session, clock, rng)
    now = today()
    days = sorted(
        {
            now,
            now + dt.timedelta(days=45),
            now + dt.timedelta(days=400),
            dt.date(2025, 6, 30),
            dt.date(2025, 7, 1),
            *(
                world.first_day
                + dt.timedelta(days=rng.randrange((now - world.first_day).days))
                for _ in range(4)
            ),
        }
    )
    state = ledger.state(session.connection())
    assert state is not None
    assert not state[1], "the counts are in step, not stale"
    assert _check(session, world.areas, days) == len(world.areas) * len(days)


def test_fast_path_answers_today_from_counts(session: Session, clock: Clock) -> None:
    world = build_random(session, clock, random.Random(7), products=6)
    _, source = ledger.read(session.connection(), world.areas, today())
    assert source == "counts"
    _, source = ledger.read(
        session.connection(), world.areas, today() - dt.timedelta(days=1)
    )
    assert source == "segments"


def test_rebuild_gives_the_same_ledger(session: Session, clock: Clock) -> None:
    world = build_random(session, clock, random.Random(11), products=12)
    conn = session.connection()
    before = ledger.read_counts(conn, world.areas, today())
    ledger.rebuild(conn)
    after = ledger.read_counts(conn, world.areas, today())
    assert before is not None
    assert after is not None

    def clean(d: dict[int, dict[str, int]]) -> dict[int, dict[str, int]]:
        return {a: {k: v for k, v in m.items() if v} for a, m in d.items()}

    assert clean(before) == clean(after)


def test_counts_from_an_older_day_roll_forward(session: Session, clock: Clock) -> None:
    world = build_random(session, clock, random.Random(5), products=12)
    conn = session.connection()
    ledger.rebuild_counts(conn, today() - dt.timedelta(days=200))
    # Read through the schedule from 200 days back…
    assert _check(session, world.areas, [today()]) == len(world.areas)
    # …then move the counts to today and read again.
    ledger.roll_forward(conn)
    state = ledger.state(conn)
    assert state is not None
    assert state[0] == today()
    assert _check(session, world.areas, [today(), today() + dt.timedelta(days=100)])


def test_rehoming_reads_the_tree_of_each_date(session: Session, clock: Clock) -> None:
    """After the 2025 reform moves the hamlets, past dates still count the old tree."""
    from ocop_tracker.areas import service as area_service
    from ocop_tracker.areas.models import AdminUnitLink

    world = build_random(session, clock, random.Random(21), products=16)
    result = area_service.rehome(session, province_name="Sóc Trăng")
    session.commit()
    assert result.moved, "the demo province has hamlets to move"
    conn = session.connection()
    state = ledger.state(conn)
    assert state is not None
    assert state[1], "moving hamlets makes the kept counts stale"
    areas = sorted(
        set(world.areas)
        | set(
            session.scalars(
                select(AdminUnitLink.ancestor_id).where(
                    AdminUnitLink.descendant_id.in_([h.id for h in world.hamlets])
                )
            )
        )
    )
    days = [dt.date(2025, 6, 30), dt.date(2025, 7, 1), today()]
    assert _check(session, areas, days) == len(areas) * len(days)
    ledger.rebuild_counts(conn, today())
    _, source = ledger.read(conn, areas, today())
    assert source == "counts"
    assert _check(session, areas, [today()]) == len(areas)
