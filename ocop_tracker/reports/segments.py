"""The ledger's segments: computed from the facts, posted to the counts.

``refresh()`` brings the segments of the subjects a flush touched in step and
posts the difference to the counts and the checkpoints;
``rebuild()`` recomputes everything; ``roll_forward()`` moves the counts to a
new day.
"""

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

from sqlalchemy import (
    Connection,
    Table,
    and_,
    delete,
    func,
    insert,
    or_,
    select,
    update,
)
from sqlalchemy.orm import Session

from ocop_tracker.core.clock import today
from ocop_tracker.core.config import get_settings
from ocop_tracker.core.db import make_engine, without_time_limits
from ocop_tracker.producers.models import Producer
from ocop_tracker.products.models import Product
from ocop_tracker.reports import activity, rules, training
from ocop_tracker.reports.checkpoints import (
    CheckpointNet,
    extend_checkpoints,
    net_checkpoints,
    post_checkpoints,
    tree_changed_between,
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
    SEGMENTS,
    STATE,
    STATE_ID,
    Ancestors,
    Keyed,
    among,
    chunks,
    dims_of,
    state,
    utcnow,
    write_columns,
)
from ocop_tracker.reports.rules import Dims, Segment
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


SEGMENT_COLUMNS = (
    "subject_type",
    "subject_id",
    "hamlet_id",
    "start_day",
    "end_day",
    *DIM_COLUMNS,
)


def _columns(rows: Iterable[tuple[tuple[str, int], Keyed]]) -> dict[str, list[Any]]:
    """Segment rows ``(subject, (hamlet, segment))``, column by column for
    ``write_columns``."""
    out: dict[str, list[Any]] = {c: [] for c in SEGMENT_COLUMNS}
    put = [out[c].append for c in SEGMENT_COLUMNS]
    for (kind, sid), (hamlet_id, seg) in rows:
        d = seg.dims
        values = (
            kind,
            sid,
            hamlet_id,
            seg.start,
            seg.end,
            d.category,
            d.stars,
            d.group_id,
            d.kind,
            d.ptype,
            d.listed,
            d.both,
            d.expiring,
            d.paying,
            d.markets,
            d.steps,
            d.trained,
            d.holds_ocop,
        )
        for add, v in zip(put, values, strict=True):
            add(v)
    return out


