"""Reads of reports: the ledger's figures on a day, a trend, the first day, and
what the pages show beside them (crumbs, hamlets, marketplaces, a submission).

``read()`` answers from the counts (today and ahead), else the nearest
checkpoint (the past), else the segments. The pages' reads are scoped here,
through ``auth/scope.py``, so that a page never reads a repository itself.
"""

import datetime as dt
from collections import defaultdict
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

from sqlalchemy import (
    BigInteger,
    ColumnElement,
    CompoundSelect,
    Connection,
    Date,
    Integer,
    Select,
    String,
    and_,
    bindparam,
    cast,
    func,
    literal_column,
    null,
    or_,
    select,
    union_all,
)
from sqlalchemy.orm import Session

from ocop_tracker.areas import views as area_views
from ocop_tracker.areas.models import AdminUnit, Level
from ocop_tracker.auth.scope import covered_ids, covers, reads_history_of
from ocop_tracker.core import query
from ocop_tracker.onboarding.models import Marketplace
from ocop_tracker.reports import activity as ledger_activity
from ocop_tracker.reports import repository, rules
from ocop_tracker.reports import training as ledger_training
from ocop_tracker.reports.checkpoints import (
    COMMUNE_METRICS,
    COUNTRY,
    EVERY_AREA,
    PROVINCES,
    levels_of,
    tree_changed_between,
    window,
)
from ocop_tracker.reports.ledger import (
    CHECKPOINT_DAYS,
    CHECKPOINTS,
    COUNTS,
    DIM_COLUMNS,
    LINKS,
    SEGMENTS,
    LedgerState,
    dims_of,
    link_valid,
    state,
)
from ocop_tracker.reports.models import NATION, ReportSubmission
from ocop_tracker.reports.monthly import MonthlyTable
from ocop_tracker.users.models import Role, User


def read_checkpoints(
    conn: Connection,
    area_ids: Sequence[int],
    day: dt.date,
    metrics: Sequence[str] | None = None,
) -> dict[int, dict[str, int]] | None:
    """Figures of areas on a past ``day``: the nearest checkpoint ± the window.

    Hamlets, and communes unless only their headline figures are asked for,
    are read from their few segments. None when no checkpoint can answer
    (stale, or before the first).
    """
    current = state(conn)
    if current is None or current[1] or day >= current[0]:
        return None
    units = [a for a in area_ids if a != NATION]
    levels = levels_of(conn, units)
    hamlets = {a for a, level in levels.items() if level == Level.hamlet.value}
    communes = {a for a, level in levels.items() if level == Level.commune.value}
    headline = metrics is not None and set(metrics) <= COMMUNE_METRICS
    by_segments = hamlets | (set() if headline else communes)
    kept = [a for a in area_ids if a not in by_segments]
    # The checkpoints that keep every area asked for (``checkpoints.holds_on``):
    # the country alone reads any day's, with its provinces the month ends' and
    # week days', any other area the month ends' (and tree changes').
    holds = min(
        (
            COUNTRY
            if a == NATION
            else PROVINCES
            if levels.get(a) == Level.province.value
            else EVERY_AREA
            for a in kept
        ),
        default=COUNTRY,
    )
    usable = [CHECKPOINT_DAYS.c.holds <= holds]
    before: dt.date | None = conn.scalar(
        select(func.max(CHECKPOINT_DAYS.c.day)).where(
            CHECKPOINT_DAYS.c.day <= day, *usable
        )
    )
    after = conn.execute(
        select(CHECKPOINT_DAYS.c.day, CHECKPOINT_DAYS.c.tree_change)
        .where(CHECKPOINT_DAYS.c.day > day, *usable)
        .order_by(CHECKPOINT_DAYS.c.day)
        .limit(1)
    ).first()
    # The nearer checkpoint: the one before plus what changed since, or the one
    # after minus what changed until it — unless the tree changed on that day
    # (no tree change falls strictly between two checkpoints: each is one).
    if (
        after is not None
        and not after[1]
        and (before is None or (after[0] - day) < (day - before))
    ):
        base, lo, hi, times = after[0], day, after[0], -1
    elif before is not None:
        base, lo, hi, times = before, before, day, 1
    else:
        return None
    out: dict[int, dict[str, int]] = {a: defaultdict(int) for a in area_ids}
    if kept:
        figures: dict[tuple[int, str], int] = defaultdict(int)
        for area_id, metric, value in conn.execute(
            select(
                CHECKPOINTS.c.area_id, CHECKPOINTS.c.metric, CHECKPOINTS.c.value
            ).where(
                CHECKPOINTS.c.day == base,
                CHECKPOINTS.c.area_id.in_(kept),
                *(
                    [CHECKPOINTS.c.metric.in_(sorted(COMMUNE_METRICS))]
                    if headline
                    else []
                ),
            )
        ):
            figures[(area_id, metric)] += value
        if hi > lo:
            window(conn, lo, hi, kept, communes, figures, times, headline=headline)
        for (area_id, metric), value in figures.items():
            if value:
                out[area_id][metric] += value
    if by_segments:
        for area_id, got in read_segments(conn, sorted(by_segments), day).items():
            out[area_id] = defaultdict(int, got)
    return {a: dict(v) for a, v in out.items()}


