"""The ledger's segments: computed from the facts, posted to counts and schedule.

``refresh()`` brings the segments of the subjects a flush touched in step and
posts the difference to the counts, the schedule and the checkpoints;
``rebuild()`` recomputes everything; ``roll_forward()`` moves the counts to a
new day.
"""

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, Table, delete, func, insert, or_, select, update
from sqlalchemy.orm import Session

from ocop_tracker.core.clock import today
from ocop_tracker.core.config import get_settings
from ocop_tracker.core.db import make_engine, without_time_limits
from ocop_tracker.core.query import upsert
from ocop_tracker.producers.models import Producer
from ocop_tracker.products.models import Product
from ocop_tracker.reports import activity, rules, training
from ocop_tracker.reports.checkpoints import (
    CheckpointNet,
    extend_checkpoints,
    net_checkpoints,
    post_checkpoints,
)
from ocop_tracker.reports.facts import (
    member_facts,
    named_marketplaces,
    producer_facts,
    product_facts,
)
from ocop_tracker.reports.ledger import (
    CHECKPOINT_DAYS,
    CHECKPOINTS,
    COUNTS,
    DIM_COLUMNS,
    MEMBER,
    PRODUCER,
    PRODUCT,
    SCHEDULE,
    SEGMENTS,
    STATE,
    STATE_ID,
    Ancestors,
    Keyed,
    chunks,
    dims_of,
    state,
    utcnow,
)
from ocop_tracker.reports.rules import Segment
from ocop_tracker.teams.models import TeamMember


def compute(
    conn: Connection,
    *,
    products: Sequence[int] = (),
    producers: Sequence[int] = (),
    members: Sequence[int] = (),
    named: frozenset[int] | None = None,
) -> dict[tuple[str, int], list[Keyed]]:
    """The segments each subject should have now (empty for a vanished one)."""
    marks = named if named is not None else named_marketplaces(conn)
    out: dict[tuple[str, int], list[Keyed]] = {}
    pf = product_facts(conn, products) if products else {}
    for pid in products:
        f = pf.get(pid)
        out[(PRODUCT, pid)] = (
            [(f.hamlet_id, s) for s in rules.product_segments(f, marks)] if f else []
        )
    rf = producer_facts(conn, producers) if producers else {}
    for rid in producers:
        g = rf.get(rid)
        out[(PRODUCER, rid)] = (
            [(g.hamlet_id, s) for s in rules.producer_segments(g, marks)] if g else []
        )
    mf = member_facts(conn, members) if members else {}
    for mid in members:
        h = mf.get(mid)
        out[(MEMBER, mid)] = (
            [(h.hamlet_id, s) for s in rules.member_segments(h)] if h else []
        )
    return out


def _row(subject: tuple[str, int], hamlet_id: int, seg: Segment) -> dict[str, Any]:
    d = seg.dims
    return {
        "subject_type": subject[0],
        "subject_id": subject[1],
        "hamlet_id": hamlet_id,
        "start_day": seg.start,
        "end_day": seg.end,
        "category": d.category,
        "stars": d.stars,
        "group_id": d.group_id,
        "kind": d.kind,
        "ptype": d.ptype,
        "listed": d.listed,
        "both": d.both,
        "expiring": d.expiring,
        "paying": d.paying,
        "markets": d.markets,
        "steps": d.steps,
        "trained": d.trained,
        "holds_ocop": d.holds_ocop,
    }


def stored(
    conn: Connection, subjects: Iterable[tuple[str, int]]
) -> dict[tuple[str, int], list[Keyed]]:
    """The segments each subject has in the table."""
    out: dict[tuple[str, int], list[Keyed]] = defaultdict(list)
    by_type: dict[str, list[int]] = defaultdict(list)
    for kind, sid in subjects:
        by_type[kind].append(sid)
    for kind, ids in by_type.items():
        for chunk in chunks(sorted(ids)):
            stmt = select(SEGMENTS).where(
                SEGMENTS.c.subject_type == kind, SEGMENTS.c.subject_id.in_(chunk)
            )
            if conn.dialect.name == "postgresql":
                stmt = stmt.with_for_update()
            for row in conn.execute(stmt):
                out[(kind, row.subject_id)].append(
                    (row.hamlet_id, Segment(row.start_day, row.end_day, dims_of(row)))
                )
    return out


