"""Shops' monthly activity per area, kept in step with writes (DOMAIN.md §8).

``report_activity`` holds, per area node and month, the sums of the
``seller_activity`` rows: shops with an order, orders, revenue. A row counts
at its seller account's hamlet (which follows the producer when it moves) and
under the tree of the month's last day, so a month's figures for any area —
the whole country included — are one indexed read.

``refresh()`` recounts the months of the hamlets a transaction touched from the
rows and posts the difference to the hamlet and every ancestor; the listener
calls it beside the segments. ``rebuild()`` recounts everything (after a bulk
load, or a change of the tree: the ledger is then stale and ``read()`` counts
from the rows until the rebuild). Statements are Core on the session's
connection: the listener runs inside a flush.
"""

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from sqlalchemy import Connection, Table, case, delete, func, select
from sqlalchemy.dialects import postgresql, sqlite

from ocop_tracker.reports.ledger import (
    LINKS,
    Ancestors,
    LedgerState,
    chunks,
    link_valid,
    state,
)
from ocop_tracker.reports.models import NATION, ReportActivity
from ocop_tracker.reports.rules import ActivitySums, activity_day
from ocop_tracker.sellers.models import SellerAccount, SellerActivity

ACTIVITY: Table = ReportActivity.__table__  # type: ignore[assignment]
ROWS: Table = SellerActivity.__table__  # type: ignore[assignment]
ACCOUNTS: Table = SellerAccount.__table__  # type: ignore[assignment]
ZERO = ActivitySums()
SUM_COLUMNS = ("active_shops", "orders", "revenue_vnd")

Key = tuple[int, dt.date]  # (area or hamlet id, month)


def _sums() -> list[Any]:
    return [
        func.coalesce(func.sum(case((ROWS.c.orders > 0, 1), else_=0)), 0),
        func.coalesce(func.sum(ROWS.c.orders), 0),
        func.coalesce(func.sum(ROWS.c.revenue_vnd), 0),
    ]


def _of(row: Sequence[Any]) -> ActivitySums:
    return ActivitySums(int(row[0]), int(row[1]), int(row[2]))


def hamlet_sums(
    conn: Connection, hamlets: Sequence[int] | None = None
) -> dict[Key, ActivitySums]:
    """Per (hamlet, month), the sums of the rows of its seller accounts (None: all)."""
    base = (
        select(ACCOUNTS.c.hamlet_id, ROWS.c.month, *_sums())
        .join(ACCOUNTS, ACCOUNTS.c.id == ROWS.c.seller_account_id)
        .group_by(ACCOUNTS.c.hamlet_id, ROWS.c.month)
    )
    out: dict[Key, ActivitySums] = {}
    statements = (
        [base]
        if hamlets is None
        else [base.where(ACCOUNTS.c.hamlet_id.in_(c)) for c in chunks(hamlets, 2000)]
    )
    for stmt in statements:
        for row in conn.execute(stmt):
            out[(row[0], row[1])] = _of(row[2:])
    return out


def _stored(conn: Connection, hamlets: Sequence[int]) -> dict[Key, ActivitySums]:
    out: dict[Key, ActivitySums] = {}
    for chunk in chunks(hamlets, 2000):
        stmt = select(ACTIVITY.c.area_id, ACTIVITY.c.month, *ACTIVITY.c[SUM_COLUMNS])
        stmt = stmt.where(ACTIVITY.c.area_id.in_(chunk))
        if conn.dialect.name == "postgresql":
            stmt = stmt.with_for_update()
        for row in conn.execute(stmt):
            out[(row[0], row[1])] = _of(row[2:])
    return out