def read_counts(
    conn: Connection,
    area_ids: Sequence[int],
    day: dt.date,
    metrics: Sequence[str] | None = None,
    current: LedgerState | None = None,
) -> dict[int, dict[str, int]] | None:
    """Figures of areas on ``day`` from the counts, or None when they cannot answer.

    ``current`` is the ledger's state when the caller has already read it."""
    current = current or state(conn)
    if current is None or current[1] or day < current[0]:
        return None
    counts_day = current[0]
    out: dict[int, dict[str, int]] = {a: defaultdict(int) for a in area_ids}
    where = [COUNTS.c.area_id.in_(area_ids)]
    if metrics is not None:
        where.append(COUNTS.c.metric.in_(metrics))
    for area_id, metric, value in conn.execute(
        select(COUNTS.c.area_id, COUNTS.c.metric, COUNTS.c.value).where(*where)
    ):
        out[area_id][metric] += value
    if day > counts_day:
        # A later day: the counts plus the segments that start or end in
        # between, under the tree of that day; a hamlet from its own few
        # segments. A tree change in between leaves it to the segments.
        if tree_changed_between(conn, counts_day, day):
            return None
        levels = levels_of(conn, [a for a in area_ids if a != NATION])
        hamlets = {a for a, level in levels.items() if level == Level.hamlet.value}
        above = [a for a in area_ids if a not in hamlets]
        wanted = None if metrics is None else set(metrics)
        moves: dict[tuple[int, str], int] = defaultdict(int)
        if above:
            window(conn, counts_day, day, above, set(), moves)
        for (area_id, metric), value in moves.items():
            if wanted is None or metric in wanted:
                out[area_id][metric] += value
        if hamlets:
            for area_id, got in read_segments(conn, sorted(hamlets), day).items():
                out[area_id] = defaultdict(
                    int,
                    {m: v for m, v in got.items() if wanted is None or m in wanted},
                )
    return {a: dict(v) for a, v in out.items()}


def read_segments(
    conn: Connection, area_ids: Sequence[int], day: dt.date
) -> dict[int, dict[str, int]]:
    """Figures of areas on ``day`` from the segments, under the tree of that day."""
    dims_cols = [SEGMENTS.c[c] for c in DIM_COLUMNS]
    open_on = and_(
        SEGMENTS.c.start_day <= day,
        or_(SEGMENTS.c.end_day.is_(None), SEGMENTS.c.end_day > day),
    )
    out: dict[int, dict[str, int]] = {a: defaultdict(int) for a in area_ids}
    units = [a for a in area_ids if a != NATION]
    if NATION in area_ids:
        for row in conn.execute(
            select(*dims_cols, func.count().label("n"))
            .where(open_on)
            .group_by(*dims_cols)
        ):
            rules.add_metrics(out[NATION], dims_of(row), row.n)
    if units:
        stmt = (
            select(LINKS.c.ancestor_id, *dims_cols, func.count().label("n"))
            .join(LINKS, LINKS.c.descendant_id == SEGMENTS.c.hamlet_id)
            .where(LINKS.c.ancestor_id.in_(units), link_valid(day), open_on)
            .group_by(LINKS.c.ancestor_id, *dims_cols)
        )
        for row in conn.execute(stmt):
            rules.add_metrics(out[row.ancestor_id], dims_of(row), row.n)
    return {a: dict(v) for a, v in out.items()}


