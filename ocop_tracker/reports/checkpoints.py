"""The ledger's checkpoints: figures kept for every area on month ends and
tree-change days, for the country and its provinces on each month's 8th, 15th
and 22nd, for the country on every other day (``holds_on``).

A past date reads from the nearest checkpoint plus the segments that start or
end in between (``views.read_checkpoints``).
"""

import datetime as dt
from bisect import bisect_left, bisect_right
from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import Connection, and_, delete, func, or_, select

from ocop_tracker.areas.models import Level
from ocop_tracker.reports import rules
from ocop_tracker.reports.ledger import (
    CHECKPOINT_DAYS,
    CHECKPOINTS,
    DIM_COLUMNS,
    LINKS,
    SEGMENTS,
    UNITS,
    Ancestors,
    Keyed,
    chunks,
    dims_of,
    link_valid,
    write_columns,
)
from ocop_tracker.reports.models import NATION
from ocop_tracker.reports.rules import Dims

# The figures a commune keeps at checkpoints: what its parent's breakdown by
# child reads (``service.HEADLINE``). Its other figures come from its segments.
COMMUNE_METRICS = frozenset(
    ("ocop", "ocop.listed", "ocop.both", "other", "other.listed", "other.both")
)


def _among(conn: Connection, level: Level, ids: Iterable[int] | None) -> set[int]:
    """The areas of ``level`` among ``ids`` (None: every one of that level)."""
    stmt = select(UNITS.c.id).where(UNITS.c.level == level.value)
    if ids is None:
        return set(conn.scalars(stmt))
    out: set[int] = set()
    for chunk in chunks(sorted(set(ids)), 2000):
        out.update(conn.scalars(stmt.where(UNITS.c.id.in_(chunk))))
    return out


def communes_among(conn: Connection, ids: Iterable[int] | None = None) -> set[int]:
    """The communes among ``ids`` (None: every commune)."""
    return _among(conn, Level.commune, ids)


def provinces_among(conn: Connection, ids: Iterable[int] | None = None) -> set[int]:
    """The provinces among ``ids`` (None: every province)."""
    return _among(conn, Level.province, ids)


def _spread(
    into: dict[tuple[int, str], int],
    area_id: int,
    dims: Dims,
    n: int,
    communes: set[int],
) -> None:
    """Add ``n`` to the figures of ``dims`` the area keeps at checkpoints."""
    names = rules.metrics(dims)
    narrow = area_id in communes
    for name in names:
        if not narrow or name in COMMUNE_METRICS:
            into[(area_id, name)] += n


def tree_days(conn: Connection) -> set[dt.date]:
    """Days on which the tree changed: a link began, or the day after one ended."""
    out: set[dt.date] = set(
        conn.scalars(
            select(LINKS.c.valid_from).where(LINKS.c.valid_from.is_not(None)).distinct()
        )
    )
    out.update(
        d + rules.ONE_DAY
        for d in conn.scalars(
            select(LINKS.c.valid_to).where(LINKS.c.valid_to.is_not(None)).distinct()
        )
    )
    return out


def tree_changed_between(conn: Connection, after: dt.date, upto: dt.date) -> bool:
    """Whether the tree changed on a day from after ``after`` to ``upto``: a
    link began, or one ended the day before (``tree_days``), in one statement."""
    return (
        conn.scalar(
            select(LINKS.c.ancestor_id)
            .where(
                or_(
                    and_(LINKS.c.valid_from > after, LINKS.c.valid_from <= upto),
                    and_(LINKS.c.valid_to >= after, LINKS.c.valid_to < upto),
                )
            )
            .limit(1)
        )
        is not None
    )


# What a checkpoint day keeps (``report_checkpoint_days.holds``). Every area
# above the hamlets on month ends and tree-change days; the country and its
# provinces also on each month's ``WEEK_DAYS``; the country alone on every
# other day. A past date of the country then reads its own checkpoint and its
# provinces' lines from one at most four days off, and the provinces' communes,
# nine rows in ten of a checkpoint, stay on month ends (an area inside a
# province seeks its own hamlets' segments anyway).
EVERY_AREA = 0
PROVINCES = 1
COUNTRY = 2
WEEK_DAYS = (8, 15, 22)