def _ensure_state(conn: Connection, subjects: Iterable[tuple[str, int]]) -> None:
    """Create the state row on first use; stale when rows exist the ledger never saw."""
    if state(conn) is not None:
        return
    products: Table = Product.__table__  # type: ignore[assignment]
    producers: Table = Producer.__table__  # type: ignore[assignment]
    seen = defaultdict(set)
    for kind, sid in subjects:
        seen[kind].add(sid)
    unseen = conn.scalar(
        select(func.count())
        .select_from(products)
        .where(products.c.id.not_in(seen[PRODUCT] or {0}))
    ) or conn.scalar(
        select(func.count())
        .select_from(producers)
        .where(producers.c.id.not_in(seen[PRODUCER] or {0}))
    )
    conn.execute(
        insert(STATE).values(
            id=STATE_ID, counts_day=today(), stale=bool(unseen), rebuilt_at=utcnow()
        )
    )


def mark_stale(conn: Connection) -> None:
    """Counts may no longer match the tree or the marketplaces: read segments until rebuilt."""
    if state(conn) is None:
        return
    conn.execute(update(STATE).where(STATE.c.id == STATE_ID).values(stale=True))


def _post(
    conn: Connection,
    counts_day: dt.date,
    now_delta: Mapping[tuple[int, str], int],
    later_delta: Mapping[tuple[int, dt.date, str], int],
    revised: set[int] | None = None,
) -> None:
    """Spread hamlet-level changes to every ancestor and write them; the areas
    whose figures moved are added to ``revised``."""
    hamlets = {h for h, _ in now_delta} | {h for h, _, _ in later_delta}
    if not hamlets:
        return
    anc = Ancestors(conn, hamlets)
    counts: dict[tuple[int, str], int] = defaultdict(int)
    for (h, metric), d in now_delta.items():
        for a in anc.on(h, counts_day):
            counts[(a, metric)] += d
    later: dict[tuple[int, dt.date, str], int] = defaultdict(int)
    for (h, day, metric), d in later_delta.items():
        for a in anc.on(h, day):
            later[(a, day, metric)] += d
    upsert(
        conn,
        COUNTS,
        ("area_id", "metric"),
        "value",
        [{"area_id": a, "metric": m, "value": v} for (a, m), v in counts.items() if v],
    )
    upsert(
        conn,
        SCHEDULE,
        ("area_id", "day", "metric"),
        "delta",
        [
            {"area_id": a, "day": day, "metric": m, "delta": v}
            for (a, day, m), v in later.items()
            if v
        ],
    )
    if revised is not None:
        revised.update(a for (a, _), v in counts.items() if v)
        revised.update(a for (a, _, _), v in later.items() if v)


def _deltas(
    keyed: Iterable[Keyed],
    counts_day: dt.date,
    sign: int,
    now_delta: dict[tuple[int, str], int],
    later_delta: dict[tuple[int, dt.date, str], int],
) -> None:
    """Add (sign=1) or take away (sign=-1) segments' effect on the counts and schedule."""
    for hamlet_id, seg in keyed:
        names = rules.metrics(seg.dims)
        if rules.covers(seg, counts_day):
            for m in names:
                now_delta[(hamlet_id, m)] += sign
        if seg.start > counts_day:
            for m in names:
                later_delta[(hamlet_id, seg.start, m)] += sign
        if seg.end is not None and seg.end > counts_day:
            for m in names:
                later_delta[(hamlet_id, seg.end, m)] -= sign


def roll_forward(conn: Connection, to_day: dt.date | None = None) -> None:
    """Move the counts to ``to_day`` (default today): apply and drop scheduled changes."""
    current = state(conn)
    target = to_day or today()
    if current is None or current[0] >= target:
        return
    # Only one transaction moves the day: the UPDATE's row lock decides (PostgreSQL).
    moved = conn.execute(
        update(STATE)
        .where(STATE.c.id == STATE_ID, STATE.c.counts_day == current[0])
        .values(counts_day=target)
    ).rowcount
    if not moved:
        return
    due = conn.execute(
        select(SCHEDULE.c.area_id, SCHEDULE.c.metric, func.sum(SCHEDULE.c.delta))
        .where(SCHEDULE.c.day <= target)
        .group_by(SCHEDULE.c.area_id, SCHEDULE.c.metric)
    ).all()
    upsert(
        conn,
        COUNTS,
        ("area_id", "metric"),
        "value",
        [{"area_id": a, "metric": m, "value": int(v)} for a, m, v in due if v],
    )
    conn.execute(delete(SCHEDULE).where(SCHEDULE.c.day <= target))
    if not current[1]:
        extend_checkpoints(conn, target)


# Subjects refreshed together (``refresh``).
REFRESH_SUBJECTS = 2000


