"""The coverage ledger: segments, counts and scheduled changes, kept in step with writes.

``refresh()`` recomputes the segments of the products and producers a flush
touched (``reports/listener.py`` calls it inside the same transaction) and
moves the counts of the hamlet and of every ancestor on the counts day by the
difference; changes that fall on later days go to the schedule, and changes
to days already past move the month-end checkpoints that fall in them
(``read_checkpoints`` answers a past date from the nearest earlier checkpoint
plus the segments that start or end in between). ``rebuild()``
recomputes everything from the rows and the audit trail (after a bulk load, an
upgrade, a change of the tree). Statements are SQLAlchemy Core on the
session's connection: the listener runs inside a flush.

Facts come from the rows and, for states that change over time (a listing's
status, a step, a payment account, a product's existence), from the audit
trail: the state at the end of a day is the one recorded by then (the same
replay as ``history.service``) — except what carries its own date: a
certificate counts by its decision, expiry and revocation dates and a
delisting from its ``delisted_on``, whenever they were recorded (coverage is
valid-time, DOMAIN.md §3). Rows written without a trail (bulk loads) count
from their own dates: ``verified_at`` to ``delisted_on`` for a listing,
``done_at`` for a step, ``created_at`` otherwise.
"""

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any

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
from sqlalchemy.dialects import postgresql, sqlite

from ocop_tracker.areas.models import AdminUnit, AdminUnitLink, Level
from ocop_tracker.audit.models import AuditEvent
from ocop_tracker.core.clock import today, vn_date
from ocop_tracker.core.db import without_time_limits
from ocop_tracker.onboarding.models import (
    Listing,
    Marketplace,
    StepRecord,
)
from ocop_tracker.producers.models import PaymentAccount, Producer
from ocop_tracker.products.models import Certificate, Product
from ocop_tracker.reports import rules
from ocop_tracker.reports.models import (
    NATION,
    ReportCheckpoint,
    ReportCheckpointDay,
    ReportCount,
    ReportScheduled,
    ReportSegment,
    ReportState,
)
from ocop_tracker.reports.rules import (
    CertFact,
    Dims,
    ListingFact,
    ProducerFacts,
    ProductFacts,
    Segment,
    Timeline,
)

SEGMENTS: Table = ReportSegment.__table__  # type: ignore[assignment]
COUNTS: Table = ReportCount.__table__  # type: ignore[assignment]
SCHEDULE: Table = ReportScheduled.__table__  # type: ignore[assignment]
STATE: Table = ReportState.__table__  # type: ignore[assignment]
LINKS: Table = AdminUnitLink.__table__  # type: ignore[assignment]
EVENTS: Table = AuditEvent.__table__  # type: ignore[assignment]
CHECKPOINTS: Table = ReportCheckpoint.__table__  # type: ignore[assignment]
CHECKPOINT_DAYS: Table = ReportCheckpointDay.__table__  # type: ignore[assignment]
UNITS: Table = AdminUnit.__table__  # type: ignore[assignment]
PRODUCT, PRODUCER = "product", "producer"
CHUNK = 500
STATE_ID = 1

DIM_COLUMNS = (
    "category",
    "stars",
    "group_id",
    "kind",
    "ptype",
    "listed",
    "both",
    "expiring",
    "paying",
    "markets",
    "steps",
)


def _chunks(ids: Sequence[int], size: int = CHUNK) -> Iterator[Sequence[int]]:
    for start in range(0, len(ids), size):
        yield ids[start : start + size]


# --- facts ---------------------------------------------------------------------------


def _events(
    conn: Connection, object_type: str, ids: Sequence[int]
) -> Iterator[tuple[int, str, dt.date, dict[str, Any]]]:
    """Row changes of the objects in order: ``(id, action, day, after)``."""
    for chunk in _chunks(ids):
        rows = conn.execute(
            select(EVENTS.c.object_id, EVENTS.c.action, EVENTS.c.at, EVENTS.c.after)
            .where(
                EVENTS.c.object_type == object_type,
                EVENTS.c.object_id.in_([str(i) for i in chunk]),
                EVENTS.c.action.in_(("create", "update", "delete")),
            )
            .order_by(EVENTS.c.id)
        )
        for object_id, action, at, after in rows:
            yield int(object_id), action, vn_date(at), after or {}