def holds_on(day: dt.date, tree_change: bool) -> int:
    """What the checkpoint of ``day`` keeps: ``EVERY_AREA``, ``PROVINCES`` or ``COUNTRY``."""
    if tree_change or (day + rules.ONE_DAY).day == 1:
        return EVERY_AREA
    return PROVINCES if day.day in WEEK_DAYS else COUNTRY


def _widest(area_id: int, tops: set[int]) -> int:
    """The ``holds`` of the checkpoints that keep the area (those up to it)."""
    if area_id == NATION:
        return COUNTRY
    return PROVINCES if area_id in tops else EVERY_AREA


def levels_of(conn: Connection, ids: Iterable[int]) -> dict[int, str]:
    """Each area's level, by id."""
    out: dict[int, str] = {}
    for chunk in chunks(sorted(set(ids)), 2000):
        for area_id, level in conn.execute(
            select(UNITS.c.id, UNITS.c.level).where(UNITS.c.id.in_(chunk))
        ):
            out[area_id] = level
    return out


def calendar_days(first: dt.date, before: dt.date) -> list[dt.date]:
    """Every day from ``first`` to ``before`` (excluded): each keeps at least the
    country's figures (``holds_on``)."""
    return [first + dt.timedelta(days=n) for n in range(max(0, (before - first).days))]


def checkpoint_days(conn: Connection, before: dt.date) -> list[dt.date]:
    """Calendar and tree-change days from the first segment to ``before`` (excluded)."""
    first: dt.date | None = conn.scalar(select(func.min(SEGMENTS.c.start_day)))
    if first is None:
        return []
    days = set(calendar_days(first, before))
    days.update(d for d in tree_days(conn) if first <= d < before)
    return sorted(days)


def _dims_cols() -> list[Any]:
    return [SEGMENTS.c[c] for c in DIM_COLUMNS]


def _headline_cols() -> list[Any]:
    return [SEGMENTS.c.category, SEGMENTS.c.listed, SEGMENTS.c.both]


def _spread_row(
    into: dict[tuple[int, str], int],
    area_id: int,
    row: Any,
    n: int,
    communes: set[int],
    headline: bool,
) -> None:
    """``_spread`` for a grouped row; ``headline``: grouped by ``_headline_cols()``."""
    if not headline:
        _spread(into, area_id, dims_of(row), n, communes)
        return
    for name in rules.headline_metrics(row.category, bool(row.listed), bool(row.both)):
        into[(area_id, name)] += n


def _above_hamlets(day: dt.date) -> Any:
    """Closure links valid on ``day`` to a strict ancestor of the hamlet."""
    return and_(link_valid(day), LINKS.c.ancestor_id != LINKS.c.descendant_id)


def _open_on(day: dt.date) -> Any:
    return and_(
        SEGMENTS.c.start_day <= day,
        or_(SEGMENTS.c.end_day.is_(None), SEGMENTS.c.end_day > day),
    )


def _grouped(
    conn: Connection,
    day: dt.date,
    where: Any,
    communes: set[int],
    into: dict[tuple[int, str], int],
) -> None:
    """Add segments matching ``where`` per (area above the hamlets on ``day``, metric)."""
    dims_cols = _dims_cols()
    for row in conn.execute(
        select(*dims_cols, func.count().label("n")).where(where).group_by(*dims_cols)
    ):
        _spread(into, NATION, dims_of(row), row.n, communes)
    for row in conn.execute(
        select(LINKS.c.ancestor_id, *dims_cols, func.count().label("n"))
        .join(LINKS, LINKS.c.descendant_id == SEGMENTS.c.hamlet_id)
        .where(_above_hamlets(day), where)
        .group_by(LINKS.c.ancestor_id, *dims_cols)
    ):
        _spread(into, row.ancestor_id, dims_of(row), row.n, communes)


def _seeks_own_hamlets(conn: Connection, area_ids: Sequence[int]) -> bool:
    """Whether the window should seek the areas' own hamlets: one area alone
    (a province included), or areas none of which is a province (a
    province's communes, a pilot's few). The country's provinces read the
    country's window instead."""
    units = [a for a in area_ids if a != NATION]
    if not units:
        return False
    provinces = conn.scalars(
        select(UNITS.c.id).where(
            UNITS.c.id.in_(units), UNITS.c.level == Level.province.value
        )
    ).all()
    return len(units) == 1 or not provinces


