"""The ledger's figures equal a naïve recount, today, in the past and ahead."""

import datetime as dt
import random

import pytest
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from ocop_tracker.areas.models import AdminUnit, AdminUnitLink
from ocop_tracker.producers.models import Producer
from ocop_tracker.products.models import Certificate, CertLevel, Product, ProductKind
from ocop_tracker.reports import checkpoints, ledger, segments, views
from ocop_tracker.reports.models import NATION, ReportCheckpoint, ReportCheckpointDay
from tests.reports.conftest import Clock, RandomWorld, build_random, today
from tests.reports.naive import recount, recount_activity, recount_training

HEADLINE = checkpoints.COMMUNE_METRICS


def _check(
    session: Session,
    areas: list[int],
    days: list[dt.date],
    source: str | None = None,
) -> int:
    conn = session.connection()
    checked = 0
    for day in days:
        fast, used = views.read(conn, areas, day)
        headline, _ = views.read(conn, areas, day, sorted(HEADLINE))
        if source is not None:
            assert used == source, (day, used)
        slow_segments = views.read_segments(conn, areas, day)
        # Areas below the provinces read together: the window seeks their
        # hamlets' segments, for many areas at once (a province's communes).
        below = [a for a in areas if a != NATION and _level(session, a) != "province"]
        together, _ = views.read(conn, below, day)
        for area in areas:
            if area in together:
                got = {k: v for k, v in together[area].items() if v}
                assert got == recount(session, area, day), (area, day, "together")
            want = recount(session, area, day)
            got = {k: v for k, v in fast[area].items() if v}
            assert got == want, (area, day)
            seg = {k: v for k, v in slow_segments[area].items() if v}
            assert seg == want, (area, day, "segments")
            # Read alone, an area inside one province seeks its own hamlets'
            # segments (``checkpoints.window``), where the many read the country's.
            alone, _ = views.read(conn, [area], day)
            assert {k: v for k, v in alone[area].items() if v} == want, (area, day)
            if source is not None:
                # A parent's breakdown by child: communes answer from checkpoints.
                got = {k: v for k, v in headline[area].items() if v and k in HEADLINE}
                assert got == {k: v for k, v in want.items() if k in HEADLINE}
                alone, _ = views.read(conn, [area], day, sorted(HEADLINE))
                got = {k: v for k, v in alone[area].items() if v and k in HEADLINE}
                assert got == {k: v for k, v in want.items() if k in HEADLINE}
            checked += 1
    _check_activity(session, areas, days)
    return checked


def _level(session: Session, area_id: int) -> str:
    unit = session.get(AdminUnit, area_id)
    assert unit is not None
    return unit.level.value


def _check_activity(session: Session, areas: list[int], days: list[dt.date]) -> None:
    """Each area's monthly activity, kept, equals a recount of the rows."""
    months = sorted({d.replace(day=1) for d in days if d <= today()})
    if not months:  # later days only: no month of activity yet
        return
    conn = session.connection()
    for area in areas:
        got = views.activity(conn, area, months)
        trained = views.training(conn, area, months)
        # The coverage answer reads both in one statement: the same sums.
        assert views.activity_and_training(conn, area, months) == (got, trained)
        for month in months:
            sums = got[month]
            want = recount_activity(session, area, month)
            assert (sums.active_shops, sums.orders, sums.revenue_vnd) == want, (
                area,
                month,
            )
            t = trained[month]
            assert (t.sessions, t.attendees, t.coaching_visits) == recount_training(
                session, area, month
            ), (area, month, "training")


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
    kept = views.read(session.connection(), [0], now)[0][0]
    assert kept.get("producers.shop"), "some producers have an open shop"
    assert kept.get("members"), "the teams have members"
    ever = views.read(session.connection(), [0], now)[0][0]
    assert ever.get("producers.trained") or ever.get("members.trained"), (
        "someone has been trained"
    )
    assert any(
        views.activity(session.connection(), 0, [d.replace(day=1)])[
            d.replace(day=1)
        ].orders
        for d in days
        if d <= now
    ), "some shops reported orders"