def read(
    conn: Connection,
    area_ids: Sequence[int],
    day: dt.date,
    metrics: Sequence[str] | None = None,
    current: LedgerState | None = None,
) -> tuple[dict[int, dict[str, int]], str]:
    """Figures of areas on ``day``: from the counts when they can answer, else segments."""
    fast = read_counts(conn, area_ids, day, metrics, current)
    if fast is not None:
        return fast, "counts"
    past = read_checkpoints(conn, area_ids, day, metrics)
    if past is not None:
        return past, "checkpoints"
    return read_segments(conn, area_ids, day), "segments"


def trend(
    conn: Connection, area_id: int, days: Sequence[dt.date]
) -> dict[dt.date, dict[str, int]]:
    """Headline figures on each of ``days``, in one pass over the segments.

    Segments are grouped by (start, end); each adds one from its start to its
    end, clipped to the window in which its hamlet lay under the area (the tree
    changes over time). A running sum over the sorted change days gives every
    requested day at once.
    """
    wanted = ("ocop", "ocop.listed", "ocop.both", "other", "other.listed", "other.both")
    cols = [SEGMENTS.c.category, SEGMENTS.c.listed, SEGMENTS.c.both]
    base = select(SEGMENTS.c.start_day, SEGMENTS.c.end_day, *cols, func.count()).where(
        SEGMENTS.c.category.in_((rules.OCOP, rules.OTHER))
    )
    changes: dict[dt.date, dict[str, int]] = defaultdict(lambda: defaultdict(int))

    def add(rows: Iterable[Any], lo: dt.date | None, hi: dt.date | None) -> None:
        for start, end, category, listed, both, n in rows:
            s = max(start, lo) if lo else start
            e = end if hi is None else (min(end, hi) if end else hi)
            if e is not None and e <= s:
                continue
            names = [category]
            if listed:
                names.append(f"{category}.listed")
            if both:
                names.append(f"{category}.both")
            for name in names:
                changes[s][name] += n
                if e is not None:
                    changes[e][name] -= n

    group = (SEGMENTS.c.start_day, SEGMENTS.c.end_day, *cols)
    if area_id == NATION:
        add(conn.execute(base.group_by(*group)), None, None)
    else:
        windows = conn.execute(
            select(LINKS.c.valid_from, LINKS.c.valid_to)
            .where(LINKS.c.ancestor_id == area_id)
            .distinct()
        ).all()
        for vf, vt in windows:
            hamlets = select(LINKS.c.descendant_id).where(
                LINKS.c.ancestor_id == area_id,
                LINKS.c.valid_from.is_(None)
                if vf is None
                else LINKS.c.valid_from == vf,
                LINKS.c.valid_to.is_(None) if vt is None else LINKS.c.valid_to == vt,
            )
            rows = conn.execute(
                base.where(SEGMENTS.c.hamlet_id.in_(hamlets)).group_by(*group)
            )
            add(rows, vf, None if vt is None else vt + rules.ONE_DAY)
    out: dict[dt.date, dict[str, int]] = {}
    running = dict.fromkeys(wanted, 0)
    pending = sorted(changes)
    i = 0
    for day in sorted(days):
        while i < len(pending) and pending[i] <= day:
            for name, n in changes[pending[i]].items():
                running[name] += n
            i += 1
        out[day] = dict(running)
    return out


def first_day(conn: Connection, area_id: int) -> dt.date | None:
    """The first day any product or producer of the area counted."""
    stmt = select(func.min(SEGMENTS.c.start_day))
    if area_id != NATION:
        stmt = stmt.where(
            SEGMENTS.c.hamlet_id.in_(
                select(LINKS.c.descendant_id).where(LINKS.c.ancestor_id == area_id)
            )
        )
    value: dt.date | None = conn.scalar(stmt)
    return value


def activity(
    conn: Connection,
    area_id: int,
    months: Sequence[dt.date],
    current: LedgerState | None = None,
) -> dict[dt.date, rules.ActivitySums]:
    """What the area's shops did in each month (first days): kept sums."""
    return ledger_activity.read(conn, area_id, months, current)


def month_activity(
    conn: Connection, area_ids: Sequence[int], month: dt.date
) -> dict[int, rules.ActivitySums]:
    """What each area's shops did in one month (its first day): kept sums."""
    return ledger_activity.read_areas(conn, area_ids, month)