def _subtrees(units: Sequence[int], day: dt.date) -> Any:
    """The hamlets (and every area) under ``units`` in the tree of ``day``."""
    under = LINKS.alias("under")
    return select(under.c.descendant_id).where(
        under.c.ancestor_id.in_(units),
        or_(under.c.valid_from.is_(None), under.c.valid_from <= day),
        or_(under.c.valid_to.is_(None), under.c.valid_to >= day),
    )


def window(
    conn: Connection,
    lo: dt.date,
    hi: dt.date,
    area_ids: Sequence[int] | None,
    communes: set[int],
    into: dict[tuple[int, str], int],
    times: int = 1,
    *,
    headline: bool = False,
) -> None:
    """``times`` the change of each (area, metric) from the end of ``lo`` to the end of ``hi``.

    Under the tree of ``hi``; only meaningful when it did not change in between.
    ``area_ids`` restricts to those areas (None: every area above the hamlets).
    ``headline`` moves only ``COMMUNE_METRICS``, grouping by the three columns
    they depend on (a tenth of the groups of the full dims).
    """
    dims_cols = _headline_cols() if headline else _dims_cols()
    local = area_ids is not None and _seeks_own_hamlets(conn, area_ids)
    for column, sign in ((SEGMENTS.c.start_day, 1), (SEGMENTS.c.end_day, -1)):
        in_window = and_(column > lo, column <= hi)
        if area_ids is None or NATION in area_ids:
            for row in conn.execute(
                select(*dims_cols, func.count().label("n"))
                .where(in_window)
                .group_by(*dims_cols)
            ):
                _spread_row(into, NATION, row, times * sign * row.n, communes, headline)
        units = None if area_ids is None else [a for a in area_ids if a != NATION]
        if units == []:
            continue
        stmt = (
            select(LINKS.c.ancestor_id, *dims_cols, func.count().label("n"))
            .join(LINKS, LINKS.c.descendant_id == SEGMENTS.c.hamlet_id)
            .where(_above_hamlets(hi), in_window)
            .group_by(LINKS.c.ancestor_id, *dims_cols)
        )
        if units is not None and local:
            # Inside one province: the window's segments are sought hamlet by
            # hamlet (``ix_report_segments_hamlet_start``/``_end``) among the
            # areas' own, a few hundred, where the country's were 17,000 in a
            # fortnight at 500,000 products, each joined to its five links
            # (34 ms a read on PostgreSQL; 7 ms this way). The same rows: a
            # segment outside the subtrees on ``hi`` has no link to the areas.
            stmt = stmt.where(
                LINKS.c.ancestor_id.in_(units),
                SEGMENTS.c.hamlet_id.in_(_subtrees(units, hi)),
            )
        elif units is not None:
            # ``+ 0`` keeps the planners from walking the areas' whole subtrees
            # (every hamlet of 34 provinces: 345 ms at 100,000 products) instead
            # of the few segments in the window, then each one's links (41 ms).
            stmt = stmt.where((LINKS.c.ancestor_id + 0).in_(units))
        for row in conn.execute(stmt):
            _spread_row(
                into, row.ancestor_id, row, times * sign * row.n, communes, headline
            )


def _country_moves(
    conn: Connection, lo: dt.date, hi: dt.date, communes: set[int]
) -> dict[dt.date, dict[tuple[int, str], int]]:
    """Per day from after ``lo`` to ``hi``, how the country's figures move on
    it: the segments that start or end that day, in two grouped statements
    (a window a day was two statements a day: 2,140 for the 1,070 days back
    to 2024 that an import of certificates decided then adds)."""
    out: dict[dt.date, dict[tuple[int, str], int]] = defaultdict(
        lambda: defaultdict(int)
    )
    dims_cols = _dims_cols()
    for column, sign in ((SEGMENTS.c.start_day, 1), (SEGMENTS.c.end_day, -1)):
        for row in conn.execute(
            select(column.label("day"), *dims_cols, func.count().label("n"))
            .where(column > lo, column <= hi)
            .group_by(column, *dims_cols)
        ):
            _spread(out[row.day], NATION, dims_of(row), sign * row.n, communes)
    return out


