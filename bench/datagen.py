"""Synthetic national-scale data: hamlets spread over the official communes.

The official lists stop at communes; hamlets (khóm/ấp) have no national code,
so the benchmarks make them up: reproducibly (a fixed seed) and fast (bulk
SQLAlchemy Core inserts, not one ``add_hamlet()`` call per hamlet). Each hamlet
gets exactly the rows ``areas.service.add_hamlet()`` writes: one ``admin_units``
row, a depth-0 closure row to itself, and one closure row per current ancestor
of its commune (the commune included) at that ancestor's depth plus one.
"""

import random
from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Table, insert, select
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
    now = utcnow()
    # Names repeat across communes ("Ấp 1"), so each is split and folded once.
    names: dict[str, tuple[str | None, str, str]] = {}
    links = 0
    for batch in _chunks(plan, BATCH):
        unit_rows: list[dict[str, Any]] = []
        for commune_id, name in batch:
            if name not in names:
                unit_type, short = rules.split_type(name)
                if unit_type not in rules.HAMLET_TYPES:
                    unit_type = None
                names[name] = (unit_type, short, rules.search_key(name, short))
            unit_type, short, key = names[name]
            unit_rows.append(
                {
                    "edition": edition,
                    "level": Level.hamlet,
                    "code": None,
                    "name": name,
                    "short_name": short,
                    "unit_type": unit_type,
                    "parent_id": commune_id,
                    "search_key": key,
                    "valid_from": None,
                    "valid_to": None,
                    "created_at": now,
                    "updated_at": now,
                }
            )
        # (parent_id, name) is unique, so RETURNING it tells each hamlet's id
        # without asking for rows in parameter order, which SQLAlchemy can only
        # do on SQLite one row per statement (no sentinel column).
        returned = session.execute(
            insert(_UNITS).returning(_UNITS.c.id, _UNITS.c.parent_id, _UNITS.c.name),
            unit_rows,
        )
        ids = {(parent_id, name): unit_id for unit_id, parent_id, name in returned}
        link_rows: list[dict[str, int]] = []
        for commune_id, name in batch:
            hamlet_id = ids[(commune_id, name)]
            link_rows.append(
                {"ancestor_id": hamlet_id, "descendant_id": hamlet_id, "depth": 0}
            )
            link_rows.extend(
                {"ancestor_id": ancestor_id, "descendant_id": hamlet_id, "depth": d + 1}
                for ancestor_id, d in chains[commune_id]
            )
        session.execute(insert(_LINKS), link_rows)
        links += len(link_rows)
    session.flush()
    return GeneratedHamlets(
        hamlets=len(plan), links=links, communes=len({c for c, _ in plan})
    )
