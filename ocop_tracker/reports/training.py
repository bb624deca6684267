"""Training per area and month, kept in step with writes (issue 17 item 3).

``report_training`` holds, per area node and month, the sessions held, their
attendees and the coaching visits. A session counts at the area it was held
in (a hamlet or a commune), a visit at the producer's hamlet when visited;
both under the tree of the month's last day, so a month's figures for any area
— the whole country included — are one indexed read, as for the shops'
activity (``reports/activity.py``, whose machinery this shares).

``refresh()`` recounts the months of the places a transaction touched and
posts the difference to the place and every ancestor; ``rebuild()`` recounts
everything. While the ledger is stale or not built, reads count from the rows.
"""

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Date, Table, cast, delete, func, select
from sqlalchemy.dialects import postgresql, sqlite

from ocop_tracker.reports.ledger import (
    LINKS,
    Ancestors,
    LedgerState,
    chunks,
    link_valid,
    state,
)
from ocop_tracker.reports.models import NATION, ReportTraining
from ocop_tracker.reports.rules import activity_day
from ocop_tracker.training.models import CoachingVisit, TrainingSession

TRAINING: Table = ReportTraining.__table__  # type: ignore[assignment]
SESSIONS: Table = TrainingSession.__table__  # type: ignore[assignment]
VISITS: Table = CoachingVisit.__table__  # type: ignore[assignment]
SUM_COLUMNS = ("sessions", "attendees", "coaching_visits")

Key = tuple[int, dt.date]  # (area id, month)


@dataclass(frozen=True)
class TrainingSums:
    """One area's training in one month."""

    sessions: int = 0
    attendees: int = 0
    coaching_visits: int = 0

    def __add__(self, other: "TrainingSums") -> "TrainingSums":
        return TrainingSums(
            self.sessions + other.sessions,
            self.attendees + other.attendees,
            self.coaching_visits + other.coaching_visits,
        )

    def __sub__(self, other: "TrainingSums") -> "TrainingSums":
        return TrainingSums(
            self.sessions - other.sessions,
            self.attendees - other.attendees,
            self.coaching_visits - other.coaching_visits,
        )

    def __bool__(self) -> bool:
        return bool(self.sessions or self.attendees or self.coaching_visits)


ZERO = TrainingSums()


def _month_of(conn: Connection, column: Any) -> Any:
    """The first day of a date column's month, in SQL."""
    if conn.dialect.name == "postgresql":
        return cast(func.date_trunc("month", column), Date)
    return func.date(column, "start of month")


def place_sums(
    conn: Connection, places: Sequence[int] | None = None
) -> dict[Key, TrainingSums]:
    """Per (place, month), the sums of its own rows (None: every place)."""
    out: dict[Key, TrainingSums] = defaultdict(TrainingSums)
    s_month = _month_of(conn, SESSIONS.c.held_on)
    v_month = _month_of(conn, VISITS.c.visited_on)
    sessions = select(
        SESSIONS.c.area_id,
        s_month,
        func.count(),
        func.coalesce(func.sum(SESSIONS.c.attendee_count), 0),
    ).group_by(SESSIONS.c.area_id, s_month)
    visits = select(VISITS.c.hamlet_id, v_month, func.count()).group_by(
        VISITS.c.hamlet_id, v_month
    )
    groups = [None] if places is None else list(chunks(places, 2000))
    for chunk in groups:
        s_stmt = (
            sessions if chunk is None else sessions.where(SESSIONS.c.area_id.in_(chunk))
        )
        for area, month, n, people in conn.execute(s_stmt):
            key = (area, _as_date(month))
            out[key] += TrainingSums(int(n), int(people), 0)
        v_stmt = (
            visits if chunk is None else visits.where(VISITS.c.hamlet_id.in_(chunk))
        )
        for hamlet, month, n in conn.execute(v_stmt):
            key = (hamlet, _as_date(month))
            out[key] += TrainingSums(0, 0, int(n))
    return dict(out)


def _as_date(value: object) -> dt.date:
    """A month as the database gives it back (SQLite: text, PostgreSQL: a date)."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value))


def _of(row: Sequence[object]) -> TrainingSums:
    return TrainingSums(*(int(v) for v in row[:3]))  # type: ignore[call-overload]


def _stored_own(conn: Connection, places: Sequence[int]) -> dict[Key, TrainingSums]:
    """The places' own sums as kept, locked (PostgreSQL)."""
    out: dict[Key, TrainingSums] = {}
    for chunk in chunks(places, 2000):
        stmt = select(TRAINING.c.area_id, TRAINING.c.month, *TRAINING.c[SUM_COLUMNS])
        stmt = stmt.where(TRAINING.c.area_id.in_(chunk), TRAINING.c.own.is_(True))
        if conn.dialect.name == "postgresql":
            stmt = stmt.with_for_update()
        for row in conn.execute(stmt):
            out[(row[0], row[1])] = _of(row[2:])
    return out