def test_fast_path_answers_today_from_counts(session: Session, clock: Clock) -> None:
    world = build_random(session, clock, random.Random(7), products=6)
    _, source = views.read(session.connection(), world.areas, today())
    assert source == "counts"
    _, source = views.read(
        session.connection(), world.areas, today() - dt.timedelta(days=1)
    )
    assert source == "checkpoints"
    # Before the first checkpoint: read backwards from it.
    first = min(session.scalars(select(ReportCheckpointDay.day)))
    before_first = first - dt.timedelta(days=1)
    assert _check(session, world.areas, [before_first], "checkpoints")
    # Stale counts (the tree moved): nothing but the segments can answer.
    segments.mark_stale(session.connection())
    _, source = views.read(session.connection(), world.areas, before_first)
    assert source == "segments"


def test_rebuild_gives_the_same_ledger(session: Session, clock: Clock) -> None:
    world = build_random(session, clock, random.Random(11), products=12)
    conn = session.connection()
    before = views.read_counts(conn, world.areas, today())
    segments.rebuild(conn)
    after = views.read_counts(conn, world.areas, today())
    assert before is not None
    assert after is not None

    def clean(d: dict[int, dict[str, int]]) -> dict[int, dict[str, int]]:
        return {a: {k: v for k, v in m.items() if v} for a, m in d.items()}

    assert clean(before) == clean(after)


def test_counts_from_an_older_day_roll_forward(session: Session, clock: Clock) -> None:
    world = build_random(session, clock, random.Random(5), products=12)
    conn = session.connection()
    segments.rebuild_counts(conn, today() - dt.timedelta(days=200))
    # Read through the segments from the counts of 200 days back…
    assert _check(session, world.areas, [today()]) == len(world.areas)
    # …then move the counts to today and read again.
    segments.roll_forward(conn)
    state = ledger.state(conn)
    assert state is not None
    assert state[0] == today()
    assert _check(session, world.areas, [today(), today() + dt.timedelta(days=100)])


def _with_ancestors(session: Session, world: RandomWorld) -> list[int]:
    """The world's areas and every ancestor its hamlets have on any day."""
    return sorted(
        set(world.areas)
        | set(
            session.scalars(
                select(AdminUnitLink.ancestor_id).where(
                    AdminUnitLink.descendant_id.in_([h.id for h in world.hamlets])
                )
            )
        )
    )


def test_rehoming_reads_the_tree_of_each_date(session: Session, clock: Clock) -> None:
    """After the 2025 reform moves the hamlets, past dates still count the old tree."""
    from ocop_tracker.areas import service as area_service

    world = build_random(session, clock, random.Random(21), products=16)
    result = area_service.rehome(session, province_name="Sóc Trăng")
    session.commit()
    assert result.moved, "the demo province has hamlets to move"
    conn = session.connection()
    state = ledger.state(conn)
    assert state is not None
    assert state[1], "moving hamlets makes the kept counts stale"
    areas = _with_ancestors(session, world)
    days = [dt.date(2025, 6, 30), dt.date(2025, 7, 1), today()]
    assert _check(session, areas, days) == len(areas) * len(days)
    _, source = views.read(conn, areas, dt.date(2025, 6, 30))
    assert source == "segments", "stale: no checkpoint answers until a rebuild"
    segments.rebuild_counts(conn, today())
    _, source = views.read(conn, areas, today())
    assert source == "counts"
    assert _check(session, areas, [today()]) == len(areas)
    # The checkpoints stand on both sides of the move, each under its own tree.
    days_kept = set(session.scalars(select(ReportCheckpointDay.day)))
    assert {dt.date(2025, 6, 30), dt.date(2025, 7, 1)} <= days_kept
    crossing = [
        dt.date(2025, 6, 29),
        dt.date(2025, 6, 30),
        dt.date(2025, 7, 1),
        dt.date(2025, 7, 2),
        dt.date(2025, 7, 31),
        dt.date(2025, 8, 15),
    ]
    assert _check(session, areas, crossing, "checkpoints") == len(areas) * len(crossing)


