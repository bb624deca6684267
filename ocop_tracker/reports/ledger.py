"""The coverage ledger: its tables, its state and what its parts share.

The ledger is segments and counts, kept in step with writes, and checkpoints.
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
day by the difference (a later day reads the counts plus the segments that
start or end in between, ``views.read_counts``), and changes to days already
past move the checkpoints that fall in them (``read_checkpoints`` answers a
past date from the nearest checkpoint plus, or minus, the segments that start
or end in between). Statements are SQLAlchemy Core on the session's
connection: the listener runs inside a flush.
"""

import datetime as dt
import json
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any, TypeVar

from sqlalchemy import (
    ARRAY,
    Boolean,
    ColumnElement,
    Connection,
    Date,
    Integer,
    String,
    Table,
    and_,
    any_,
    bindparam,
    cast,
    func,
    or_,
    select,
)
from sqlalchemy.dialects import postgresql, sqlite

from ocop_tracker.areas.models import AdminUnit, AdminUnitLink
from ocop_tracker.core import query
from ocop_tracker.reports.models import (
    NATION,
    ReportCheckpoint,
    ReportCheckpointDay,
    ReportCount,
    ReportRevision,
    ReportSegment,
    ReportState,
)
from ocop_tracker.reports.rules import Dims, Segment

SEGMENTS: Table = ReportSegment.__table__  # type: ignore[assignment]
COUNTS: Table = ReportCount.__table__  # type: ignore[assignment]
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


def among(conn: Connection, column: Any, ids: Sequence[Any]) -> ColumnElement[bool]:
    """``column`` among ``ids``, sent as one parameter whatever their number:
    an array on PostgreSQL, a JSON list that ``json_each`` reads on SQLite. An
    ``IN`` of a refresh's 2,000 ids is a statement SQLAlchemy expands, a name
    per id, and psycopg converts anew each time (4 of an import's 30
    profiled seconds of refresh)."""
    values = list(ids)
    if conn.dialect.name == "postgresql":
        array = bindparam(None, values, type_=ARRAY(column.type))
        return column == any_(array)  # type: ignore[no-any-return]
    each = func.json_each(bindparam(None, json.dumps(values), type_=String()))
    return column.in_(select(each.table_valued("value").c.value))  # type: ignore[no-any-return]


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


# Rows per statement of ``write_columns`` on PostgreSQL (one array per column).
WRITE_ROWS = 100_000


def _array_text(values: Sequence[Any], kind: type[Any]) -> str:
    """``values`` as the text of a PostgreSQL array of ``kind``."""
    if kind is int:
        items = ["NULL" if v is None else str(v) for v in values]
    elif kind is bool:
        items = ["NULL" if v is None else ("t" if v else "f") for v in values]
    elif kind is dt.date:
        items = ["NULL" if v is None else v.isoformat() for v in values]
    else:
        items = [
            "NULL"
            if v is None
            else '"' + str(v).replace("\\", "\\\\").replace('"', '\\"') + '"'
            for v in values
        ]
    return "{" + ",".join(items) + "}"


def _kind_of(column: Any) -> type[Any]:
    """The Python type a ledger column holds, for ``_array_text``."""
    for sa_type, kind in ((Boolean, bool), (Integer, int), (Date, dt.date)):
        if isinstance(column.type, sa_type):
            return kind
    assert isinstance(column.type, String), column
    return str


def write_columns(
    conn: Connection,
    table: Table,
    columns: Mapping[str, Sequence[Any]],
    *,
    keys: Sequence[str] = (),
    value: str | None = None,
) -> None:
    """Insert rows given column by column (lists of the same length); with
    ``keys`` and ``value``, add each row's ``value`` to the stored row with the
    same keys instead, as ``core.query.upsert`` does.

    Made for the hundreds of thousands of rows an import of 20,000 products
    adds to the segments, the counts and the checkpoints. On PostgreSQL each
    column travels as the text of one array, written by ``str.join`` and cast
    by the server (psycopg's dump of a list of 358,000 values took 4.6 of an
    import's 40 s, a regular expression per value), the rows made by
    ``unnest``; on SQLite one executemany of plain tuples, without the bind
    processing of a Core executemany (about 3 µs a row)."""
    names = list(columns)
    if not names or not columns[names[0]]:
        return
    count = len(columns[names[0]])
    kinds = [_kind_of(table.c[c]) for c in names]
    if conn.dialect.name == "postgresql":
        arrays = [
            cast(bindparam(f"{c}_all", type_=String()), ARRAY(table.c[c].type))
            for c in names
        ]
        given = func.unnest(*arrays).table_valued(*names).render_derived("given")
        pg = postgresql.insert(table).from_select(
            names, select(*(given.c[c] for c in names))
        )
        stmt: Any = pg
        if value is not None:
            stmt = pg.on_conflict_do_update(
                index_elements=list(keys),
                set_={value: table.c[value] + pg.excluded[value]},
            )
        for start in range(0, count, WRITE_ROWS):
            conn.execute(
                stmt,
                {
                    f"{c}_all": _array_text(columns[c][start : start + WRITE_ROWS], k)
                    for c, k in zip(names, kinds, strict=True)
                },
            )
        return
    lite = sqlite.insert(table)
    stmt = lite
    if value is not None:
        stmt = lite.on_conflict_do_update(
            index_elements=list(keys),
            set_={value: table.c[value] + lite.excluded[value]},
        )
    sql, order = query.positional(conn, stmt, names)
    # SQLAlchemy keeps a SQLite date as its ISO text.
    plain = [
        [None if v is None else v.isoformat() for v in columns[c]]
        if k is dt.date
        else columns[c]
        for c, k in zip(names, kinds, strict=True)
    ]
    rows = list(zip(*(plain[i] for i in order), strict=True))
    conn.exec_driver_sql(sql, rows)


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
        # A hamlet whose links are all undated has the same ancestors every
        # day: found once (a refresh asks once per hamlet, day and dims).
        self.always: dict[int, tuple[int, ...]] = {
            h: (*(a for a, _, _ in links), NATION)
            for h, links in self.links.items()
            if all(vf is None and vt is None for _, vf, vt in links)
        }

    def on(self, hamlet_id: int, day: dt.date) -> tuple[int, ...]:
        """Ancestors valid on ``day``, and the whole country."""
        always = self.always.get(hamlet_id)
        if always is not None:
            return always
        return (
            *(
                anc
                for anc, vf, vt in self.links.get(hamlet_id, [(hamlet_id, None, None)])
                if (vf is None or vf <= day) and (vt is None or vt >= day)
            ),
            NATION,
        )


def link_valid(day: dt.date) -> Any:
    return and_(
        or_(LINKS.c.valid_from.is_(None), LINKS.c.valid_from <= day),
        or_(LINKS.c.valid_to.is_(None), LINKS.c.valid_to >= day),
    )