@dataclass
class _Moves:
    """What the parts of one refresh move, added up and written once.

    An import of 20,000 rows is refreshed in ten parts, all in the same few
    thousand hamlets, over the same few hundred checkpoint days: posted part
    by part, each wrote the same areas' counts, schedule and checkpoints
    again (the upserts took more than half of the refresh on PostgreSQL).
    """

    counts_day: dt.date | None = None
    now: dict[tuple[int, str], int] = field(default_factory=lambda: defaultdict(int))
    later: dict[tuple[int, dt.date, str], int] = field(
        default_factory=lambda: defaultdict(int)
    )
    checkpoints: CheckpointNet = field(default_factory=lambda: defaultdict(int))

    def write(self, conn: Connection, revised: set[int] | None) -> None:
        """Post what was added up, and start again from nothing. Called at the
        end, and before anything reads what it moves: the counts moved to a
        new day, checkpoints added from the segments."""
        if self.counts_day is not None:
            _post(conn, self.counts_day, self.now, self.later, revised)
            post_checkpoints(conn, self.checkpoints)
        self.counts_day = None
        self.now.clear()
        self.later.clear()
        self.checkpoints.clear()


def refresh(
    conn: Connection,
    *,
    products: Iterable[int] = (),
    producers: Iterable[int] = (),
    members: Iterable[int] = (),
    revised: set[int] | None = None,
) -> int:
    """Bring the ledger in step for these subjects; returns how many changed.
    The areas whose figures moved are added to ``revised``.

    Subjects are refreshed ``REFRESH_SUBJECTS`` at a time: the changes a
    subject makes add up, so parts give what the whole would, and an import
    of 20,000 rows keeps a part's segments in memory, not every one. What the
    parts move is posted once, at the end (``_Moves``)."""
    subjects = (
        [(PRODUCT, p) for p in sorted(set(products))]
        + [(PRODUCER, p) for p in sorted(set(producers))]
        + [(MEMBER, m) for m in sorted(set(members))]
    )
    if subjects and state(conn) is None:
        # The first write ever: the state is made knowing every subject of
        # this refresh, not only its first part's (the rest, already written,
        # would otherwise count as rows the ledger never saw: stale).
        _ensure_state(conn, subjects)
    moves = _Moves()
    changed = sum(
        _refresh(conn, subjects[start : start + REFRESH_SUBJECTS], revised, moves)
        for start in range(0, len(subjects), REFRESH_SUBJECTS)
    )
    moves.write(conn, revised)
    return changed


def _refresh(
    conn: Connection,
    subjects: list[tuple[str, int]],
    revised: set[int] | None,
    moves: _Moves,
) -> int:
    if not subjects:
        return 0
    current = state(conn)
    assert current is not None  # made by ``refresh``
    if current[0] < today():  # the first write of a new day
        moves.write(conn, revised)
        roll_forward(conn)
        current = state(conn)
    assert current is not None
    counts_day, stale = current
    old = stored(conn, subjects)
    new = compute(
        conn,
        products=[s for k, s in subjects if k == PRODUCT],
        producers=[s for k, s in subjects if k == PRODUCER],
        members=[s for k, s in subjects if k == MEMBER],
    )
    changed = [
        s
        for s in subjects
        if sorted(old.get(s, []), key=_sort_key)
        != sorted(new.get(s, []), key=_sort_key)
    ]
    if not changed:
        return 0
    # A subject that had no segments (a new one: all of an import's) has none
    # to take away.
    by_type: dict[str, list[int]] = defaultdict(list)
    for kind, sid in changed:
        if old.get((kind, sid)):
            by_type[kind].append(sid)
    for kind, ids in by_type.items():
        for chunk in chunks(ids):
            conn.execute(
                delete(SEGMENTS).where(
                    SEGMENTS.c.subject_type == kind, SEGMENTS.c.subject_id.in_(chunk)
                )
            )
    rows = [_row(s, h, seg) for s in changed for h, seg in new.get(s, [])]
    if rows:
        conn.execute(insert(SEGMENTS), rows)
    if not stale:
        moves.counts_day = counts_day
        for s in changed:
            _deltas(old.get(s, []), counts_day, -1, moves.now, moves.later)
            _deltas(new.get(s, []), counts_day, 1, moves.now, moves.later)
        net_checkpoints(
            [(old.get(s, []), new.get(s, [])) for s in changed],
            counts_day,
            moves.checkpoints,
        )
        starts = [seg.start for s in changed for _, seg in new.get(s, [])]
        if starts and min(starts) < counts_day:
            first: dt.date | None = conn.scalar(select(func.min(CHECKPOINT_DAYS.c.day)))
            if first is None or min(starts) < first:
                # Something now counts before the first checkpoint: add those
                # before, from the segments — once what this refresh moved so
                # far stands in the checkpoints it reads.
                moves.write(conn, revised)
                extend_checkpoints(conn, counts_day)
    return len(changed)


