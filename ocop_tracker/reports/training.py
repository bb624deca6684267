"""Training per area and month, kept in step with writes (issue 17 item 3).

``report_training`` holds, per area node and month, the sessions held, their
attendees and the coaching visits. A session counts at the area it was held
in (a hamlet or a commune), a visit at the producer's hamlet when visited;
both under the tree of the month's last day, so a month's figures for any area
— the whole country included — are one indexed read, as for the shops'
activity.

This module says how the rows are counted; ``reports/monthly.py`` keeps the
table (with each place's own sums apart: a commune holds sessions and hamlets):
``refresh()``, ``rebuild()``, ``read()`` and ``read_areas()``.
"""

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Date, Table, cast, func, select

from ocop_tracker.reports.ledger import LINKS, chunks, link_valid
from ocop_tracker.reports.models import NATION, ReportTraining
from ocop_tracker.reports.monthly import Key, MonthlyTable
from ocop_tracker.reports.rules import FieldSums, activity_day
from ocop_tracker.training.models import CoachingVisit, TrainingSession

TRAINING: Table = ReportTraining.__table__  # type: ignore[assignment]
SESSIONS: Table = TrainingSession.__table__  # type: ignore[assignment]
VISITS: Table = CoachingVisit.__table__  # type: ignore[assignment]
SUM_COLUMNS = ("sessions", "attendees", "coaching_visits")  # TrainingSums' fields


@dataclass(frozen=True)
class TrainingSums(FieldSums):
    """One area's training in one month."""

    sessions: int = 0
    attendees: int = 0
    coaching_visits: int = 0


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


# The table, its columns, the sums, the count per place and month, the recount.
KEPT = MonthlyTable(TRAINING, SUM_COLUMNS, TrainingSums, place_sums, recount, own=True)
refresh = KEPT.refresh
rebuild = KEPT.rebuild
read = KEPT.read
read_areas = KEPT.read_areas