def stored(
    conn: Connection, subjects: Iterable[tuple[str, int]]
) -> dict[tuple[str, int], list[Keyed]]:
    """The segments each subject has in the table (none for a new one: an
    import's 30,000 subjects are sought a part, ``REFRESH_SUBJECTS``, per
    statement, as one array on PostgreSQL)."""
    out: dict[tuple[str, int], list[Keyed]] = defaultdict(list)
    by_type: dict[str, list[int]] = defaultdict(list)
    for kind, sid in subjects:
        by_type[kind].append(sid)
    for kind, ids in by_type.items():
        for chunk in chunks(sorted(ids), REFRESH_SUBJECTS):
            stmt = select(SEGMENTS).where(
                SEGMENTS.c.subject_type == kind,
                among(conn, SEGMENTS.c.subject_id, chunk),
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
        .where(~among(conn, products.c.id, sorted(seen[PRODUCT] or {0})))
    ) or conn.scalar(
        select(func.count())
        .select_from(producers)
        .where(~among(conn, producers.c.id, sorted(seen[PRODUCER] or {0})))
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


# A move of the counts: (hamlet, dims) → how many subjects came (+) or went
# (−); on a later day: (hamlet, day, dims) → the same, of which only the areas
# are kept (``_post``).
NowMoves = dict[tuple[int, Dims], int]
LaterMoves = dict[tuple[int, dt.date, Dims], int]


class _Names:
    """``rules.metrics`` of each dims, made once per refresh: an import's
    60,000 segments share a few hundred dims."""

    def __init__(self) -> None:
        self.known: dict[Dims, list[str]] = {}

    def of(self, dims: Dims) -> list[str]:
        names = self.known.get(dims)
        if names is None:
            names = self.known[dims] = rules.metrics(dims)
        return names


def _post(
    conn: Connection,
    counts_day: dt.date,
    now_delta: NowMoves,
    later_delta: LaterMoves,
    revised: set[int] | None = None,
) -> None:
    """Spread hamlet-level changes of the counts to every ancestor and write
    them; the areas whose figures moved, today or on a later day, are added to
    ``revised``.

    Moves are added up per dims and area first, then each of those moves its
    metrics once: an import's 60,000 segments share a few hundred dims, where
    a move per (hamlet, metric) and ancestor took most of the posting. A later
    day's figures are read from the counts plus the segments that start or end
    in between (``views.read_counts``): its moves are written nowhere, but the
    areas they touch are revised, so no answer kept for that day outlives them.
    """
    hamlets = {h for h, _ in now_delta}
    if revised is not None:
        hamlets |= {h for (h, _, _), d in later_delta.items() if d}
    if not hamlets:
        return
    anc = Ancestors(conn, hamlets)
    names = _Names()
    # Per dims, each area's move: a dims is hashed once per segment, not once
    # per segment and ancestor.
    now_by_dims: dict[Dims, dict[int, int]] = defaultdict(lambda: defaultdict(int))
    for (h, dims), d in now_delta.items():
        if d:
            into = now_by_dims[dims]
            for a in anc.on(h, counts_day):
                into[a] += d
    # Then per metric, the moves of every dims that counts in it.
    counts_of: dict[str, dict[int, int]] = defaultdict(dict)
    for dims, by_area in now_by_dims.items():
        for m in names.of(dims):
            _add_into(counts_of[m], by_area)
    moved = [(a, m, v) for m, by in counts_of.items() for a, v in by.items() if v]
    write_columns(
        conn,
        COUNTS,
        {
            "area_id": [a for a, _, _ in moved],
            "metric": [m for _, m, _ in moved],
            "value": [v for _, _, v in moved],
        },
        keys=("area_id", "metric"),
        value="value",
    )
    if revised is not None:
        revised.update(a for a, _, _ in moved)
        for (h, day, _), d in later_delta.items():
            if d:
                revised.update(anc.on(h, day))


K = TypeVar("K")


def _add_into(into: dict[K, int], moves: Mapping[K, int]) -> None:
    """Add ``moves`` to ``into``, key by key (the first time, a copy in C)."""
    if not into:
        into.update(moves)
        return
    get = into.get
    for key, d in moves.items():
        into[key] = get(key, 0) + d


def _deltas(
    keyed: Iterable[Keyed],
    counts_day: dt.date,
    sign: int,
    now_delta: NowMoves,
    later_delta: LaterMoves,
) -> None:
    """Add (sign=1) or take away (sign=-1) segments' effect on the counts, today and on later days."""
    for hamlet_id, seg in keyed:
        start, end = seg.start, seg.end
        if start <= counts_day and (end is None or end > counts_day):
            now_delta[(hamlet_id, seg.dims)] += sign
        if start > counts_day:
            later_delta[(hamlet_id, start, seg.dims)] += sign
        if end is not None and end > counts_day:
            later_delta[(hamlet_id, end, seg.dims)] -= sign


def roll_forward(conn: Connection, to_day: dt.date | None = None) -> None:
    """Move the counts to ``to_day`` (default today): by the segments that
    start or end in between, or, when the tree changed in between, counted
    again from the segments open that day."""
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
    if not moved or current[1]:
        # Stale counts are counted again from the segments before anything
        # reads them (``rebuild_counts``): nothing to move.
        return
    if tree_changed_between(conn, current[0], target):
        _count_open(conn, target)
    else:
        _post(conn, target, _moves_between(conn, current[0], target), {})
    extend_checkpoints(conn, target)


def _moves_between(conn: Connection, after: dt.date, upto: dt.date) -> NowMoves:
    """How each (hamlet, dims) moves from the end of ``after`` to the end of
    ``upto``: the segments that start (+) or end (−) in between
    (``ix_report_segments_start_cover``/``_end_cover``)."""
    out: NowMoves = defaultdict(int)
    for column, sign in ((SEGMENTS.c.start_day, 1), (SEGMENTS.c.end_day, -1)):
        _add_by_hamlet(conn, and_(column > after, column <= upto), sign, out)
    return out


def _count_open(conn: Connection, counts_day: dt.date) -> None:
    """The counts of ``counts_day`` anew, from the segments open that day."""
    conn.execute(delete(COUNTS))
    now_delta: NowMoves = defaultdict(int)
    open_now = and_(
        SEGMENTS.c.start_day <= counts_day,
        or_(SEGMENTS.c.end_day.is_(None), SEGMENTS.c.end_day > counts_day),
    )
    _add_by_hamlet(conn, open_now, 1, now_delta)
    _post(conn, counts_day, now_delta, {})


def _add_by_hamlet(conn: Connection, where: Any, sign: int, into: NowMoves) -> None:
    """Add ``sign`` × the segments matching ``where``, per (hamlet, dims)."""
    dims_cols = [SEGMENTS.c[c] for c in DIM_COLUMNS]
    for row in conn.execute(
        select(SEGMENTS.c.hamlet_id, *dims_cols, func.count().label("n"))
        .where(where)
        .group_by(SEGMENTS.c.hamlet_id, *dims_cols)
    ):
        into[(row.hamlet_id, dims_of(row))] += sign * row.n


# Subjects refreshed together (``refresh``).
REFRESH_SUBJECTS = 2000


@dataclass
class _Moves:
    """What the parts of one refresh move, added up and written once.

    An import of 20,000 rows is refreshed in ten parts, all in the same few
    thousand hamlets, over the same few hundred checkpoint days: posted part
    by part, each wrote the same areas' counts and checkpoints
    again (the upserts took more than half of the refresh on PostgreSQL).

    Checkpoints missing before the first one (a part's segment starts before
    it) are added once too, at the end, from the segments of every part,
    after the moves of the checkpoints that stood (``extend``): added at the
    first such part, the moves of each later part were posted again to
    every day it added (an import of certificates decided since 2024 moved
    1,070 days it had just counted).
    """

    counts_day: dt.date | None = None
    now: NowMoves = field(default_factory=lambda: defaultdict(int))
    later: LaterMoves = field(default_factory=lambda: defaultdict(int))
    checkpoints: CheckpointNet = field(default_factory=lambda: defaultdict(int))
    # The first checkpoint day before the refresh (None: none yet), once read.
    first: tuple[dt.date | None] | None = None
    # The counts day whose missing checkpoints are to be added, if any.
    extend: dt.date | None = None

    def write(self, conn: Connection, revised: set[int] | None) -> None:
        """Post what was added up, and start again from nothing. Called at the
        end, and before anything reads what it moves: the counts moved to a
        new day."""
        if self.counts_day is not None:
            _post(conn, self.counts_day, self.now, self.later, revised)
            post_checkpoints(conn, self.checkpoints)
        self.counts_day = None
        self.now.clear()
        self.later.clear()
        self.checkpoints.clear()

    def finish(self, conn: Connection, revised: set[int] | None) -> None:
        """Post what was added up, then add the checkpoints the segments
        now need before the first one."""
        self.write(conn, revised)
        if self.extend is not None:
            extend_checkpoints(conn, self.extend)
        self.extend = None
        self.first = None


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
    moves.finish(conn, revised)
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
        # Rolling forward adds the checkpoints the segments need, the
        # earlier parts' included.
        moves.finish(conn, revised)
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
    # A subject with no segments stored (a new one: all of an import's)
    # changed when it has some now, and has none to take away.
    changed = [
        s
        for s in subjects
        if (_differ(old[s], new.get(s, [])) if s in old else bool(new.get(s)))
    ]
    if not changed:
        return 0
    by_type: dict[str, list[int]] = defaultdict(list)
    for kind, sid in changed:
        if (kind, sid) in old:
            by_type[kind].append(sid)
    for kind, ids in by_type.items():
        for chunk in chunks(ids):
            conn.execute(
                delete(SEGMENTS).where(
                    SEGMENTS.c.subject_type == kind, SEGMENTS.c.subject_id.in_(chunk)
                )
            )
    write_columns(
        conn, SEGMENTS, _columns((s, k) for s in changed for k in new.get(s, []))
    )
    if not stale:
        moves.counts_day = counts_day
        for s in changed:
            if s in old:
                _deltas(old[s], counts_day, -1, moves.now, moves.later)
            _deltas(new.get(s, []), counts_day, 1, moves.now, moves.later)
        net_checkpoints(
            [(old.get(s, []), new.get(s, [])) for s in changed],
            counts_day,
            moves.checkpoints,
        )
        starts = [seg.start for s in changed for _, seg in new.get(s, [])]
        if starts and min(starts) < counts_day:
            if moves.first is None:
                moves.first = (conn.scalar(select(func.min(CHECKPOINT_DAYS.c.day))),)
            first = moves.first[0]
            if first is None or min(starts) < first:
                # Something now counts before the first checkpoint: those
                # before are added from the segments at the end (``_Moves``).
                moves.extend = counts_day
    return len(changed)


def _differ(old: list[Keyed], new: list[Keyed]) -> bool:
    """Whether two lists of segments differ, whatever their order."""
    if len(old) != len(new):
        return True
    return sorted(old, key=_sort_key) != sorted(new, key=_sort_key)


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
                columns = _columns(
                    (s, k) for s, keyed in computed.items() for k in keyed
                )
                write_columns(conn, SEGMENTS, columns)
                made += len(columns["subject_id"])
    rebuild_counts(conn, day)
    return {"segments": made}


def rebuild_counts(conn: Connection, counts_day: dt.date) -> None:
    """Counts and checkpoints from the segments, on ``counts_day``."""
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
    _count_open(conn, counts_day)
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