def _trails(
    conn: Connection, object_type: str, ids: Sequence[int], column: str | None
) -> dict[int, list[tuple[dt.date, str | None]]]:
    """Per object, ``(day, value)`` in order: ``column`` of each row change (or "1")."""
    out: dict[int, list[tuple[dt.date, str | None]]] = defaultdict(list)
    for key, action, day, after in _events(conn, object_type, ids):
        if action == "delete":
            out[key].append((day, None))
        elif column is None:
            if action == "create":
                out[key].append((day, "1"))
        elif action == "create" or column in after:
            value = after.get(column)
            out[key].append((day, None if value is None else str(value)))
    return out


def _listing_trails(
    conn: Connection, ids: Sequence[int]
) -> dict[int, list[tuple[dt.date, str | None]]]:
    """Per listing, ``(day, status)`` in order, a delisting from its own date.

    Coverage is valid-time (DOMAIN.md §3): a listing is live on a day unless
    delisted on or before it, whenever that was recorded — as a certificate
    is valid unless revoked on or before the day. A delisting recorded on day
    R as gone down on day E replaces what the trail said from E on.
    """
    out: dict[int, list[tuple[dt.date, str | None]]] = defaultdict(list)
    delisted_on: dict[int, str | None] = {}
    for key, action, day, after in _events(conn, "listings", ids):
        if action == "create" or "delisted_on" in after:
            delisted_on[key] = after.get("delisted_on")
        if action == "delete":
            out[key].append((day, None))
        elif action == "create" or "status" in after:
            status = after.get("status")
            gone = delisted_on.get(key)
            if status == "delisted" and gone is not None:
                since = min(day, dt.date.fromisoformat(gone))
                out[key] = [c for c in out[key] if c[0] <= since]
                day = since
            out[key].append((day, None if status is None else str(status)))
    return out


def named_marketplaces(conn: Connection) -> frozenset[int]:
    """Ids of the marketplaces the plan names (voso.vn, postmart.vn)."""
    table: Table = Marketplace.__table__  # type: ignore[assignment]
    return frozenset(
        conn.scalars(select(table.c.id).where(table.c.is_named_in_plan.is_(True)))
    )


def product_facts(conn: Connection, ids: Sequence[int]) -> dict[int, ProductFacts]:
    """Facts of the products that still exist, by id."""
    products: Table = Product.__table__  # type: ignore[assignment]
    producers: Table = Producer.__table__  # type: ignore[assignment]
    certs: Table = Certificate.__table__  # type: ignore[assignment]
    listings: Table = Listing.__table__  # type: ignore[assignment]
    steps: Table = StepRecord.__table__  # type: ignore[assignment]
    out: dict[int, ProductFacts] = {}
    for chunk in _chunks(sorted(set(ids))):
        rows = conn.execute(
            select(
                products.c.id,
                products.c.hamlet_id,
                products.c.kind,
                products.c.group_id,
                producers.c.kind,
                products.c.created_at,
            )
            .join(producers, producers.c.id == products.c.producer_id)
            .where(products.c.id.in_(chunk))
        ).all()
        if not rows:
            continue
        present = [r[0] for r in rows]
        exists = _trails(conn, "products", present, None)
        cert_rows: dict[int, list[CertFact]] = defaultdict(list)
        for r in conn.execute(
            select(
                certs.c.product_id,
                certs.c.id,
                certs.c.decision_date,
                certs.c.expires_on,
                certs.c.revoked_on,
                certs.c.stars,
            ).where(certs.c.product_id.in_(present))
        ):
            cert_rows[r[0]].append(CertFact(r[1], r[2], r[3], r[4], r[5]))
        listing_rows = conn.execute(
            select(
                listings.c.id,
                listings.c.product_id,
                listings.c.marketplace_id,
                listings.c.status,
                listings.c.verified_at,
                listings.c.delisted_on,
                listings.c.created_at,
            ).where(listings.c.product_id.in_(present))
        ).all()
        listing_ids = [r[0] for r in listing_rows]
        status_trails = _listing_trails(conn, listing_ids)
        step_rows = conn.execute(
            select(
                steps.c.id,
                steps.c.listing_id,
                steps.c.step_code,
                steps.c.status,
                steps.c.done_at,
            ).where(steps.c.listing_id.in_(listing_ids))
        ).all()
        step_trails = _trails(conn, "step_records", [r[0] for r in step_rows], "status")
        steps_by_listing: dict[int, dict[str, Timeline]] = defaultdict(dict)
        for sid, lid, code, status, done_at in step_rows:
            trail = step_trails.get(sid) or [(vn_date(done_at), str(status))]
            steps_by_listing[lid][code] = rules.timeline(trail)
        facts_listings: dict[int, list[ListingFact]] = defaultdict(list)
        for lid, pid, mid, status, verified_at, delisted_on, created_at in listing_rows:
            trail = status_trails.get(lid) or _listing_fallback(
                str(status), verified_at, delisted_on, created_at
            )
            facts_listings[pid].append(
                ListingFact(mid, rules.timeline(trail), steps_by_listing.get(lid, {}))
            )
        for pid, hamlet_id, kind, group_id, ptype, created_at in rows:
            out[pid] = ProductFacts(
                product_id=pid,
                hamlet_id=hamlet_id,
                kind=str(kind),
                group_id=group_id,
                ptype=str(ptype),
                exists=rules.timeline(exists.get(pid) or [(vn_date(created_at), "1")]),
                certs=cert_rows.get(pid, []),
                listings=facts_listings.get(pid, []),
            )
    return out


