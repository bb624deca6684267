"""Shops' monthly activity per area, kept in step with writes (DOMAIN.md §8).

``report_activity`` holds, per area node and month, the sums of the
``seller_activity`` rows: shops with an order, orders, revenue. A row counts
at its seller account's hamlet (which follows the producer when it moves) and
under the tree of the month's last day, so a month's figures for any area —
the whole country included — are one indexed read.

This module says how the rows are counted; ``reports/monthly.py`` keeps the
table: ``refresh()`` (the listener calls it beside the segments for the
hamlets a transaction touched), ``rebuild()``, ``read()`` and ``read_areas()``.
"""

import datetime as dt
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, Table, case, func, select

from ocop_tracker.reports.ledger import LINKS, chunks, link_valid
from ocop_tracker.reports.models import NATION, ReportActivity
from ocop_tracker.reports.monthly import Key, MonthlyTable
from ocop_tracker.reports.rules import ActivitySums, activity_day
from ocop_tracker.sellers.models import SellerAccount, SellerActivity

ACTIVITY: Table = ReportActivity.__table__  # type: ignore[assignment]
ROWS: Table = SellerActivity.__table__  # type: ignore[assignment]
ACCOUNTS: Table = SellerAccount.__table__  # type: ignore[assignment]
SUM_COLUMNS = ("active_shops", "orders", "revenue_vnd")  # ActivitySums' fields


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


# The table, its columns, the sums, the count per place and month, the recount.
KEPT = MonthlyTable(ACTIVITY, SUM_COLUMNS, ActivitySums, hamlet_sums, recount)
refresh = KEPT.refresh
rebuild = KEPT.rebuild
read = KEPT.read
read_areas = KEPT.read_areas
