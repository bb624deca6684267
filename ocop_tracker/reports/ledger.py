"""The coverage ledger: its tables, its state and what its parts share.

The ledger is segments, counts and scheduled changes, kept in step with writes.
Its jobs are split by module:

- ``reports/facts.py``: what a product or producer counts as, over time, from
  the rows and the audit trail;
- ``reports/segments.py``: computing and posting segments — ``refresh()``
  (``reports/listener.py`` calls it inside the same transaction), ``rebuild()``
  (after a bulk load, an upgrade, a change of the tree), ``roll_forward()``;
- ``reports/checkpoints.py``: the checkpoints that answer a past date (every
  area on month ends and tree-change days, the country and its provinces on
  each month's 8th, 15th and 22nd, the country every day);
- ``reports/views.py``: the reads — counts today and ahead, checkpoints in the
  past, segments when neither can answer.

``refresh()`` recomputes the segments of the products and producers a flush
touched and moves the counts of the hamlet and of every ancestor on the counts
day by the difference; changes that fall on later days go to the schedule, and
changes to days already past move the checkpoints that fall in them
(``read_checkpoints`` answers a past date from the nearest checkpoint plus, or
minus, the segments that start or end in between). Statements are SQLAlchemy
Core on the session's connection: the listener runs inside a flush.
"""

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from typing import Any, TypeVar

from sqlalchemy import Connection, Table, and_, or_, select

from ocop_tracker.areas.models import AdminUnit, AdminUnitLink
from ocop_tracker.core import query
from ocop_tracker.reports.models import (
    NATION,
    ReportCheckpoint,
    ReportCheckpointDay,
    ReportCount,
    ReportRevision,
    ReportScheduled,
    ReportSegment,
    ReportState,
)
from ocop_tracker.reports.rules import Dims, Segment

SEGMENTS: Table = ReportSegment.__table__  # type: ignore[assignment]
COUNTS: Table = ReportCount.__table__  # type: ignore[assignment]
SCHEDULE: Table = ReportScheduled.__table__  # type: ignore[assignment]
STATE: Table = ReportState.__table__  # type: ignore[assignment]
REVISIONS: Table = ReportRevision.__table__  # type: ignore[assignment]
LINKS: Table = AdminUnitLink.__table__  # type: ignore[assignment]
CHECKPOINTS: Table = ReportCheckpoint.__table__  # type: ignore[assignment]
CHECKPOINT_DAYS: Table = ReportCheckpointDay.__table__  # type: ignore[assignment]
UNITS: Table = AdminUnit.__table__  # type: ignore[assignment]
PRODUCT, PRODUCER, MEMBER = "product", "producer", "member"
T = TypeVar("T")
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
    "trained",
    "holds_ocop",
)

Keyed = tuple[int, Segment]  # (hamlet_id, segment)


def chunks(ids: Sequence[T], size: int = CHUNK) -> Iterator[Sequence[T]]:
    """``ids`` ``CHUNK`` at a time (the kit's ``chunks``, the ledger's size)."""
    return query.chunks(ids, size)


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
        trained=bool(m["trained"]),
        holds_ocop=bool(m["holds_ocop"]),
    )


# (the day the counts stand at, stale since the tree changed)
LedgerState = tuple[dt.date, bool]


def state(conn: Connection) -> LedgerState | None:
    """(counts day, stale) or None before the first build."""
    row = conn.execute(
        select(STATE.c.counts_day, STATE.c.stale).where(STATE.c.id == STATE_ID)
    ).first()
    return None if row is None else (row[0], bool(row[1]))


# What a kept answer of one area stands on: (counts day, stale, rebuilt at, the
# area's revision); None before the first build.
Stamp = tuple[dt.date, bool, dt.datetime, int]


def stamp(conn: Connection, area_id: int) -> Stamp | None:
    """The ledger's state and the area's revision, in one statement."""
    row = conn.execute(
        select(STATE.c.counts_day, STATE.c.stale, STATE.c.rebuilt_at, REVISIONS.c.rev)
        .select_from(STATE)
        .outerjoin(REVISIONS, REVISIONS.c.area_id == area_id)
        .where(STATE.c.id == STATE_ID)
    ).first()
    if row is None:
        return None
    return (row[0], bool(row[1]), row[2], int(row[3] or 0))


def bump(conn: Connection, area_ids: Iterable[int]) -> None:
    """Add one to the revision of each area (the transaction's last write:
    rows are taken in area order, so two writers never wait in a circle)."""
    rows = [{"area_id": a, "rev": 1} for a in sorted(set(area_ids))]
    query.upsert(conn, REVISIONS, ("area_id",), "rev", rows)


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class Ancestors:
    """Each hamlet's ancestors (itself included) on a day, from the dated closure links."""

    def __init__(self, conn: Connection, hamlets: Iterable[int]) -> None:
        self.links: dict[int, list[tuple[int, dt.date | None, dt.date | None]]] = (
            defaultdict(list)
        )
        ids = sorted(set(hamlets))
        for chunk in chunks(ids, 2000):
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


def link_valid(day: dt.date) -> Any:
    return and_(
        or_(LINKS.c.valid_from.is_(None), LINKS.c.valid_from <= day),
        or_(LINKS.c.valid_to.is_(None), LINKS.c.valid_to >= day),
    )