def _upsert(conn: Connection, rows: list[dict[str, object]]) -> None:
    if not rows:
        return
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    stmt = dialect.insert(TRAINING)
    stmt = stmt.on_conflict_do_update(
        index_elements=["area_id", "month", "own"],
        set_={c: TRAINING.c[c] + stmt.excluded[c] for c in SUM_COLUMNS},
    )
    for start in range(0, len(rows), 5000):
        conn.execute(stmt, rows[start : start + 5000])


def _rows(sums: Mapping[Key, TrainingSums], own: bool) -> list[dict[str, object]]:
    return [
        {
            "area_id": a,
            "month": m,
            "own": own,
            "sessions": s.sessions,
            "attendees": s.attendees,
            "coaching_visits": s.coaching_visits,
        }
        for (a, m), s in sums.items()
        if s
    ]


def _post(conn: Connection, deltas: Mapping[Key, TrainingSums]) -> None:
    """Add place-level changes to the place's own row, and to the place, every
    ancestor of the month's last day and the country."""
    if not deltas:
        return
    anc = Ancestors(conn, {p for p, _ in deltas})
    spread: dict[Key, TrainingSums] = defaultdict(TrainingSums)
    for (place, month), d in deltas.items():
        for area in {place, *anc.on(place, activity_day(month))}:
            spread[(area, month)] += d
    _upsert(conn, _rows(deltas, own=True) + _rows(spread, own=False))


def refresh(conn: Connection, places: Iterable[int]) -> int:
    """Recount the months of these places and post the differences; how many moved.

    Nothing to do while the ledger is stale or not built: the rebuild recounts.
    """
    ids = sorted(set(places))
    current = state(conn)
    if not ids or current is None or current[1]:
        return 0
    old = _stored_own(conn, ids)
    new = place_sums(conn, ids)
    deltas = {
        k: new.get(k, ZERO) - old.get(k, ZERO)
        for k in new.keys() | old.keys()
        if new.get(k, ZERO) != old.get(k, ZERO)
    }
    _post(conn, deltas)
    return len(deltas)


def rebuild(conn: Connection) -> None:
    """Recount every area's months from the rows."""
    conn.execute(delete(TRAINING))
    _post(conn, place_sums(conn))


def read(
    conn: Connection,
    area_id: int,
    months: Sequence[dt.date],
    current: LedgerState | None = None,
) -> dict[dt.date, TrainingSums]:
    """The area's sums for each month (first days), from the kept table.

    While the ledger is stale (the tree changed) or not built, counted from the
    rows under the tree of each month's last day.
    """
    current = current or state(conn)
    if current is None or current[1]:
        return recount(conn, area_id, months)
    out = dict.fromkeys(months, ZERO)
    for row in conn.execute(
        select(TRAINING.c.month, *TRAINING.c[SUM_COLUMNS]).where(
            TRAINING.c.area_id == area_id,
            TRAINING.c.own.is_(False),
            TRAINING.c.month.in_(list(months)),
        )
    ):
        out[row[0]] = _of(row[1:])
    return out


def read_areas(
    conn: Connection, area_ids: Sequence[int], month: dt.date
) -> dict[int, TrainingSums]:
    """Several areas' sums for one month (first day), in one read of the kept table."""
    if not area_ids:
        return {}
    current = state(conn)
    if current is None or current[1]:
        return {a: recount(conn, a, [month])[month] for a in area_ids}
    out = dict.fromkeys(area_ids, ZERO)
    for chunk in chunks(list(area_ids), 2000):
        for row in conn.execute(
            select(TRAINING.c.area_id, *TRAINING.c[SUM_COLUMNS]).where(
                TRAINING.c.area_id.in_(chunk),
                TRAINING.c.own.is_(False),
                TRAINING.c.month == month,
            )
        ):
            out[row[0]] = _of(row[1:])
    return out


def recount(
    conn: Connection, area_id: int, months: Sequence[dt.date]
) -> dict[dt.date, TrainingSums]:
    """The area's sums for each month counted from the rows (two queries a month)."""
    out: dict[dt.date, TrainingSums] = {}
    for month in months:
        end = (month.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
        s_stmt = select(
            func.count(), func.coalesce(func.sum(SESSIONS.c.attendee_count), 0)
        ).where(SESSIONS.c.held_on >= month, SESSIONS.c.held_on < end)
        v_stmt = select(func.count()).where(
            VISITS.c.visited_on >= month, VISITS.c.visited_on < end
        )
        if area_id != NATION:
            valid = link_valid(activity_day(month))
            s_stmt = s_stmt.join(
                LINKS, LINKS.c.descendant_id == SESSIONS.c.area_id
            ).where(LINKS.c.ancestor_id == area_id, valid)
            v_stmt = v_stmt.join(
                LINKS, LINKS.c.descendant_id == VISITS.c.hamlet_id
            ).where(LINKS.c.ancestor_id == area_id, valid)
        n, people = conn.execute(s_stmt).one()
        visits = conn.execute(v_stmt).scalar_one()
        out[month] = TrainingSums(int(n), int(people), int(visits))
    return out