def extend_checkpoints(conn: Connection, before: dt.date) -> None:
    """Write the checkpoints missing before ``before``, each from the previous one.

    A checkpoint on a day the tree changed (or the first one) is a full count
    of the segments open that day; any other is the previous checkpoint plus
    the segments that started or ended since: every area's figures move from
    one month end or week day to the next, the country's from day to day
    (read for every day at once, ``_country_moves``). The rows are written
    at the end, in a few statements.
    """
    have = conn.execute(
        select(CHECKPOINT_DAYS.c.day, CHECKPOINT_DAYS.c.holds).order_by(
            CHECKPOINT_DAYS.c.day
        )
    ).all()
    kept = {d for d, _ in have}
    wanted = [d for d in checkpoint_days(conn, before) if d not in kept]
    if not wanted:
        return
    changes = tree_days(conn)
    communes = communes_among(conn)
    tops = provinces_among(conn) | {NATION}
    carry: dict[tuple[int, str], int] = defaultdict(int)
    prev: dt.date | None = None
    # ``carry`` starts from a checkpoint that keeps every area and moves every
    # area's figures; ``country`` moves the country's between them, day by day.
    earlier = [d for d, holds in have if d < wanted[0] and holds == EVERY_AREA]
    if earlier:
        prev = earlier[-1]
        for area_id, metric, value in conn.execute(
            select(
                CHECKPOINTS.c.area_id, CHECKPOINTS.c.metric, CHECKPOINTS.c.value
            ).where(CHECKPOINTS.c.day == prev)
        ):
            carry[(area_id, metric)] += value
    country = defaultdict(int, {k: v for k, v in carry.items() if k[0] == NATION})
    last = prev
    moves = _country_moves(conn, prev or wanted[0], wanted[-1], communes)
    move_days = sorted(moves)
    passed = 0
    # Rows left on days not listed go first, in a few statements: a delete
    # per day cost 1.3 ms on PostgreSQL, 1.4 s for the 1,070 days back to
    # 2023 that a first import of certificates decided then adds.
    for part in chunks(wanted):
        conn.execute(delete(CHECKPOINTS).where(CHECKPOINTS.c.day.in_(part)))
    rows: dict[str, list[Any]] = {"day": [], "area_id": [], "metric": [], "value": []}
    days: dict[str, list[Any]] = {"day": [], "tree_change": [], "holds": []}
    for day in wanted:
        holds = holds_on(day, day in changes)
        # The country's moves of the days since the last checkpoint written.
        upto = bisect_right(move_days, day)
        since = [moves[d] for d in move_days[passed:upto]]
        passed = upto
        if holds == COUNTRY and last is not None:
            # The country counts every segment whatever the tree: no recount.
            for moved in since:
                for key, n in moved.items():
                    country[key] += n
            figures = [(k, v) for k, v in country.items() if v]
        else:
            if prev is None or any(prev < c <= day for c in changes):
                carry = defaultdict(int)
                _grouped(conn, day, _open_on(day), communes, carry)
            else:
                window(conn, prev, day, None, communes, carry)
            country = defaultdict(
                int, {k: v for k, v in carry.items() if k[0] == NATION}
            )
            figures = [
                (k, v) for k, v in carry.items() if v and _widest(k[0], tops) >= holds
            ]
            prev = day
        for (a, m), v in figures:
            rows["day"].append(day)
            rows["area_id"].append(a)
            rows["metric"].append(m)
            rows["value"].append(v)
        days["day"].append(day)
        days["tree_change"].append(day in changes)
        days["holds"].append(holds)
        last = day
    write_columns(conn, CHECKPOINTS, rows)
    write_columns(conn, CHECKPOINT_DAYS, days)


# A change of the checkpoints, netted: (hamlet, dims, first day, end) → how
# many segments of that run came (+) or went (−). ``net_checkpoints`` adds to
# it, ``post_checkpoints`` writes it.
CheckpointNet = dict[tuple[int, Dims, dt.date, dt.date], int]