def _listing_fallback(
    status: str,
    verified_at: dt.datetime | None,
    delisted_on: dt.date | None,
    created_at: dt.datetime,
) -> list[tuple[dt.date, str | None]]:
    """A listing's status over time when it has no trail (written in bulk)."""
    # The row's status is today's truth; its dates only say since when (a
    # date after today in bulk-loaded data would hide a live listing).
    now = today()
    start = min(vn_date(created_at), now)
    if status == "listed" and verified_at is not None:
        return [(start, "in_progress"), (min(vn_date(verified_at), now), "listed")]
    if status == "delisted" and verified_at is not None and delisted_on is not None:
        return [
            (start, "in_progress"),
            (min(vn_date(verified_at), delisted_on), "listed"),
            (delisted_on, "delisted"),
        ]
    return [(start, status)]


def producer_facts(conn: Connection, ids: Sequence[int]) -> dict[int, ProducerFacts]:
    """Facts of the producers that still exist, by id."""
    producers: Table = Producer.__table__  # type: ignore[assignment]
    accounts: Table = PaymentAccount.__table__  # type: ignore[assignment]
    out: dict[int, ProducerFacts] = {}
    for chunk in _chunks(sorted(set(ids))):
        rows = conn.execute(
            select(
                producers.c.id,
                producers.c.hamlet_id,
                producers.c.kind,
                producers.c.created_at,
            ).where(producers.c.id.in_(chunk))
        ).all()
        if not rows:
            continue
        present = [r[0] for r in rows]
        exists = _trails(conn, "producers", present, None)
        account_rows = conn.execute(
            select(
                accounts.c.id,
                accounts.c.producer_id,
                accounts.c.status,
                accounts.c.created_at,
            ).where(accounts.c.producer_id.in_(present))
        ).all()
        trails = _trails(
            conn, "payment_accounts", [r[0] for r in account_rows], "status"
        )
        payments: dict[int, list[Timeline]] = defaultdict(list)
        for aid, pid, status, created_at in account_rows:
            trail = trails.get(aid) or [(vn_date(created_at), str(status))]
            payments[pid].append(rules.timeline(trail))
        for pid, hamlet_id, kind, created_at in rows:
            out[pid] = ProducerFacts(
                producer_id=pid,
                hamlet_id=hamlet_id,
                kind=str(kind),
                exists=rules.timeline(exists.get(pid) or [(vn_date(created_at), "1")]),
                payments=payments.get(pid, []),
            )
    return out


# --- segments ------------------------------------------------------------------------

Keyed = tuple[int, Segment]  # (hamlet_id, segment)


