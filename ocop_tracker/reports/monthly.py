"""Monthly sums kept per area node, in step with writes: the shared machinery.

The shops' activity (``reports/activity.py``) and training
(``reports/training.py``) each keep, per area node and month, a few sums of
their rows, so a month's figures for any area — the whole country included —
are one indexed read. Each says how to count its rows per place and month and
how to recount one area from the rows; this module keeps the table:

- ``refresh()`` recounts the months of the places a transaction touched and
  posts the difference to the place, every ancestor of the month's last day
  and the country (the ledger's listener calls it beside the segments);
- ``rebuild()`` recounts everything (after a bulk load or a change of the tree);
- ``read()`` and ``read_areas()`` answer from the table, or from the rows while
  the ledger is stale (the tree changed) or not built.

A table whose places may hold others (training: a session held at a commune)
keeps each place's own sums apart (``own`` rows) from the sums under it; one
whose places are hamlets only (activity) keeps one row: a hamlet's own.
Statements are Core on the session's connection: the listener runs in a flush.
"""

import datetime as dt
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import astuple, dataclass
from typing import Any, ClassVar, Generic, Protocol, Self, TypeVar

from sqlalchemy import Connection, Table, delete, select
from sqlalchemy.dialects import postgresql, sqlite

from ocop_tracker.reports.ledger import Ancestors, LedgerState, chunks, state
from ocop_tracker.reports.rules import activity_day

Key = tuple[int, dt.date]  # (area or place id, month's first day)


class Sums(Protocol):
    """A frozen dataclass of integer sums that adds and subtracts field by field."""

    __dataclass_fields__: ClassVar[dict[str, Any]]

    def __add__(self, other: Self, /) -> Self: ...

    def __sub__(self, other: Self, /) -> Self: ...

    def __bool__(self) -> bool: ...


S = TypeVar("S", bound=Sums)


@dataclass(frozen=True)
class MonthlyTable(Generic[S]):
    """One kept table: its sums' columns (in the dataclass's field order), how
    the sums are made from values, how a place's rows are counted per month
    (``count``, None: every place) and how one area is counted from the rows
    (``recount``)."""

    table: Table
    columns: tuple[str, ...]
    make: Callable[..., S]
    count: Callable[[Connection, Sequence[int] | None], dict[Key, S]]
    recount: Callable[[Connection, int, Sequence[dt.date]], dict[dt.date, S]]
    own: bool = False  # the table keeps a place's own sums apart

    @property
    def zero(self) -> S:
        """No sums."""
        return self.make()

    def _of(self, values: Sequence[Any]) -> S:
        return self.make(*(int(v) for v in values))

    def _stored_own(self, conn: Connection, places: Sequence[int]) -> dict[Key, S]:
        """The places' own sums as kept, locked (PostgreSQL): a writer of the
        same places that commits meanwhile is then seen both here and in the
        recount."""
        t = self.table
        out: dict[Key, S] = {}
        for chunk in chunks(places, 2000):
            stmt = select(t.c.area_id, t.c.month, *t.c[self.columns]).where(
                t.c.area_id.in_(chunk)
            )
            if self.own:
                stmt = stmt.where(t.c.own.is_(True))
            if conn.dialect.name == "postgresql":
                stmt = stmt.with_for_update()
            for row in conn.execute(stmt):
                out[(row[0], row[1])] = self._of(row[2:])
        return out

    def _rows(self, sums: Mapping[Key, S], own: bool) -> list[dict[str, object]]:
        flag = {"own": own} if self.own else {}
        return [
            {
                "area_id": a,
                "month": m,
                **flag,
                **dict(zip(self.columns, astuple(s), strict=True)),
            }
            for (a, m), s in sums.items()
            if s
        ]

    def _upsert(self, conn: Connection, rows: list[dict[str, object]]) -> None:
        if not rows:
            return
        dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
        stmt = dialect.insert(self.table)
        stmt = stmt.on_conflict_do_update(
            index_elements=["area_id", "month", *(["own"] if self.own else [])],
            set_={c: self.table.c[c] + stmt.excluded[c] for c in self.columns},
        )
        for start in range(0, len(rows), 5000):
            conn.execute(stmt, rows[start : start + 5000])

    def _post(
        self,
        conn: Connection,
        deltas: Mapping[Key, S],
        revised: set[int] | None = None,
    ) -> None:
        """Add place-level changes to the place's own row, and to the place,
        every ancestor of the month's last day and the country."""
        if not deltas:
            return
        anc = Ancestors(conn, {p for p, _ in deltas})
        spread: dict[Key, S] = {}
        for (place, month), d in deltas.items():
            for area in {place, *anc.on(place, activity_day(month))}:
                key = (area, month)
                spread[key] = spread.get(key, self.zero) + d
        own = self._rows(deltas, own=True) if self.own else []
        self._upsert(conn, own + self._rows(spread, own=False))
        if revised is not None:
            revised.update(a for (a, _), sums in spread.items() if sums)

    def refresh(
        self,
        conn: Connection,
        places: Iterable[int],
        revised: set[int] | None = None,
    ) -> int:
        """Recount the months of these places and post the differences; how
        many moved (their areas added to ``revised``). Nothing to do while the
        ledger is stale or not built: the rebuild recounts."""
        ids = sorted(set(places))
        current = state(conn)
        if not ids or current is None or current[1]:
            return 0
        old = self._stored_own(conn, ids)
        new = self.count(conn, ids)
        zero = self.zero
        deltas = {
            k: new.get(k, zero) - old.get(k, zero)
            for k in new.keys() | old.keys()
            if new.get(k, zero) != old.get(k, zero)
        }
        self._post(conn, deltas, revised)
        return len(deltas)

    def rebuild(self, conn: Connection) -> None:
        """Recount every area's months from the rows."""
        conn.execute(delete(self.table))
        self._post(conn, self.count(conn, None))

    def _kept(self) -> list[Any]:
        return [self.table.c.own.is_(False)] if self.own else []

    def read(
        self,
        conn: Connection,
        area_id: int,
        months: Sequence[dt.date],
        current: LedgerState | None = None,
    ) -> dict[dt.date, S]:
        """The area's sums for each month (first days), from the kept table;
        while the ledger is stale or not built, counted from the rows under the
        tree of each month's last day."""
        current = current or state(conn)
        if current is None or current[1]:
            return self.recount(conn, area_id, months)
        t = self.table
        out = dict.fromkeys(months, self.zero)
        # The months are first days, oldest first: a range of two parameters
        # reads the same rows as a list of twelve.
        for row in conn.execute(
            select(t.c.month, *t.c[self.columns]).where(
                t.c.area_id == area_id,
                t.c.month.between(min(months), max(months)),
                *self._kept(),
            )
        ):
            if row[0] in out:
                out[row[0]] = self._of(row[1:])
        return out

    def read_areas(
        self, conn: Connection, area_ids: Sequence[int], month: dt.date
    ) -> dict[int, S]:
        """Several areas' sums for one month (first day), in one read of the
        kept table; while the ledger is stale or not built, each is counted
        from the rows."""
        if not area_ids:
            return {}
        current = state(conn)
        if current is None or current[1]:
            return {a: self.recount(conn, a, [month])[month] for a in area_ids}
        t = self.table
        out = dict.fromkeys(area_ids, self.zero)
        for chunk in chunks(list(area_ids), 2000):
            for row in conn.execute(
                select(t.c.area_id, *t.c[self.columns]).where(
                    t.c.area_id.in_(chunk), t.c.month == month, *self._kept()
                )
            ):
                out[row[0]] = self._of(row[1:])
        return out
