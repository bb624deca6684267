"""``query.among``: a list given as one parameter, on either database."""

from typing import Any

import pytest
from sqlalchemy import Connection, Integer, Select, String, column, select, union_all
from sqlalchemy import literal as lit

from ocop_tracker.core import query


def _numbers() -> Any:
    rows = [
        select(lit(n, Integer).label("n"), lit(f"m{n % 3}", String).label("m"))
        for n in range(1, 8)
    ]
    return union_all(*rows).subquery()


@pytest.mark.parametrize(
    ("ids", "names", "expected"),
    [
        ([2, 5, 6, 40], ["m2", "m0"], [2, 5, 6]),
        ([1, 3], ["m1"], [1]),
        (list(range(1, 300)), ["m0", "m1", "m2"], [1, 2, 3, 4, 5, 6, 7]),
    ],
)
def test_rows_whose_values_are_among_the_lists_given_at_execution(
    connection: Connection, ids: list[int], names: list[str], expected: list[int]
) -> None:
    numbers = _numbers()
    dialect = connection.dialect.name
    stmt: Select[int] = (
        select(column("n"))
        .select_from(numbers)
        .where(
            query.among(numbers.c.n, "ids", Integer(), dialect),
            query.among(numbers.c.m, "names", String(), dialect),
        )
        .order_by(numbers.c.n)
    )
    got = connection.execute(stmt, {"ids": ids, "names": names}).scalars().all()
    assert got == expected
    # The same statement, other lists: nothing of the first run is kept.
    again = connection.execute(stmt, {"ids": [7], "names": ["m1"]}).scalars().all()
    assert again == [7]
