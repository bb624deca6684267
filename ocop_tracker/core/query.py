"""Query helpers every repository shares: pages, reads by a list of ids, names.

Each takes a statement a repository built and runs it one common way, so the
repositories keep their SQL and this module keeps the machinery around it.
"""

from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any, Protocol, TypeVar

from sqlalchemy import (
    ColumnElement,
    Connection,
    Row,
    Select,
    Table,
    any_,
    bindparam,
    func,
    insert,
    select,
    text,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import InstrumentedAttribute, Session
from sqlalchemy.types import TypeEngine

from ocop_tracker.core.base import name_key

M = TypeVar("M")
T = TypeVar("T")

# Bound parameters per IN list: well under SQLite's and PostgreSQL's limits.
CHUNK = 900


class Named(Protocol):
    """A row with an id and a name a user typed."""

    @property
    def id(self) -> int: ...

    @property
    def name(self) -> str: ...


N = TypeVar("N", bound=Named)


S = TypeVar("S", bound=Select[*tuple[Any, ...]])


def where_equal(stmt: S, *filters: tuple[Any, object | None]) -> S:
    """``stmt`` narrowed, for each (column, value) given a value, to rows whose
    column equals it; a filter whose value is None is left out."""
    for column, value in filters:
        if value is not None:
            stmt = stmt.where(column == value)
    return stmt


def count(session: Session, stmt: Select[*tuple[Any, ...]]) -> int:
    """How many rows ``stmt`` returns."""
    return session.scalar(select(func.count()).select_from(stmt.subquery())) or 0


def page(
    session: Session,
    stmt: Select[M],
    *,
    order_by: Sequence[Any],
    limit: int,
    offset: int,
    one_pass: bool = False,
) -> tuple[Sequence[M], int]:
    """One page of ``stmt``'s objects in the given order, with the total count
    (``page_rows``, for a statement of one entity)."""
    rows, total = page_rows(
        session,
        stmt,
        order_by=order_by,
        limit=limit,
        offset=offset,
        one_pass=one_pass,
    )
    return [row[0] for row in rows], total


def page_rows(
    session: Session,
    stmt: Select[*tuple[Any, ...]],
    *,
    order_by: Sequence[Any],
    limit: int,
    offset: int,
    one_pass: bool = False,
) -> tuple[list[tuple[Any, ...]], int]:
    """One page of ``stmt``'s rows in the given order, with the total count.

    The count is a query of its own, which the index of the list's scope (its
    hamlets) answers alone. With ``one_pass`` it is a window over every
    matching row instead, read beside the page's rows: for a filter that must
    read each row (a product's certificate, its words, a listing's status),
    paid once rather than for the count and again for the page; without such a
    filter SQLite is slower this way (it builds every row before counting). A
    page past the end has no row to carry the count, and a DISTINCT would count
    its rows before they are made distinct: those two are counted apart.
    """
    if one_pass and not stmt._distinct:  # SQLAlchemy keeps no public flag for it
        counted = stmt.add_columns(func.count().over().label("total"))
        found = session.execute(
            counted.order_by(*order_by).limit(limit).offset(offset)
        ).all()
        if found or not offset:
            total = found[0].total if found else 0
            return [tuple(row)[:-1] for row in found], total
    total = count(session, stmt)
    rows = session.execute(stmt.order_by(*order_by).limit(limit).offset(offset))
    return [tuple(row) for row in rows], total


def page_by_ids(
    session: Session,
    stmt: Select[M],
    id_column: InstrumentedAttribute[int],
    *,
    order_by: Sequence[Any],
    limit: int,
    offset: int,
    one_pass: bool = False,
) -> tuple[list[M], int]:
    """``page`` in two steps: the page's ids first, then its rows by id.

    The first step reads only what the scope's index holds (the id and the
    sort key beside the hamlet, ``ix_products_hamlet_key``) and the filters'
    own indexes, so a province's 20,000 products are ordered and counted
    without reading one of their rows; the second reads the page's 50. (Read
    in one step, PostgreSQL fetched every matching row to count and sort it.)
    """
    rows, total = page_rows(
        session,
        stmt.with_only_columns(id_column),
        order_by=order_by,
        limit=limit,
        offset=offset,
        one_pass=one_pass,
    )
    ids = [int(row[0]) for row in rows]
    found = all_in(session, stmt, id_column, ids)
    return in_order(ids, found, lambda r: getattr(r, id_column.key)), total


R = TypeVar("R")


def in_order(ids: Sequence[int], rows: Iterable[R], key: Callable[[R], int]) -> list[R]:
    """``rows`` in the order of ``ids`` (a page cut by id first), by ``key``."""
    found = {key(r): r for r in rows}
    return [found[i] for i in ids if i in found]


def ordering(column: Any, tie: Any, *, descending: bool) -> list[ColumnElement[Any]]:
    """Order by ``column``, then ``tie`` (a unique key) the same way, so pages never
    overlap however many rows share a value."""
    if descending:
        return [column.desc(), tie.desc()]
    return [column.asc(), tie.asc()]


def list_order(model: Any, sort: str, order: str) -> list[ColumnElement[Any]]:
    """A list's order by ``sort`` (name, created_at or updated_at) then id.

    Names sort on their folded ``search_key``, so "Đại" stands among the D's.
    """
    column = {
        "name": model.search_key,
        "created_at": model.created_at,
        "updated_at": model.updated_at,
    }[sort]
    return ordering(column, model.id, descending=order == "desc")


def names_by_id(
    session: Session,
    id_column: InstrumentedAttribute[int],
    name_column: InstrumentedAttribute[str],
    ids: Iterable[int],
) -> dict[int, str]:
    """``name_column`` of the rows whose ``id_column`` is in ``ids`` (one query)."""
    wanted = sorted(set(ids))
    if not wanted:
        return {}
    stmt = select(id_column, name_column).where(id_column.in_(wanted))
    return {row[0]: row[1] for row in session.execute(stmt)}


def first_named(
    session: Session, stmt: Select[N], name: str, *, exclude_id: int | None = None
) -> N | None:
    """The first row of ``stmt`` named ``name``, ignoring case, other than ``exclude_id``.

    Compared in Python: SQLite's lower() folds ASCII only, and the statements
    asked (the children of one unit, the subgroups of one group) are short;
    producers and products, which a hamlet holds by the thousand, compare an
    indexed ``name_key`` instead (``core.base.NameKeyMixin``).
    """
    wanted = name_key(name)
    for row in session.scalars(stmt):
        if name_key(row.name) == wanted and row.id != exclude_id:
            return row
    return None


def all_in(
    session: Session,
    stmt: Select[M],
    column: InstrumentedAttribute[int],
    ids: Iterable[int],
) -> Sequence[M]:
    """The rows of ``stmt`` whose ``column`` is in ``ids`` (no query for no ids)."""
    wanted = list(ids)
    if not wanted:
        return []
    return session.scalars(stmt.where(column.in_(wanted))).all()


def grouped_in(
    session: Session,
    stmt: Select[M],
    column: InstrumentedAttribute[int],
    ids: Iterable[int],
) -> dict[int, list[M]]:
    """The rows of ``stmt`` whose ``column`` is in ``ids``, under their value of it,
    in the statement's order; every id is a key, with an empty list when it has no row."""
    wanted = list(ids)
    found: dict[int, list[M]] = {i: [] for i in wanted}
    for row in all_in(session, stmt, column, wanted):
        found[getattr(row, column.key)].append(row)
    return found


def among(
    column: Any, name: str, item_type: TypeEngine[Any], dialect: str
) -> ColumnElement[bool]:
    """``column`` in a list given at execution as the parameter ``name``.

    On PostgreSQL the list is one array parameter (``= ANY``): one bind, the
    same statement text for any length, so psycopg keeps it prepared and
    SQLAlchemy does not render a parameter per item (measured: 1.1 ms saved on
    a province's 168 children). Elsewhere an expanding ``IN``.
    """
    if dialect == "postgresql":
        return column == any_(bindparam(name, type_=ARRAY(item_type)))  # type: ignore[no-any-return]
    return column.in_(bindparam(name, expanding=True))  # type: ignore[no-any-return]


def chunks(ids: Sequence[T], size: int = CHUNK) -> Iterator[Sequence[T]]:
    """``ids`` in slices of ``size``."""
    for start in range(0, len(ids), size):
        yield ids[start : start + size]


def rows_in_chunks(
    session: Session,
    stmt: Select[*tuple[Any, ...]],
    column: Any,
    ids: Sequence[Any],
) -> list[Row[Any]]:
    """The rows of ``stmt`` whose ``column`` is in ``ids``, one query per CHUNK ids
    (thousands of ids would pass the databases' limit on bound parameters)."""
    rows: list[Row[Any]] = []
    for part in chunks(ids):
        rows.extend(session.execute(stmt.where(column.in_(part))))
    return rows


def reserve_ids(session: Session, table: str, count: int) -> list[int] | None:
    """``count`` ids drawn at once from the id sequence of the table named
    ``table``, on PostgreSQL, for records added in bulk. With their ids given,
    the session inserts them as an executemany of one short statement that
    psycopg converts once; an insert returning its ids is a statement of
    thousands of parameters that it converts each time (9 of an import's 60
    profiled seconds at 20,000 rows). None on SQLite, whose inserts return
    their ids cheaply."""
    if count == 0 or session.get_bind().dialect.name != "postgresql":
        return None
    sequence = func.pg_get_serial_sequence(table, "id")
    drawn = select(func.nextval(sequence)).select_from(func.generate_series(1, count))
    return list(session.scalars(drawn))


@contextmanager
def planned_per_use(session: Session) -> Iterator[None]:
    """On PostgreSQL, plan each statement of the block for the tables as they
    stand, not once for all its uses. A foreign key's check keeps the plan of
    its first uses in a connection: made while an import's first few hundred
    producers stood, it scans the whole table, and the import of 20,000
    products (10,000 producers) checked each product in 300 µs — 6 of its
    32 s — where a plan per use finds the producer by its key in about 20 µs.
    Within the transaction only (``SET LOCAL``): an error in the block takes
    the setting back with the savepoint it is written in."""
    if session.get_bind().dialect.name != "postgresql":
        yield
        return
    session.execute(text("SET LOCAL plan_cache_mode = force_custom_plan"))
    yield
    session.execute(text("SET LOCAL plan_cache_mode TO DEFAULT"))


# Rows per upsert statement: arrays of this length per column on PostgreSQL,
# an executemany of this many rows on SQLite.
UPSERT_ROWS = {"postgresql": 20_000, "sqlite": 5_000}


def upsert(
    conn: Connection,
    table: Table,
    keys: Sequence[str],
    value: str,
    rows: list[dict[str, Any]],
) -> None:
    """Add each row's ``value`` to the stored row with the same ``keys``, or
    insert it: a few statements for any number of rows, written in the order
    given. On PostgreSQL each column travels as one array and the rows are
    made by ``unnest`` — one statement of a few parameters per chunk, where an
    execution per row cost a round trip each (26 µs a row, 43,000 rows for an
    import of 2,000 products); on SQLite, an executemany."""
    if not rows:
        return
    name = conn.dialect.name
    size = UPSERT_ROWS.get(name, UPSERT_ROWS["sqlite"])
    for start in range(0, len(rows), size):
        chunk = rows[start : start + size]
        if name == "postgresql":
            stmt: Any = postgresql.insert(table).from_select(
                list(chunk[0]), _unnested(table, chunk)
            )
            params = None  # the rows travel in the statement's arrays
        else:
            stmt, params = sqlite.insert(table), chunk
        stmt = stmt.on_conflict_do_update(
            index_elements=list(keys),
            set_={value: getattr(table.c, value) + getattr(stmt.excluded, value)},
        )
        conn.execute(stmt, params)


def insert_all(session: Session, table: Table, rows: list[dict[str, Any]]) -> None:
    """Insert ``rows`` (every row the same keys), in the session's transaction
    (``add_rows``)."""
    add_rows(session.connection(), table, rows)


def add_rows(conn: Connection, table: Table, rows: Sequence[dict[str, Any]]) -> None:
    """Insert ``rows`` (every row the same keys) into ``table``: on PostgreSQL
    with ``COPY … FROM STDIN``, on SQLite in one executemany of plain tuples.

    Each value goes through its column type's bind processing, as a Core
    insert's would (the same JSON, the same stored times), without the rest of
    Core's work per row: for the thousands of records and audit events of a
    list import. On PostgreSQL an executemany pays a statement per row (50,000
    audit events: 1.8 s; by ``COPY``, 0.7 s) and psycopg writes ``COPY``'s rows
    in C; on SQLite Core's parameters per row took a tenth of the import."""
    if not rows:
        return
    names = list(rows[0])
    dialect = conn.dialect
    processors = [
        table.c[name].type.dialect_impl(dialect).bind_processor(dialect)
        for name in names
    ]
    if dialect.name == "postgresql":
        _copy(conn, table, names, _processed(rows, names, processors))
        return
    sql, order = positional(conn, insert(table), names)
    tuples = [
        tuple(values[i] for i in order)
        for values in _processed(rows, names, processors)
    ]
    conn.exec_driver_sql(sql, tuples)


def positional(conn: Connection, stmt: Any, names: list[str]) -> tuple[str, list[int]]:
    """``stmt`` compiled for SQLite's driver with ``names`` as its parameters:
    its text, and the place in ``names`` of each parameter in turn (for an
    executemany of plain tuples, without Core's work per row)."""
    compiled = stmt.compile(dialect=conn.dialect, column_keys=names)
    order = [names.index(key) for key in compiled.positiontup or ()]
    assert len(order) == len(names), compiled.positiontup
    return compiled.string, order


def _processed(
    rows: Sequence[dict[str, Any]],
    names: list[str],
    processors: Sequence[Callable[[Any], Any] | None],
) -> Iterator[list[Any]]:
    """Each row's values in ``names``' order, through their columns' processors."""
    if not any(processors):
        for row in rows:
            yield [row[name] for name in names]
        return
    paired = list(zip(names, processors, strict=True))
    for row in rows:
        yield [
            row[name] if process is None else process(row[name])
            for name, process in paired
        ]


def _copy(
    conn: Connection, table: Table, names: list[str], values: Iterable[list[Any]]
) -> None:
    """``COPY`` of ``values`` into ``table``'s ``names``, in the connection's
    transaction."""
    # psycopg is installed with the postgres extra only.
    from psycopg import sql as pg_sql

    target = pg_sql.SQL("COPY {} ({}) FROM STDIN").format(
        pg_sql.Identifier(table.name),
        pg_sql.SQL(", ").join(pg_sql.Identifier(name) for name in names),
    )
    driver: Any = conn.connection.driver_connection
    with driver.cursor() as cursor, cursor.copy(target) as copy:
        for row in values:
            copy.write_row(row)


def _unnested(table: Table, rows: list[dict[str, Any]]) -> Select[Any]:
    """``rows`` as a select of ``unnest`` over one array per column."""
    columns = list(rows[0])
    arrays = [
        bindparam(f"{c}_all", [r[c] for r in rows], type_=ARRAY(table.c[c].type))
        for c in columns
    ]
    given = func.unnest(*arrays).table_valued(*columns).render_derived("given")
    return select(*(given.c[c] for c in columns))


def same_name_key(
    session: Session,
    model: type[M],
    parent: InstrumentedAttribute[int],
    parent_id: int,
    name: str,
    *,
    exclude_id: int | None = None,
) -> M | None:
    """The row of ``model`` under ``parent_id`` named ``name``, ignoring case,
    other than ``exclude_id``: through the indexed ``name_key`` of a model that
    keeps one (``core.base.NameKeyMixin``; producers in a hamlet, products of a
    producer), where ``first_named`` compares a few siblings in Python."""
    row: Any = model  # a mapped class with ``id`` and ``name_key``
    stmt = select(model).where(parent == parent_id, row.name_key == name_key(name))
    if exclude_id is not None:
        stmt = stmt.where(row.id != exclude_id)
    return session.scalar(stmt.limit(1))