def net_checkpoints(
    changes: Sequence[tuple[Sequence[Keyed], Sequence[Keyed]]],
    before: dt.date,
    net: CheckpointNet,
) -> None:
    """Add to ``net`` what a change of segments does to the checkpoints (old
    taken away, new added).

    Every checkpoint stands before ``before`` (the counts day): a segment is
    cut there first, so the old and new segments of a change made today cancel
    and posting reads nothing. Reads nothing itself: a refresh nets each of its
    parts into one ``net`` and posts it once (``segments.refresh``)."""
    for old, new in changes:
        for sign, keyed in ((-1, old), (1, new)):
            for hamlet_id, seg in keyed:
                if seg.start < before:
                    end = before if seg.end is None else min(seg.end, before)
                    net[(hamlet_id, seg.dims, seg.start, end)] += sign


def post_checkpoints(conn: Connection, net: CheckpointNet) -> None:
    """Move the checkpoints by a netted change (``net_checkpoints``).

    Each run covers a run of checkpoint days (found by halving), and each of
    its hamlet's ancestors a run within it (the link's dates): a run adds to
    its (area, dims) at its first day and takes away after its last. The
    running sums, read day by day, give each checkpoint's change once per
    (area, dims), not once per segment, day and ancestor: an import of
    certificates decided last year moves every checkpoint since for
    thousands of segments, mostly in the same few areas and dims.
    """
    if not any(net.values()):
        return
    held = {
        d: int(h)
        for d, h in conn.execute(select(CHECKPOINT_DAYS.c.day, CHECKPOINT_DAYS.c.holds))
    }
    days = sorted(held)
    if not days:
        return
    # The checkpoint days that keep an area, by the area's ``_widest``.
    kept_by: dict[int, list[int]] = {
        widest: [k for k, d in enumerate(days) if held[d] <= widest]
        for widest in (EVERY_AREA, PROVINCES, COUNTRY)
    }
    runs: list[tuple[int, Dims, int, int, int]] = []
    for (hamlet_id, dims, start, end), n in net.items():
        lo, hi = bisect_left(days, start), bisect_left(days, end)
        if n and lo < hi:
            runs.append((hamlet_id, dims, n, lo, hi))
    if not runs:
        return
    anc = Ancestors(conn, {h for h, *_ in runs})
    reached = {a for links in anc.links.values() for a, _, _ in links}
    communes = communes_among(conn, reached)
    tops = provinces_among(conn, reached) | {NATION}
    steps: dict[tuple[int, Dims], dict[int, int]] = defaultdict(
        lambda: defaultdict(int)
    )
    for h, dims, n, lo, hi in runs:
        for a, valid_from, valid_to in (
            *anc.links.get(h, ()),
            (NATION, None, None),
        ):
            if a == h:
                continue
            first = lo if valid_from is None else max(lo, bisect_left(days, valid_from))
            last = hi if valid_to is None else min(hi, bisect_right(days, valid_to))
            if first < last:
                step = steps[(a, dims)]
                step[first] += n
                step[last] -= n
    spread: dict[dt.date, dict[tuple[int, str], int]] = defaultdict(
        lambda: defaultdict(int)
    )
    for (a, dims), step in steps.items():
        names = rules.metrics(dims)
        if a in communes:
            names = [n for n in names if n in COMMUNE_METRICS]
        keeps = kept_by[_widest(a, tops)]
        points = sorted(step)
        running = 0
        for i, at in enumerate(points[:-1]):
            running += step[at]
            if not running:
                continue
            for k in keeps[bisect_left(keeps, at) : bisect_left(keeps, points[i + 1])]:
                moved = spread[days[k]]
                for name in names:
                    moved[(a, name)] += running
    posted = [
        (day, a, m, v)
        for day, by_metric in spread.items()
        for (a, m), v in by_metric.items()
        if v
    ]
    write_columns(
        conn,
        CHECKPOINTS,
        {
            "day": [day for day, _, _, _ in posted],
            "area_id": [a for _, a, _, _ in posted],
            "metric": [m for _, _, m, _ in posted],
            "value": [v for _, _, _, v in posted],
        },
        keys=("day", "area_id", "metric"),
        value="value",
    )