def compute(
    conn: Connection,
    *,
    products: Sequence[int] = (),
    producers: Sequence[int] = (),
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
            [(g.hamlet_id, s) for s in rules.producer_segments(g)] if g else []
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
    }


def dims_of(row: Any) -> Dims:
    """Dims from a segment row (or any row with the dim columns)."""
    m = row._mapping
    return Dims(
        category=m["category"],
        stars=m["stars"],
        group_id=m["group_id"],
        kind=m["kind"],
        ptype=m["ptype"],
        listed=bool(m["listed"]),
        both=bool(m["both"]),
        expiring=bool(m["expiring"]),
        paying=bool(m["paying"]),
        markets=m["markets"] or "",
        steps=m["steps"] or "",
    )


def stored(
    conn: Connection, subjects: Iterable[tuple[str, int]]
) -> dict[tuple[str, int], list[Keyed]]:
    """The segments each subject has in the table."""
    out: dict[tuple[str, int], list[Keyed]] = defaultdict(list)
    by_type: dict[str, list[int]] = defaultdict(list)
    for kind, sid in subjects:
        by_type[kind].append(sid)
    for kind, ids in by_type.items():
        for chunk in _chunks(sorted(ids)):
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


# --- state, ancestors, upserts --------------------------------------------------------


def state(conn: Connection) -> tuple[dt.date, bool] | None:
    """(counts day, stale) or None before the first build."""
    row = conn.execute(
        select(STATE.c.counts_day, STATE.c.stale).where(STATE.c.id == STATE_ID)
    ).first()
    return None if row is None else (row[0], bool(row[1]))


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
            id=STATE_ID, counts_day=today(), stale=bool(unseen), rebuilt_at=_now()
        )
    )


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def mark_stale(conn: Connection) -> None:
    """Counts may no longer match the tree or the marketplaces: read segments until rebuilt."""
    if state(conn) is None:
        return
    conn.execute(update(STATE).where(STATE.c.id == STATE_ID).values(stale=True))


class Ancestors:
    """Each hamlet's ancestors (itself included) on a day, from the dated closure links."""

    def __init__(self, conn: Connection, hamlets: Iterable[int]) -> None:
        self.links: dict[int, list[tuple[int, dt.date | None, dt.date | None]]] = (
            defaultdict(list)
        )
        ids = sorted(set(hamlets))
        for chunk in _chunks(ids, 2000):
            for anc, desc, vf, vt in conn.execute(
                select(
                    LINKS.c.ancestor_id,
                    LINKS.c.descendant_id,
                    LINKS.c.valid_from,
                    LINKS.c.valid_to,
                ).where(LINKS.c.descendant_id.in_(chunk))
            ):
                self.links[desc].append((anc, vf, vt))

    def on(self, hamlet_id: int, day: dt.date) -> list[int]:
        """Ancestors valid on ``day``, and the whole country."""
        out = [
            anc
            for anc, vf, vt in self.links.get(hamlet_id, [(hamlet_id, None, None)])
            if (vf is None or vf <= day) and (vt is None or vt >= day)
        ]
        out.append(NATION)
        return out


def _upsert(
    conn: Connection,
    table: Table,
    keys: Sequence[str],
    value: str,
    rows: list[dict[str, Any]],
) -> None:
    if not rows:
        return
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    stmt = dialect.insert(table)
    stmt = stmt.on_conflict_do_update(
        index_elements=list(keys),
        set_={value: getattr(table.c, value) + getattr(stmt.excluded, value)},
    )
    for start in range(0, len(rows), 5000):
        conn.execute(stmt, rows[start : start + 5000])


