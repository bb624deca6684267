"""Synthetic national-scale data: hamlets spread over the official communes.

The official lists stop at communes; hamlets (khóm/ấp) have no national code,
so the benchmarks make them up: reproducibly (a fixed seed) and fast (bulk
SQLAlchemy Core inserts, not one ``add_hamlet()`` call per hamlet). Each hamlet
gets exactly the rows ``areas.service.add_hamlet()`` writes: one ``admin_units``
row, a depth-0 closure row to itself, and one closure row per current ancestor
of its commune (the commune included) at that ancestor's depth plus one.

Two insert paths, both ``insert()`` of SQLAlchemy Core:

- SQLite: an executemany of parameter dictionaries (pysqlite's executemany is
  fast; SQLAlchemy batches the RETURNING insert into multi-row VALUES).
- PostgreSQL: ``INSERT … SELECT … FROM unnest(:arrays)``, one statement per
  batch. The executemany path took 28 s there for 80,000 hamlets against about
  3 s this way: psycopg rewrites every placeholder of SQLAlchemy's large
  multi-row VALUES statements in Python and sends the closure rows one
  statement each (pipelined).
"""

import random
from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import (
    ARRAY,
    Integer,
    String,
    Table,
    bindparam,
    column,
    func,
    insert,
    literal,
    select,
)
from sqlalchemy.orm import Session

from ocop_tracker.areas import rules
from ocop_tracker.areas.models import AdminUnit, AdminUnitLink, Edition, Level
from ocop_tracker.core.base import utcnow
from ocop_tracker.models import Base

SEED = 20250701
# Words a hamlet's name starts with; each commune uses one of them, like the
# real lists ("Ấp 1", "Ấp 2" … in the Mekong delta, "Thôn 1" … up north).
HAMLET_WORDS = ("Ấp", "Khóm", "Thôn", "Bản", "Xóm", "Tổ dân phố")
BATCH = 10_000

_UNITS: Table = Base.metadata.tables["admin_units"]
_LINKS: Table = Base.metadata.tables["admin_unit_links"]


@dataclass(frozen=True)
class GeneratedHamlets:
    """What ``generate_hamlets`` wrote."""

    hamlets: int
    links: int
    communes: int


@dataclass
class _Batch:
    """One batch of hamlets, as columns."""

    parent_ids: list[int] = field(default_factory=list)
    names: list[str] = field(default_factory=list)
    short_names: list[str] = field(default_factory=list)
    unit_types: list[str | None] = field(default_factory=list)
    search_keys: list[str] = field(default_factory=list)


def plan_hamlets(
    commune_ids: Sequence[int], count: int, *, seed: int = SEED
) -> list[tuple[int, str]]:
    """(commune id, hamlet name) for ``count`` hamlets, grouped by commune.

    Each hamlet goes to a commune drawn at random, so communes get unequal
    numbers of hamlets (about Poisson around the mean). Names are "<word> 1" …
    "<word> n" within a commune, hence unique there. The same seed gives the
    same plan.
    """
    if not commune_ids:
        raise ValueError("no communes to put hamlets in: import an edition first")
    rng = random.Random(seed)
    per_commune: dict[int, int] = defaultdict(int)
    for commune_id in rng.choices(commune_ids, k=count):
        per_commune[commune_id] += 1
    plan: list[tuple[int, str]] = []
    for commune_id in sorted(per_commune):
        word = rng.choice(HAMLET_WORDS)
        plan.extend(
            (commune_id, f"{word} {n}") for n in range(1, per_commune[commune_id] + 1)
        )
    return plan


def generate_hamlets(
    session: Session,
    *,
    count: int,
    edition: Edition = Edition.e2025,
    seed: int = SEED,
) -> GeneratedHamlets:
    """Insert ``count`` hamlets under the communes of ``edition``; flush, no commit.

    Meant for a freshly imported database: a commune that already has a hamlet
    named like a generated one makes the insert fail on the unique constraint.
    """
    chains = _commune_chains(session, edition)
    plan = plan_hamlets(sorted(chains), count, seed=seed)
    postgres = session.get_bind().dialect.name == "postgresql"
    # Names repeat across communes ("Ấp 1"), so each is split and folded once.
    parsed: dict[str, tuple[str | None, str, str]] = {}
    links = 0
    for chunk in _chunks(plan, BATCH):
        batch = _Batch()
        for commune_id, name in chunk:
            if name not in parsed:
                unit_type, short = rules.split_type(name)
                if unit_type not in rules.HAMLET_TYPES:
                    unit_type = None
                parsed[name] = (unit_type, short, rules.search_key(name, short))
            unit_type, short, key = parsed[name]
            batch.parent_ids.append(commune_id)
            batch.names.append(name)
            batch.short_names.append(short)
            batch.unit_types.append(unit_type)
            batch.search_keys.append(key)
        insert_units = _insert_units_pg if postgres else _insert_units_sqlite
        ids = insert_units(session, edition, batch)
        ancestor_ids: list[int] = []
        descendant_ids: list[int] = []
        depths: list[int] = []
        for commune_id, name in chunk:
            hamlet_id = ids[(commune_id, name)]
            ancestor_ids.append(hamlet_id)
            descendant_ids.append(hamlet_id)
            depths.append(0)
            for ancestor_id, depth in chains[commune_id]:
                ancestor_ids.append(ancestor_id)
                descendant_ids.append(hamlet_id)
                depths.append(depth + 1)
        insert_links = _insert_links_pg if postgres else _insert_links_sqlite
        insert_links(session, ancestor_ids, descendant_ids, depths)
        links += len(depths)
    session.flush()
    return GeneratedHamlets(
        hamlets=len(plan), links=links, communes=len({c for c, _ in plan})
    )