def training(
    conn: Connection,
    area_id: int,
    months: Sequence[dt.date],
    current: LedgerState | None = None,
) -> dict[dt.date, ledger_training.TrainingSums]:
    """The area's training in each month (first days): kept sums."""
    return ledger_training.read(conn, area_id, months, current)


def month_training(
    conn: Connection, area_ids: Sequence[int], month: dt.date
) -> dict[int, ledger_training.TrainingSums]:
    """Each area's training in one month (its first day): kept sums."""
    return ledger_training.read_areas(conn, area_ids, month)


# --- a coverage answer's figures ------------------------------------------------------

# The monthly tables a coverage answer shows (each keeps three sums).
MONTHLY: tuple[MonthlyTable[Any], ...] = (ledger_activity.KEPT, ledger_training.KEPT)


def _monthly_rows(*pads: ColumnElement[Any]) -> list[Select[Any]]:
    """Each table of ``MONTHLY``'s rows of an area (``:area``) between two
    months (``:lo``, ``:hi``), as ``MonthlyTable.read`` reads them: its place
    in ``MONTHLY``, the ``pads``, the month, its three sums."""
    return [
        select(
            literal_column(str(i), Integer).label("kept"),
            *pads,
            k.table.c.month,
            *k.table.c[k.columns],
        ).where(
            k.table.c.area_id == bindparam("area"),
            k.table.c.month.between(bindparam("lo"), bindparam("hi")),
            *([k.table.c.own.is_(False)] if k.own else []),
        )
        for i, k in enumerate(MONTHLY)
    ]


MONTHLY_ROWS = union_all(*_monthly_rows())


def activity_and_training(
    conn: Connection,
    area_id: int,
    months: Sequence[dt.date],
    current: LedgerState | None = None,
) -> tuple[
    dict[dt.date, rules.ActivitySums], dict[dt.date, ledger_training.TrainingSums]
]:
    """``activity`` and ``training`` of an area, in one statement while the
    ledger stands; else each as its own read answers it, from the rows."""
    current = current or state(conn)
    if current is None or current[1] or not months:
        return (
            activity(conn, area_id, months, current),
            training(conn, area_id, months, current),
        )
    values = {"area": area_id, "lo": min(months), "hi": max(months)}
    out = _monthly_sums(months, conn.execute(MONTHLY_ROWS, values).all())
    return out[0], out[1]


def _monthly_sums(
    months: Sequence[dt.date], rows: Iterable[Sequence[Any]]
) -> list[dict[dt.date, Any]]:
    """Each table of ``MONTHLY``'s sums of ``months`` from its rows (place,
    month, sums), zero where it has none."""
    out = [dict.fromkeys(months, k.zero) for k in MONTHLY]
    for kept, month, *sums in rows:
        if month in out[kept]:
            out[kept][month] = MONTHLY[kept].make(*(int(v) for v in sums))
    return out


@dataclass(frozen=True)
class CoverageFigures:
    """What a coverage answer is made of: the area's every figure, its
    children's, where they were read from, and the area's months of the
    shops' activity and of training."""

    own: dict[str, int]
    children: dict[int, dict[str, int]]
    source: str  # counts, checkpoints or segments
    activity: dict[dt.date, rules.ActivitySums]
    training: dict[dt.date, ledger_training.TrainingSums]


@cache
def _figures_rows(dialect: str, kids: bool, extra: bool) -> CompoundSelect[Any]:
    """The counts of an area (``:area``) and some metrics of its children
    (``:kids``, ``:kid_metrics``; with ``extra``, more for some of them,
    ``:extra``, ``:extra_metrics``), then the ``MONTHLY`` rows of the area
    (``_monthly_rows``), in one statement: (place in ``MONTHLY`` — None for a
    count —, area, metric, month, value or sums). Built once per dialect and
    shape: a statement built anew costs its construction and cache key on
    every call. The lists go as one parameter each (``query.among``): a
    province's children would otherwise be coerced one by one into it."""
    lists = [("kids", "kid_metrics")] if kids else []
    if kids and extra:
        lists.append(("extra", "extra_metrics"))
    wanted = [COUNTS.c.area_id == bindparam("area")] + [
        and_(
            query.among(COUNTS.c.area_id, ids, Integer(), dialect),
            query.among(COUNTS.c.metric, metrics, String(), dialect),
        )
        for ids, metrics in lists
    ]
    counts = select(
        cast(null(), Integer).label("kept"),
        COUNTS.c.area_id,
        COUNTS.c.metric,
        cast(null(), Date).label("month"),
        COUNTS.c.value,
        cast(null(), BigInteger),
        cast(null(), BigInteger),
    ).where(or_(*wanted))
    pads = (cast(null(), Integer), cast(null(), String))
    return union_all(counts, *_monthly_rows(*pads))