def test_counts_roll_and_read_ahead_across_a_change_of_the_tree(
    session: Session, clock: Clock
) -> None:
    """Counts of a day before the 2025 reform: a later day past the move is
    counted from its segments, and rolling the counts across the move counts
    them again under the new tree."""
    from ocop_tracker.areas import service as area_service

    world = build_random(session, clock, random.Random(23), products=16)
    assert area_service.rehome(session, province_name="Sóc Trăng").moved
    session.commit()
    areas = _with_ancestors(session, world)
    conn = session.connection()
    before = dt.date(2025, 6, 20)
    segments.rebuild_counts(conn, before)
    ahead = [dt.date(2025, 6, 25), dt.date(2025, 6, 30)]
    assert _check(session, areas, ahead, "counts") == len(areas) * len(ahead)
    across = [dt.date(2025, 7, 1), dt.date(2025, 7, 10)]
    for day in across:
        _, source = views.read(conn, areas, day)
        assert source == "segments", "no count is read across the move"
    segments.roll_forward(conn, dt.date(2025, 7, 10))
    state = ledger.state(conn)
    assert state is not None
    assert state[0] == dt.date(2025, 7, 10)
    assert _check(session, areas, [dt.date(2025, 7, 10), today()], "counts") == 2 * len(
        areas
    )


def test_a_move_mid_month_is_never_read_across(session: Session, clock: Clock) -> None:
    """A hamlet moved on a 20th: the 19th is read forward from the month end before.

    Reading it backwards from the move's checkpoint would count the hamlet
    under its new commune a day early.
    """
    from ocop_tracker.areas import repository as area_repository
    from ocop_tracker.areas.models import AdminUnit, AdminUnitLink

    world = build_random(session, clock, random.Random(29), products=20)
    moved = world.hamlets[0]
    source, target = moved.parent_id, world.hamlets[-1].parent_id
    assert source is not None
    assert target is not None
    assert source != target
    day = (today() - dt.timedelta(days=120)).replace(day=20)
    assert views.read_segments(session.connection(), [moved.id], day - ONE)[
        moved.id
    ].get("ocop"), "the hamlet has OCOP products on the day before the move"
    area_repository.close_links_up(session, moved.id, last_day=day - ONE)
    for up in area_repository.open_links_up(session, target):
        session.add(
            AdminUnitLink(
                ancestor_id=up.ancestor_id,
                descendant_id=moved.id,
                depth=up.depth + 1,
                valid_from=day,
            )
        )
    session.get_one(AdminUnit, moved.id).parent_id = target
    session.flush()
    conn = session.connection()
    segments.rebuild_counts(conn, today())
    assert session.scalar(
        select(ReportCheckpointDay.tree_change).where(ReportCheckpointDay.day == day)
    ), "the move's day is a checkpoint of its own"
    areas = sorted(set(world.areas) | {source, target})
    month_end = (day.replace(day=28) + dt.timedelta(days=4)).replace(day=1) - ONE
    days = [day - 2 * ONE, day - ONE, day, day + ONE, month_end]
    assert _check(session, areas, days, "checkpoints") == len(areas) * len(days)


ONE = dt.timedelta(days=1)


def _checkpoints(session: Session) -> dict[tuple[dt.date, int, str], int]:
    return {
        (c.day, c.area_id, c.metric): c.value
        for c in session.scalars(select(ReportCheckpoint))
        if c.value
    }


def _around_checkpoints(session: Session, rng: random.Random) -> list[dt.date]:
    """Checkpoint days and their neighbours, and random days between them.

    The day before a checkpoint is read backwards from it, the day after
    forwards from it; a random day from whichever is nearer.
    """
    kept = sorted(session.scalars(select(ReportCheckpointDay.day)))
    assert kept, "the ledger keeps checkpoints"
    picked = rng.sample(kept, min(4, len(kept)))
    days = {d + dt.timedelta(days=k) for d in picked for k in (-1, 0, 1)}
    days.update(d + dt.timedelta(days=rng.randrange(1, 28)) for d in picked)
    days.add(today() - dt.timedelta(days=1))
    return sorted(d for d in days if kept[0] <= d < today())