def _chunks(
    items: Sequence[tuple[int, str]], size: int
) -> Iterator[Sequence[tuple[int, str]]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _commune_chains(
    session: Session, edition: Edition
) -> dict[int, list[tuple[int, int]]]:
    """Each commune's open closure rows up: (ancestor id, depth), itself included."""
    communes = select(AdminUnit.id).where(
        AdminUnit.edition == edition, AdminUnit.level == Level.commune
    )
    rows = session.execute(
        select(
            AdminUnitLink.descendant_id, AdminUnitLink.ancestor_id, AdminUnitLink.depth
        ).where(
            AdminUnitLink.descendant_id.in_(communes),
            AdminUnitLink.valid_to.is_(None),
        )
    )
    chains: dict[int, list[tuple[int, int]]] = defaultdict(list)
    for descendant_id, ancestor_id, depth in rows:
        chains[descendant_id].append((ancestor_id, depth))
    return dict(chains)


# (parent_id, name) is unique, so RETURNING it tells each hamlet's id without
# asking for rows in parameter order, which SQLAlchemy can only do on SQLite
# one row per statement (no sentinel column).
_RETURNING = (_UNITS.c.id, _UNITS.c.parent_id, _UNITS.c.name)


def _insert_units_sqlite(
    session: Session, edition: Edition, batch: _Batch
) -> dict[tuple[int, str], int]:
    now = utcnow()
    rows: list[dict[str, Any]] = [
        {
            "edition": edition,
            "level": Level.hamlet,
            "code": None,
            "name": name,
            "short_name": short,
            "unit_type": unit_type,
            "parent_id": parent_id,
            "search_key": key,
            "valid_from": None,
            "valid_to": None,
            "created_at": now,
            "updated_at": now,
        }
        for parent_id, name, short, unit_type, key in zip(
            batch.parent_ids,
            batch.names,
            batch.short_names,
            batch.unit_types,
            batch.search_keys,
            strict=True,
        )
    ]
    returned = session.execute(insert(_UNITS).returning(*_RETURNING), rows)
    return {(parent_id, name): unit_id for unit_id, parent_id, name in returned}


def _insert_units_pg(
    session: Session, edition: Edition, batch: _Batch
) -> dict[tuple[int, str], int]:
    now = utcnow()
    src = (
        func.unnest(
            bindparam("parent_ids", type_=ARRAY(Integer)),
            bindparam("names", type_=ARRAY(String)),
            bindparam("short_names", type_=ARRAY(String)),
            bindparam("unit_types", type_=ARRAY(String)),
            bindparam("search_keys", type_=ARRAY(String)),
        )
        .table_valued(
            column("parent_id", Integer),
            column("name", String),
            column("short_name", String),
            column("unit_type", String),
            column("search_key", String),
        )
        .render_derived()
    )
    rows = select(
        literal(edition, _UNITS.c.edition.type),
        literal(Level.hamlet, _UNITS.c.level.type),
        src.c.parent_id,
        src.c.name,
        src.c.short_name,
        src.c.unit_type,
        src.c.search_key,
        literal(now, _UNITS.c.created_at.type),
        literal(now, _UNITS.c.updated_at.type),
    )
    stmt = (
        insert(_UNITS)
        .from_select(
            [
                "edition",
                "level",
                "parent_id",
                "name",
                "short_name",
                "unit_type",
                "search_key",
                "created_at",
                "updated_at",
            ],
            rows,
        )
        .returning(*_RETURNING)
    )
    returned = session.execute(
        stmt,
        {
            "parent_ids": batch.parent_ids,
            "names": batch.names,
            "short_names": batch.short_names,
            "unit_types": batch.unit_types,
            "search_keys": batch.search_keys,
        },
    )
    return {(parent_id, name): unit_id for unit_id, parent_id, name in returned}


def _insert_links_sqlite(
    session: Session,
    ancestor_ids: list[int],
    descendant_ids: list[int],
    depths: list[int],
) -> None:
    rows = [
        {"ancestor_id": a, "descendant_id": d, "depth": depth}
        for a, d, depth in zip(ancestor_ids, descendant_ids, depths, strict=True)
    ]
    session.execute(insert(_LINKS), rows)


def _insert_links_pg(
    session: Session,
    ancestor_ids: list[int],
    descendant_ids: list[int],
    depths: list[int],
) -> None:
    src = (
        func.unnest(
            bindparam("ancestor_ids", type_=ARRAY(Integer)),
            bindparam("descendant_ids", type_=ARRAY(Integer)),
            bindparam("depths", type_=ARRAY(Integer)),
        )
        .table_valued(
            column("ancestor_id", Integer),
            column("descendant_id", Integer),
            column("depth", Integer),
        )
        .render_derived()
    )
    stmt = insert(_LINKS).from_select(
        ["ancestor_id", "descendant_id", "depth"],
        select(src.c.ancestor_id, src.c.descendant_id, src.c.depth),
    )
    session.execute(
        stmt,
        {
            "ancestor_ids": ancestor_ids,
            "descendant_ids": descendant_ids,
            "depths": depths,
        },
    )
