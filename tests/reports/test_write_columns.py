"""The ledger's bulk writes and id lists (``ledger.write_columns``, ``ledger.among``)
keep every value as a Core statement would, on SQLite and PostgreSQL alike."""

import datetime as dt
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ocop_tracker.areas.models import AdminUnit
from ocop_tracker.reports import ledger

# Text an array's literal must quote or escape, and text that only looks like NULL.
AWKWARD = ["a,b", 'say "hi"', "back\\slash", "", "NULL", " spaced ", "{x}", "Tạ"]


def test_an_upsert_adds_to_stored_rows_and_keeps_awkward_text(
    session: Session,
) -> None:
    conn = session.connection()
    columns: dict[str, list[Any]] = {
        "area_id": [-7] * len(AWKWARD),
        "metric": AWKWARD,
        "value": list(range(1, len(AWKWARD) + 1)),
    }
    keys = ("area_id", "metric")
    ledger.write_columns(conn, ledger.COUNTS, columns, keys=keys, value="value")
    ledger.write_columns(conn, ledger.COUNTS, columns, keys=keys, value="value")
    got = dict(
        conn.execute(
            select(ledger.COUNTS.c.metric, ledger.COUNTS.c.value).where(
                ledger.COUNTS.c.area_id == -7
            )
        ).all()
    )
    assert got == {m: 2 * (n + 1) for n, m in enumerate(AWKWARD)}


def test_an_insert_keeps_nulls_booleans_and_dates(session: Session) -> None:
    conn = session.connection()
    hamlet = session.scalars(select(AdminUnit.id).limit(1)).one()
    start = dt.date(2024, 2, 29)
    columns: dict[str, list[Any]] = {
        "subject_type": ["product", "producer"],
        "subject_id": [-1, -2],
        "hamlet_id": [hamlet, hamlet],
        "start_day": [start, start],
        "end_day": [None, dt.date(2031, 12, 31)],
        "category": ["ocop", "producer"],
        "stars": [4, None],
        "group_id": [None, None],
        "kind": [None, "coop"],
        "ptype": ["household", None],
        "listed": [True, False],
        "both": [False, True],
        "expiring": [True, False],
        "paying": [False, True],
        "markets": ["1,2", ""],
        "steps": ['listing,"odd"', "x\\y"],
        "trained": [False, True],
        "holds_ocop": [True, False],
    }
    ledger.write_columns(conn, ledger.SEGMENTS, columns)
    rows = conn.execute(
        select(*(ledger.SEGMENTS.c[c] for c in columns))
        .where(ledger.SEGMENTS.c.subject_id < 0)
        .order_by(ledger.SEGMENTS.c.subject_id.desc())
    ).all()
    assert [tuple(r) for r in rows] == list(zip(*columns.values(), strict=True))
    assert [type(r.listed) for r in rows] == [bool, bool]


def test_among_finds_a_list_of_any_length(session: Session) -> None:
    conn = session.connection()
    units = session.scalars(select(AdminUnit.id).order_by(AdminUnit.id).limit(5)).all()
    assert len(units) == 5
    table = AdminUnit.__table__
    for wanted in ([], units[:1], units[1:4], [*units, -1] * 1000):
        got = conn.scalars(
            select(table.c.id).where(ledger.among(conn, table.c.id, wanted))
        ).all()
        assert sorted(got) == sorted(set(wanted) - {-1})