def _post(
    conn: Connection,
    counts_day: dt.date,
    now_delta: Mapping[tuple[int, str], int],
    later_delta: Mapping[tuple[int, dt.date, str], int],
) -> None:
    """Spread hamlet-level changes to every ancestor and write them."""
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
    _upsert(
        conn,
        COUNTS,
        ("area_id", "metric"),
        "value",
        [{"area_id": a, "metric": m, "value": v} for (a, m), v in counts.items() if v],
    )
    _upsert(
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
    _upsert(
        conn,
        COUNTS,
        ("area_id", "metric"),
        "value",
        [{"area_id": a, "metric": m, "value": int(v)} for a, m, v in due if v],
    )
    conn.execute(delete(SCHEDULE).where(SCHEDULE.c.day <= target))
    if not current[1]:
        extend_checkpoints(conn, target)


def refresh(
    conn: Connection, *, products: Iterable[int] = (), producers: Iterable[int] = ()
) -> int:
    """Bring the ledger in step for these subjects; returns how many changed."""
    subjects = [(PRODUCT, p) for p in set(products)] + [
        (PRODUCER, p) for p in set(producers)
    ]
    if not subjects:
        return 0
    _ensure_state(conn, subjects)
    roll_forward(conn)
    current = state(conn)
    assert current is not None
    counts_day, stale = current
    old = stored(conn, subjects)
    new = compute(
        conn,
        products=[s for k, s in subjects if k == PRODUCT],
        producers=[s for k, s in subjects if k == PRODUCER],
    )
    changed = [
        s
        for s in subjects
        if sorted(old.get(s, []), key=_sort_key)
        != sorted(new.get(s, []), key=_sort_key)
    ]
    if not changed:
        return 0
    by_type: dict[str, list[int]] = defaultdict(list)
    for kind, sid in changed:
        by_type[kind].append(sid)
    for kind, ids in by_type.items():
        for chunk in _chunks(ids):
            conn.execute(
                delete(SEGMENTS).where(
                    SEGMENTS.c.subject_type == kind, SEGMENTS.c.subject_id.in_(chunk)
                )
            )
    rows = [_row(s, h, seg) for s in changed for h, seg in new.get(s, [])]
    if rows:
        conn.execute(insert(SEGMENTS), rows)
    if not stale:
        now_delta: dict[tuple[int, str], int] = defaultdict(int)
        later_delta: dict[tuple[int, dt.date, str], int] = defaultdict(int)
        for s in changed:
            _deltas(old.get(s, []), counts_day, -1, now_delta, later_delta)
            _deltas(new.get(s, []), counts_day, 1, now_delta, later_delta)
        _post(conn, counts_day, now_delta, later_delta)
        _post_checkpoints(conn, [(old.get(s, []), new.get(s, [])) for s in changed])
        starts = [seg.start for s in changed for _, seg in new.get(s, [])]
        if starts and min(starts) < counts_day:
            first: dt.date | None = conn.scalar(select(func.min(CHECKPOINT_DAYS.c.day)))
            if first is None or min(starts) < first:
                # Something now counts before the first checkpoint: add those before.
                extend_checkpoints(conn, counts_day)
    return len(changed)


def _sort_key(item: Keyed) -> tuple[Any, ...]:
    h, seg = item
    return (h, seg.start, seg.end or dt.date.max, repr(seg.dims))


# --- rebuild -------------------------------------------------------------------------


def rebuild(
    conn: Connection, *, segments: bool = True, counts_day: dt.date | None = None
) -> dict[str, int]:
    """Recompute the ledger from scratch; ``segments=False`` keeps them, redoes counts."""
    products: Table = Product.__table__  # type: ignore[assignment]
    producers: Table = Producer.__table__  # type: ignore[assignment]
    day = counts_day or today()
    made = 0
    # It reads and writes everything: a national-scale GROUP BY takes longer
    # than the limits that guard requests.
    without_time_limits(conn)
    if segments:
        conn.execute(delete(SEGMENTS))
        named = named_marketplaces(conn)
        for table, kind in ((products, PRODUCT), (producers, PRODUCER)):
            ids = list(conn.scalars(select(table.c.id).order_by(table.c.id)))
            for chunk in _chunks(ids, 5000):
                computed = compute(
                    conn,
                    products=chunk if kind == PRODUCT else (),
                    producers=chunk if kind == PRODUCER else (),
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
                id=STATE_ID, counts_day=counts_day, stale=False, rebuilt_at=_now()
            )
        )
    else:
        conn.execute(
            update(STATE)
            .where(STATE.c.id == STATE_ID)
            .values(counts_day=counts_day, stale=False, rebuilt_at=_now())
        )
    _post(conn, counts_day, now_delta, later_delta)
    conn.execute(delete(CHECKPOINTS))
    conn.execute(delete(CHECKPOINT_DAYS))
    extend_checkpoints(conn, counts_day)