def _post(conn: Connection, deltas: Mapping[Key, ActivitySums]) -> None:
    """Add hamlet-level changes to the hamlet, its ancestors and the country."""
    if not deltas:
        return
    anc = Ancestors(conn, {h for h, _ in deltas})
    spread: dict[Key, ActivitySums] = defaultdict(ActivitySums)
    for (h, month), d in deltas.items():
        for area in {h, *anc.on(h, activity_day(month))}:
            spread[(area, month)] += d
    rows = [
        {
            "area_id": a,
            "month": m,
            "active_shops": s.active_shops,
            "orders": s.orders,
            "revenue_vnd": s.revenue_vnd,
        }
        for (a, m), s in spread.items()
        if s
    ]
    if not rows:
        return
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    stmt = dialect.insert(ACTIVITY)
    stmt = stmt.on_conflict_do_update(
        index_elements=["area_id", "month"],
        set_={c: ACTIVITY.c[c] + stmt.excluded[c] for c in SUM_COLUMNS},
    )
    for start in range(0, len(rows), 5000):
        conn.execute(stmt, rows[start : start + 5000])


def refresh(conn: Connection, hamlets: Iterable[int]) -> int:
    """Recount the months of these hamlets and post the differences; how many moved.

    Nothing to do while the ledger is stale or not built: the rebuild recounts.
    """
    ids = sorted(set(hamlets))
    current = state(conn)
    if not ids or current is None or current[1]:
        return 0
    # The kept rows first, locked (PostgreSQL): a writer of the same hamlets
    # that commits meanwhile is then seen both in them and in the recount.
    old = _stored(conn, ids)
    new = hamlet_sums(conn, ids)
    deltas = {
        k: new.get(k, ZERO) - old.get(k, ZERO)
        for k in new.keys() | old.keys()
        if new.get(k, ZERO) != old.get(k, ZERO)
    }
    _post(conn, deltas)
    return len(deltas)


def rebuild(conn: Connection) -> None:
    """Recount every area's months from the rows."""
    conn.execute(delete(ACTIVITY))
    _post(conn, hamlet_sums(conn))


def read(
    conn: Connection,
    area_id: int,
    months: Sequence[dt.date],
    current: LedgerState | None = None,
) -> dict[dt.date, ActivitySums]:
    """The area's sums for each month (first days), from the kept table.

    While the ledger is stale (the tree changed) or not built, counted from
    the rows under the tree of each month's last day.
    """
    current = current or state(conn)
    if current is None or current[1]:
        return recount(conn, area_id, months)
    out = dict.fromkeys(months, ZERO)
    for row in conn.execute(
        select(ACTIVITY.c.month, *ACTIVITY.c[SUM_COLUMNS]).where(
            ACTIVITY.c.area_id == area_id, ACTIVITY.c.month.in_(list(months))
        )
    ):
        out[row[0]] = _of(row[1:])
    return out


def recount(
    conn: Connection, area_id: int, months: Sequence[dt.date]
) -> dict[dt.date, ActivitySums]:
    """The area's sums for each month counted from the rows (one query a month)."""
    out: dict[dt.date, ActivitySums] = {}
    for month in months:
        stmt = (
            select(*_sums())
            .select_from(ROWS)
            .join(ACCOUNTS, ACCOUNTS.c.id == ROWS.c.seller_account_id)
            .where(ROWS.c.month == month)
        )
        if area_id != NATION:
            stmt = stmt.join(
                LINKS, LINKS.c.descendant_id == ACCOUNTS.c.hamlet_id
            ).where(LINKS.c.ancestor_id == area_id, link_valid(activity_day(month)))
        row = conn.execute(stmt).one()
        out[month] = _of(row)
    return out


def read_areas(
    conn: Connection, area_ids: Sequence[int], month: dt.date
) -> dict[int, ActivitySums]:
    """Several areas' sums for one month (first day), in one read of the kept table.

    While the ledger is stale or not built, each area is counted from the rows.
    """
    if not area_ids:
        return {}
    current = state(conn)
    if current is None or current[1]:
        return {a: recount(conn, a, [month])[month] for a in area_ids}
    out = dict.fromkeys(area_ids, ZERO)
    for chunk in chunks(list(area_ids), 2000):
        for row in conn.execute(
            select(ACTIVITY.c.area_id, *ACTIVITY.c[SUM_COLUMNS]).where(
                ACTIVITY.c.area_id.in_(chunk), ACTIVITY.c.month == month
            )
        ):
            out[row[0]] = _of(row[1:])
    return out