@pytest.mark.parametrize("seed", [4, 8])
def test_past_dates_read_checkpoints_equal_a_recount(
    session: Session, clock: Clock, seed: int
) -> None:
    rng = random.Random(seed)
    world = build_random(session, clock, rng)
    days = _around_checkpoints(session, rng)
    assert _check(session, world.areas, days, "checkpoints") == len(world.areas) * len(
        days
    )
    # Kept in step write by write, they equal checkpoints built from scratch.
    kept = _checkpoints(session)
    segments.rebuild_counts(session.connection(), today())
    assert _checkpoints(session) == kept
    # The 8th, 15th and 22nd keep the country's and the provinces' figures
    # only, every other day but month ends the country's.
    holds = {
        d: (h, change)
        for d, h, change in session.execute(
            select(
                ReportCheckpointDay.day,
                ReportCheckpointDay.holds,
                ReportCheckpointDay.tree_change,
            )
        )
    }
    assert all(h == checkpoints.holds_on(d, c) for d, (h, c) in holds.items())
    for held, want in (
        (checkpoints.PROVINCES, {"nation", "province"}),
        (checkpoints.COUNTRY, {"nation"}),
    ):
        levels = {
            _level(session, a) if a != NATION else "nation"
            for (d, a, _) in kept
            if holds[d][0] == held
        }
        assert levels == want, (held, levels)


def test_a_change_in_the_past_moves_later_checkpoints(
    session: Session, clock: Clock
) -> None:
    rng = random.Random(13)
    world = build_random(session, clock, rng, products=10)
    product = session.scalars(
        select(Product)
        .where(Product.hamlet_id.in_([h.id for h in world.hamlets]))
        .order_by(Product.id)
    ).first()
    assert product is not None
    product.kind = ProductKind.ocop
    decided = dt.date(2024, 2, 10)
    session.add(
        Certificate(
            product_id=product.id,
            hamlet_id=product.hamlet_id,
            stars=4,
            decision_number="99-late/QĐ-UBND",
            decision_date=decided,
            authority="UBND tỉnh",
            level=CertLevel.province,
            expires_on=dt.date(2027, 2, 9),
        )
    )
    before = _checkpoints(session)
    session.commit()
    after = _checkpoints(session)
    assert before != after, "checkpoints after the decision moved"
    days = [
        dt.date(2024, 2, 9),
        dt.date(2024, 2, 10),
        dt.date(2024, 2, 29),
        dt.date(2024, 3, 1),
        dt.date(2025, 6, 30),
        dt.date(2025, 7, 1),
        today() - dt.timedelta(days=1),
    ]
    assert _check(session, world.areas, days, "checkpoints") == len(world.areas) * len(
        days
    )
    segments.rebuild_counts(session.connection(), today())
    assert _checkpoints(session) == after