def coverage_figures(
    conn: Connection,
    area_id: int,
    child_ids: Sequence[int],
    day: dt.date,
    child_metrics: Sequence[str],
    months: Sequence[dt.date],
    current: LedgerState | None = None,
    *,
    extra_ids: Collection[int] = (),
    extra_metrics: Sequence[str] = (),
) -> CoverageFigures:
    """An area's every figure and its children's ``child_metrics`` on ``day``
    (``extra_metrics`` too for the children among ``extra_ids``), and the
    area's ``activity`` and ``training`` in ``months``.

    Today (the counts' own day) in one statement; any other day as ``read``
    answers it, the area and its children apart, and the months as
    ``activity_and_training`` reads them. Each metric asked of a child costs
    an index probe of the counts: a metric few children need is asked of
    those only (any other day, of every child)."""
    current = current or state(conn)
    if (
        current is None
        or current[1]
        or day != current[0]
        or area_id in child_ids
        or not months
    ):
        own, source = read(conn, [area_id], day, None, current)
        kids, _ = read(conn, child_ids, day, [*child_metrics, *extra_metrics], current)
        shops, trained = activity_and_training(conn, area_id, months, current)
        return CoverageFigures(own[area_id], kids, source, shops, trained)
    mine: dict[str, int] = {}
    kids_out: dict[int, dict[str, int]] = {c: {} for c in child_ids}
    extra = [c for c in child_ids if c in extra_ids] if extra_metrics else []
    values: dict[str, Any] = {"area": area_id, "lo": min(months), "hi": max(months)}
    if child_ids:
        values |= {"kids": list(child_ids), "kid_metrics": list(child_metrics)}
    if extra:
        values |= {"extra": extra, "extra_metrics": list(extra_metrics)}
    stmt = _figures_rows(conn.dialect.name, bool(child_ids), bool(extra))
    monthly = []
    for kept, a, metric, month, *sums in conn.execute(stmt, values).all():
        if kept is not None:
            monthly.append((kept, month, *sums))
            continue
        into = mine if a == area_id else kids_out[a]
        into[metric] = into.get(metric, 0) + sums[0]
    shops, trained = _monthly_sums(months, monthly)
    return CoverageFigures(mine, kids_out, "counts", shops, trained)


# --- the pages' reads -----------------------------------------------------------------


def crumbs(
    session: Session, user: User, unit: AdminUnit | None, day: dt.date
) -> list[tuple[int, str]]:
    """The unit's ancestors on ``day`` the user may open, from the top down."""
    if unit is None:
        return []
    out: list[tuple[int, str]] = []
    if user.role is Role.admin:
        out.append((NATION, "Toàn quốc"))
    chain = area_views.ancestors(session, unit, as_of=day)
    covered = covered_ids(session, user, [u.id for u in chain])
    for u in chain:
        if u.id in covered or reads_history_of(session, user, u.id):
            out.append((u.id, u.name))
    return out


def hamlets(
    session: Session, unit: AdminUnit | None, *, day: dt.date, limit: int
) -> list[AdminUnit]:
    """The first ``limit`` hamlets under a checked unit on ``day`` (none for the country)."""
    if unit is None:
        return []
    return list(area_views.hamlets_under(session, unit, as_of=day, limit=limit))


def marketplaces(session: Session) -> list[Marketplace]:
    """Every marketplace, the named ones first."""
    return repository.marketplaces(session)


def submission(
    session: Session, user: User, submission_id: int
) -> ReportSubmission | None:
    """One submission inside the user's area, or None."""
    s = session.get(ReportSubmission, submission_id)
    if s is None or not covers(session, user, s.area_id):
        return None
    return s