def _sort_key(item: Keyed) -> tuple[Any, ...]:
    h, seg = item
    return (h, seg.start, seg.end or dt.date.max, repr(seg.dims))


def rebuild(
    conn: Connection, *, segments: bool = True, counts_day: dt.date | None = None
) -> dict[str, int]:
    """Recompute the ledger from scratch; ``segments=False`` keeps them, redoes counts."""
    products: Table = Product.__table__  # type: ignore[assignment]
    producers: Table = Producer.__table__  # type: ignore[assignment]
    members: Table = TeamMember.__table__  # type: ignore[assignment]
    day = counts_day or today()
    made = 0
    # It reads and writes everything: a national-scale GROUP BY takes longer
    # than the limits that guard requests.
    without_time_limits(conn)
    if segments:
        conn.execute(delete(SEGMENTS))
        named = named_marketplaces(conn)
        for table, kind in (
            (products, PRODUCT),
            (producers, PRODUCER),
            (members, MEMBER),
        ):
            ids = list(conn.scalars(select(table.c.id).order_by(table.c.id)))
            for chunk in chunks(ids, 5000):
                computed = compute(
                    conn,
                    products=chunk if kind == PRODUCT else (),
                    producers=chunk if kind == PRODUCER else (),
                    members=chunk if kind == MEMBER else (),
                    named=named,
                )
                rows = [
                    _row(s, h, seg) for s, keyed in computed.items() for h, seg in keyed
                ]
                for start in range(0, len(rows), 5000):
                    conn.execute(insert(SEGMENTS), rows[start : start + 5000])
                made += len(rows)
    rebuild_counts(conn, day)
    return {"segments": made}


def rebuild_counts(conn: Connection, counts_day: dt.date) -> None:
    """Counts and schedule from the segments, on ``counts_day``."""
    conn.execute(delete(COUNTS))
    conn.execute(delete(SCHEDULE))
    dims_cols = [SEGMENTS.c[c] for c in DIM_COLUMNS]
    now_delta: dict[tuple[int, str], int] = defaultdict(int)
    open_now = conn.execute(
        select(SEGMENTS.c.hamlet_id, *dims_cols, func.count().label("n"))
        .where(
            SEGMENTS.c.start_day <= counts_day,
            or_(SEGMENTS.c.end_day.is_(None), SEGMENTS.c.end_day > counts_day),
        )
        .group_by(SEGMENTS.c.hamlet_id, *dims_cols)
    )
    for row in open_now:
        for m in rules.metrics(dims_of(row)):
            now_delta[(row.hamlet_id, m)] += row.n
    later_delta: dict[tuple[int, dt.date, str], int] = defaultdict(int)
    for column, sign in ((SEGMENTS.c.start_day, 1), (SEGMENTS.c.end_day, -1)):
        for row in conn.execute(
            select(
                SEGMENTS.c.hamlet_id,
                column.label("day"),
                *dims_cols,
                func.count().label("n"),
            )
            .where(column > counts_day)
            .group_by(SEGMENTS.c.hamlet_id, column, *dims_cols)
        ):
            for m in rules.metrics(dims_of(row)):
                later_delta[(row.hamlet_id, row.day, m)] += sign * row.n
    if state(conn) is None:
        conn.execute(
            insert(STATE).values(
                id=STATE_ID, counts_day=counts_day, stale=False, rebuilt_at=utcnow()
            )
        )
    else:
        conn.execute(
            update(STATE)
            .where(STATE.c.id == STATE_ID)
            .values(counts_day=counts_day, stale=False, rebuilt_at=utcnow())
        )
    _post(conn, counts_day, now_delta, later_delta)
    conn.execute(delete(CHECKPOINTS))
    conn.execute(delete(CHECKPOINT_DAYS))
    extend_checkpoints(conn, counts_day)
    activity.rebuild(conn)
    training.rebuild(conn)


def rebuild_after_upgrade(url: str | None) -> None:
    """Recompute a ledger already built, after an upgrade that changed what it
    counts (``core.migrate.on_rebuild``); a database with none is left alone:
    nothing of it needs recomputing."""
    engine = make_engine(url or get_settings().database_url)
    try:
        with Session(engine) as session:
            conn = session.connection()
            if state(conn) is None:
                return
            rebuild(conn)
            session.commit()
    finally:
        engine.dispose()