def test_a_refresh_in_parts_posts_their_moves_once_and_exactly(
    session: Session, clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Parts of one subject each: what they move is added up and written at
    the end — or first, where a part adds checkpoints before the first one
    from the segments (they must already hold the earlier parts' moves)."""
    monkeypatch.setattr(segments, "REFRESH_SUBJECTS", 1)
    world = build_random(session, clock, random.Random(19), products=12)
    first = min(session.scalars(select(ReportCheckpointDay.day)))
    products = session.scalars(
        select(Product)
        .where(Product.hamlet_id.in_([h.id for h in world.hamlets]))
        .order_by(Product.id)
        .limit(3)
    ).all()
    assert len(products) == 3
    # In id order, so in parts' order: decided after the first checkpoint,
    # then before it (that part extends the checkpoints), then after again.
    decided = [
        first + dt.timedelta(days=40),
        first - dt.timedelta(days=90),
        first + dt.timedelta(days=75),
    ]
    for n, (product, day) in enumerate(zip(products, decided, strict=True)):
        product.kind = ProductKind.ocop
        session.add(
            Certificate(
                product_id=product.id,
                hamlet_id=product.hamlet_id,
                stars=3 + n % 2,
                decision_number=f"{n}-parts/QĐ-UBND",
                decision_date=day,
                authority="UBND tỉnh",
                level=CertLevel.province,
                expires_on=day + dt.timedelta(days=3 * 365),
            )
        )
    session.commit()
    now_first = min(session.scalars(select(ReportCheckpointDay.day)))
    assert now_first < first, "the second part added checkpoints before the first"
    kept = _checkpoints(session)
    conn = session.connection()
    counts = views.read_counts(conn, world.areas, today())
    # Later days, around the certificates' expiries and their last 90 days,
    # read from the counts plus the segments in between: as a recount says.
    expiries = [day + dt.timedelta(days=3 * 365) for day in decided]
    later = sorted(
        {
            d
            for e in expiries
            for d in (e - dt.timedelta(days=91), e - dt.timedelta(days=90), e)
            if d > today()
        }
        | {today() + dt.timedelta(days=1), today() + dt.timedelta(days=4 * 365)}
    )
    assert _check(session, world.areas, later, "counts") == len(world.areas) * len(
        later
    )
    segments.rebuild_counts(conn, today())
    assert _checkpoints(session) == kept
    assert views.read_counts(conn, world.areas, today()) == counts
    days = sorted({now_first, first - dt.timedelta(days=1), *decided})
    assert _check(session, world.areas, days, "checkpoints") == len(world.areas) * len(
        days
    )


def test_the_first_write_ever_in_parts_leaves_the_ledger_in_step(
    session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The ledger's state is made by the first write ever, stale when rows
    exist that the write does not cover. A first import larger than a part is
    judged by every subject it refreshes, not by its first part's (which took
    the rest, already written, for rows never seen: every report read from
    segments until a rebuild)."""
    monkeypatch.setattr(segments, "REFRESH_SUBJECTS", 2)
    conn = session.connection()
    products = session.scalars(select(Product.id).order_by(Product.id)).all()
    producers = session.scalars(select(Producer.id).order_by(Producer.id)).all()
    assert len(products) > 2 * segments.REFRESH_SUBJECTS
    for left_out, stale in ((0, False), (1, True)):
        conn.execute(delete(ledger.STATE))
        segments.refresh(conn, products=products[left_out:], producers=producers)
        state = ledger.state(conn)
        assert state is not None
        assert state[1] is stale, (left_out, state)


def test_rolling_forward_adds_the_month_ends_passed(
    session: Session, clock: Clock
) -> None:
    world = build_random(session, clock, random.Random(17), products=12)
    conn = session.connection()
    segments.rebuild_counts(conn, today() - dt.timedelta(days=200))
    kept = set(session.scalars(select(ReportCheckpointDay.day)))
    assert max(kept) < today() - dt.timedelta(days=200)
    segments.roll_forward(conn)
    now_kept = set(session.scalars(select(ReportCheckpointDay.day)))
    assert len(now_kept - kept) >= 6, "six month ends or more were passed"
    rolled = _checkpoints(session)
    days = sorted(
        {d + dt.timedelta(days=k) for d in now_kept - kept for k in (-1, 0, 2)}
        - {today()}
    )
    days = [d for d in days if d < today()]
    assert _check(session, world.areas, days, "checkpoints")
    segments.rebuild_counts(conn, today())
    assert _checkpoints(session) == rolled


def test_checkpoints_keep_every_area_on_month_ends_and_provinces_on_week_days() -> None:
    """A past date of a province is at most four days from a checkpoint."""
    days = checkpoints.calendar_days(dt.date(2023, 12, 31), dt.date(2025, 1, 1))
    assert days[0] == dt.date(2023, 12, 31)
    assert days[-1] == dt.date(2024, 12, 31)
    assert len(days) == 367
    holds = {d: checkpoints.holds_on(d, tree_change=False) for d in days}
    assert [d for d in days if holds[d] == checkpoints.EVERY_AREA][:3] == [
        dt.date(2023, 12, 31),
        dt.date(2024, 1, 31),
        dt.date(2024, 2, 29),
    ]
    assert [d for d in days if holds[d] == checkpoints.PROVINCES][:4] == [
        dt.date(2024, 1, 8),
        dt.date(2024, 1, 15),
        dt.date(2024, 1, 22),
        dt.date(2024, 2, 8),
    ]
    assert holds[dt.date(2024, 1, 9)] == checkpoints.COUNTRY
    assert checkpoints.holds_on(dt.date(2024, 1, 9), tree_change=True) == (
        checkpoints.EVERY_AREA
    )
    provinces = [d for d in days if holds[d] <= checkpoints.PROVINCES]
    for day in days:
        assert min(abs((day - d).days) for d in provinces) <= 4, day