# --- checkpoints ----------------------------------------------------------------------


# The figures a commune keeps at checkpoints: what its parent's breakdown by
# child reads (``service.HEADLINE``). Its other figures come from its segments.
COMMUNE_METRICS = frozenset(
    ("ocop", "ocop.listed", "ocop.both", "other", "other.listed", "other.both")
)


def _communes(conn: Connection, ids: Iterable[int] | None = None) -> set[int]:
    """The communes among ``ids`` (None: every commune)."""
    stmt = select(UNITS.c.id).where(UNITS.c.level == Level.commune.value)
    if ids is None:
        return set(conn.scalars(stmt))
    out: set[int] = set()
    for chunk in _chunks(sorted(set(ids)), 2000):
        out.update(conn.scalars(stmt.where(UNITS.c.id.in_(chunk))))
    return out


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


def _month_ends(first: dt.date, before: dt.date) -> list[dt.date]:
    out: list[dt.date] = []
    year, month = first.year, first.month
    while True:
        nxt = dt.date(year + month // 12, month % 12 + 1, 1)
        end = nxt - rules.ONE_DAY
        if end >= before:
            return out
        if end >= first:
            out.append(end)
        year, month = nxt.year, nxt.month


def checkpoint_days(conn: Connection, before: dt.date) -> list[dt.date]:
    """Month ends and tree-change days from the first segment to ``before`` (excluded)."""
    first: dt.date | None = conn.scalar(select(func.min(SEGMENTS.c.start_day)))
    if first is None:
        return []
    days = set(_month_ends(first, before))
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
    return and_(_link_valid(day), LINKS.c.ancestor_id != LINKS.c.descendant_id)


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


def _window(
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
        if units is not None:
            # ``+ 0`` keeps the planners from walking the areas' whole subtrees
            # (every hamlet of 34 provinces: 345 ms at 100,000 products) instead
            # of the few segments in the window, then each one's links (41 ms).
            stmt = stmt.where((LINKS.c.ancestor_id + 0).in_(units))
        for row in conn.execute(stmt):
            _spread_row(
                into, row.ancestor_id, row, times * sign * row.n, communes, headline
            )


def extend_checkpoints(conn: Connection, before: dt.date) -> None:
    """Write the checkpoints missing before ``before``, each from the previous one.

    A checkpoint on a day the tree changed (or the first one) is a full count
    of the segments open that day; any other is the previous checkpoint plus
    the segments that started or ended since.
    """
    have = list(
        conn.scalars(select(CHECKPOINT_DAYS.c.day).order_by(CHECKPOINT_DAYS.c.day))
    )
    wanted = [d for d in checkpoint_days(conn, before) if d not in set(have)]
    if not wanted:
        return
    changes = tree_days(conn)
    communes = _communes(conn)
    carry: dict[tuple[int, str], int] = defaultdict(int)
    prev: dt.date | None = None
    earlier = [d for d in have if d < wanted[0]]
    if earlier:
        prev = earlier[-1]
        for area_id, metric, value in conn.execute(
            select(
                CHECKPOINTS.c.area_id, CHECKPOINTS.c.metric, CHECKPOINTS.c.value
            ).where(CHECKPOINTS.c.day == prev)
        ):
            carry[(area_id, metric)] += value
    for day in wanted:
        if prev is None or any(prev < c <= day for c in changes):
            carry = defaultdict(int)
            _grouped(conn, day, _open_on(day), communes, carry)
        else:
            _window(conn, prev, day, None, communes, carry)
        conn.execute(delete(CHECKPOINTS).where(CHECKPOINTS.c.day == day))
        rows = [
            {"day": day, "area_id": a, "metric": m, "value": v}
            for (a, m), v in carry.items()
            if v
        ]
        for start in range(0, len(rows), 5000):
            conn.execute(insert(CHECKPOINTS), rows[start : start + 5000])
        conn.execute(
            insert(CHECKPOINT_DAYS).values(day=day, tree_change=day in changes)
        )
        prev = day


def _post_checkpoints(
    conn: Connection, changes: Sequence[tuple[Sequence[Keyed], Sequence[Keyed]]]
) -> None:
    """Move the checkpoints a change of segments reaches (old taken away, new added)."""
    days = list(conn.scalars(select(CHECKPOINT_DAYS.c.day)))
    if not days:
        return
    delta: dict[tuple[dt.date, int, Dims], int] = defaultdict(int)
    hamlets: set[int] = set()
    for old, new in changes:
        for sign, keyed in ((-1, old), (1, new)):
            for hamlet_id, seg in keyed:
                for day in days:
                    if rules.covers(seg, day):
                        delta[(day, hamlet_id, seg.dims)] += sign
                        hamlets.add(hamlet_id)
    if not hamlets:
        return
    anc = Ancestors(conn, hamlets)
    communes = _communes(conn, {a for links in anc.links.values() for a, _, _ in links})
    spread: dict[dt.date, dict[tuple[int, str], int]] = defaultdict(
        lambda: defaultdict(int)
    )
    for (day, h, dims), d in delta.items():
        if not d:
            continue
        for a in anc.on(h, day):
            if a != h:
                _spread(spread[day], a, dims, d, communes)
    _upsert(
        conn,
        CHECKPOINTS,
        ("day", "area_id", "metric"),
        "value",
        [
            {"day": day, "area_id": a, "metric": m, "value": v}
            for day, moved in spread.items()
            for (a, m), v in moved.items()
            if v
        ],
    )


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
    before: dt.date | None = conn.scalar(
        select(func.max(CHECKPOINT_DAYS.c.day)).where(CHECKPOINT_DAYS.c.day <= day)
    )
    after = conn.execute(
        select(CHECKPOINT_DAYS.c.day, CHECKPOINT_DAYS.c.tree_change)
        .where(CHECKPOINT_DAYS.c.day > day)
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
    units = [a for a in area_ids if a != NATION]
    hamlets = (
        set(
            conn.scalars(
                select(UNITS.c.id).where(
                    UNITS.c.id.in_(units), UNITS.c.level == Level.hamlet.value
                )
            )
        )
        if units
        else set()
    )
    communes = _communes(conn, units) if units else set()
    headline = metrics is not None and set(metrics) <= COMMUNE_METRICS
    by_segments = hamlets | (set() if headline else communes)
    kept = [a for a in area_ids if a not in by_segments]
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
            _window(conn, lo, hi, kept, communes, figures, times, headline=headline)
        for (area_id, metric), value in figures.items():
            if value:
                out[area_id][metric] += value
    if by_segments:
        for area_id, got in read_segments(conn, sorted(by_segments), day).items():
            out[area_id] = defaultdict(int, got)
    return {a: dict(v) for a, v in out.items()}


# --- reads ----------------------------------------------------------------------------


def read_counts(
    conn: Connection,
    area_ids: Sequence[int],
    day: dt.date,
    metrics: Sequence[str] | None = None,
) -> dict[int, dict[str, int]] | None:
    """Figures of areas on ``day`` from the counts, or None when they cannot answer."""
    current = state(conn)
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
        swhere = [
            SCHEDULE.c.area_id.in_(area_ids),
            SCHEDULE.c.day > counts_day,
            SCHEDULE.c.day <= day,
        ]
        if metrics is not None:
            swhere.append(SCHEDULE.c.metric.in_(metrics))
        for area_id, metric, value in conn.execute(
            select(SCHEDULE.c.area_id, SCHEDULE.c.metric, func.sum(SCHEDULE.c.delta))
            .where(*swhere)
            .group_by(SCHEDULE.c.area_id, SCHEDULE.c.metric)
        ):
            out[area_id][metric] += int(value)
    return {a: dict(v) for a, v in out.items()}


def _link_valid(day: dt.date) -> Any:
    return and_(
        or_(LINKS.c.valid_from.is_(None), LINKS.c.valid_from <= day),
        or_(LINKS.c.valid_to.is_(None), LINKS.c.valid_to >= day),
    )


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
            .where(LINKS.c.ancestor_id.in_(units), _link_valid(day), open_on)
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
) -> tuple[dict[int, dict[str, int]], str]:
    """Figures of areas on ``day``: from the counts when they can answer, else segments."""
    fast = read_counts(conn, area_ids, day, metrics)
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
