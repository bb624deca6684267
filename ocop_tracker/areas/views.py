"""Reads of areas: one unit, a search, the tree on a date, across the reform.

Nothing here writes; the commands (imports, hamlets, re-homing) are in
``areas/service.py``. A search with a ``viewer`` is scoped through
``auth/scope.py``; the hamlets a form offers are those the user may work in.
"""

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from sqlalchemy.orm import Session

from ocop_tracker.areas import repository, rules
from ocop_tracker.areas.models import AdminUnit, AreaMapping, Edition, Level
from ocop_tracker.auth.scope import covered_ids, scope_areas, scope_to_user
from ocop_tracker.core.clock import today
from ocop_tracker.core.errors import InvalidInput, NotFound
from ocop_tracker.core.text import fold
from ocop_tracker.users.models import TEAM_ROLES, User


def get(session: Session, unit_id: int) -> AdminUnit:
    """One unit, or NotFound."""
    unit = repository.get(session, unit_id)
    if unit is None:
        raise NotFound("Không tìm thấy đơn vị hành chính này.")
    return unit


def names(session: Session, unit_ids: Iterable[int]) -> dict[int, str]:
    """The names of these units, in one statement."""
    return repository.names(session, unit_ids)


def search(
    session: Session,
    *,
    q: str | None = None,
    level: Level | None = None,
    parent_id: int | None = None,
    edition: Edition | None = None,
    limit: int = 50,
    offset: int = 0,
    viewer: User | None = None,
) -> tuple[Sequence[AdminUnit], int]:
    """Units whose name matches ``q`` ignoring diacritics and case, paginated.

    With a ``viewer``, only the units that user may read.

    A query with nothing searchable in it (only punctuation) matches nothing.
    """
    key = fold(q) if q is not None and q.strip() else None
    if key == "":
        return [], 0
    stmt = repository.search_statement(
        q=key, level=level, parent_id=parent_id, edition=edition
    )
    if viewer is not None:
        stmt = scope_areas(stmt, viewer, AdminUnit.id)
    return repository.page(session, stmt, limit=limit, offset=offset)


def children(
    session: Session, unit: AdminUnit, *, as_of: dt.date | None = None
) -> Sequence[AdminUnit]:
    """The unit's children on a date (default today)."""
    return repository.children(session, unit.id, day=as_of or today())


def ancestors(
    session: Session, unit: AdminUnit, *, as_of: dt.date | None = None
) -> Sequence[AdminUnit]:
    """The unit's ancestors on a date (default today), root first."""
    return repository.ancestors(session, unit.id, day=as_of or today())


def ancestors_of(
    session: Session, units: Sequence[AdminUnit], *, as_of: dt.date | None = None
) -> dict[int, Sequence[AdminUnit]]:
    """Each unit's ancestors on a date (default today), root first: one query
    for a whole page, where ``ancestors`` takes one per unit."""
    chains = repository.chains(session, [u.id for u in units], day=as_of or today())
    return {
        unit_id: [u for u in chain if u.id != unit_id]
        for unit_id, chain in chains.items()
    }


def hamlets_under(
    session: Session, unit: AdminUnit, *, as_of: dt.date, limit: int
) -> Sequence[AdminUnit]:
    """The first ``limit`` hamlets under the unit on a date, by id."""
    return repository.hamlets_under(session, unit.id, day=as_of, limit=limit)


def group_names(
    session: Session, units: Sequence[AdminUnit], *, as_of: dt.date | None = None
) -> dict[int, str]:
    """The plan's chat-group name of each unit (one query for all of them)."""
    chains = repository.chains(session, [u.id for u in units], day=as_of or today())
    return {
        unit_id: rules.group_name({u.level: u.short_name for u in chain})
        for unit_id, chain in chains.items()
        if chain
    }


def commune_by_code(session: Session, code: str, edition: Edition | None) -> AdminUnit:
    """The commune carrying an official code (the edition settles ambiguity)."""
    found = [
        u
        for u in repository.communes_with_code(session, code)
        if edition is None or u.edition == edition
    ]
    if not found:
        raise NotFound(f"không có xã/phường mã '{code}'.")
    if len(found) > 1:
        raise InvalidInput(
            f"mã '{code}' có ở cả hai phiên bản danh mục: ghi rõ cột edition (2022/2025)."
        )
    return found[0]


def across_reform(session: Session, unit: AdminUnit) -> Sequence[AdminUnit]:
    """The same communes on the other map: a 2025 unit's 2022 forerunners at its
    level, or the 2025 units a 2022 unit went into (communes for a district)."""
    if unit.level is Level.hamlet:
        return []
    if unit.edition is Edition.e2025:
        return repository.across_reform(
            session, unit.id, level=unit.level, forward=False
        )
    levels = rules.EDITION_LEVELS[Edition.e2025]
    level = unit.level if unit.level in levels else Level.commune
    return repository.across_reform(session, unit.id, level=level, forward=True)


def mapped_units(
    session: Session, unit: AdminUnit
) -> tuple[Sequence[AdminUnit], Sequence[AdminUnit]]:
    """Where an old commune went on 1/7/2025, and what a new commune took in."""
    return repository.mapped_units(session, unit.id)


def counts(session: Session) -> dict[tuple[Edition, Level], int]:
    """Units per edition and level."""
    return repository.count_by_edition_level(session)


def hamlet_choices(
    session: Session, user: User, *, limit: int = 200
) -> Sequence[AdminUnit]:
    """The hamlets a form lets this user pick: a team's own, else those in the area."""
    if user.role in TEAM_ROLES:
        return [get(session, user.area_id)] if user.area_id else []
    hamlets, _ = search(session, level=Level.hamlet, viewer=user, limit=limit)
    return hamlets


# --- the area picker ---------------------------------------------------------

PICK_LIMIT = 20


@dataclass(frozen=True)
class PickedArea:
    """A unit as a picker shows it: its name, then its parents, nearest first
    ("Xã An Thạnh 1 — Cù Lao Dung — Sóc Trăng", "Khóm 3 — Phường Sóc Trăng —
    Cần Thơ")."""

    id: int
    name: str
    label: str
    edition: Edition
    level: Level


def _picked(
    units: Sequence[AdminUnit], chains: dict[int, list[AdminUnit]]
) -> list[PickedArea]:
    picked = []
    for u in units:
        # A commune keeps its full name ("Phường 5", not "5"); above it, short.
        parents = [
            a.name if a.level is Level.commune else a.short_name
            for a in reversed(chains.get(u.id, []))
            if a.id != u.id
        ]
        label = " — ".join([u.name, *parents])
        if u.edition is Edition.e2022:
            label += " (trước 7/2025)"
        picked.append(PickedArea(u.id, u.name, label, u.edition, u.level))
    return picked


def pick(
    session: Session,
    viewer: User,
    q: str,
    *,
    levels: Sequence[Level] = (),
    limit: int = PICK_LIMIT,
) -> tuple[list[PickedArea], int]:
    """Units inside the viewer's area with a word of their name starting with
    each word of ``q`` (diacritics and case ignored), the whole phrase first,
    each with its parents; and how many matched.

    Only the viewer's own subtree: a picker chooses where to act, never a unit
    above one's area.
    """
    key = fold(q) if q.strip() else ""
    if not key.strip():
        return [], 0
    stmt = scope_to_user(
        repository.pick_statement(key, levels=levels), viewer, AdminUnit.id
    )
    units, total = repository.pick_run(session, stmt, key, limit=limit)
    chains = repository.chains(session, [u.id for u in units], day=today())
    return _picked(units, chains), total


def picked(session: Session, viewer: User, area_id: int | None) -> PickedArea | None:
    """One unit as a picker shows it, when it lies inside the viewer's area."""
    if area_id is None or not covered_ids(session, viewer, [area_id]):
        return None
    unit = repository.get(session, area_id)
    if unit is None:
        return None
    return _picked([unit], repository.chains(session, [unit.id], day=today()))[0]


# --- re-homing hamlets onto the 2025 map ---------------------------------------


@dataclass(frozen=True)
class RehomeCase:
    """A hamlet still on the 2022 map, with the 2025 communes it may go to.

    One candidate: it moves by itself, unless ``clash`` (a hamlet of the same
    name already there). Several: a person chooses. None: the mapping is not
    loaded.
    """

    hamlet: AdminUnit
    old_commune: AdminUnit
    candidates: Sequence[AdminUnit]
    clash: AdminUnit | None = None

    @property
    def needs_choice(self) -> bool:
        """True when the old commune was divided among several new ones."""
        return len(self.candidates) > 1


def rehome_plan(session: Session, unit: AdminUnit) -> list[RehomeCase]:
    """Where each hamlet still under a 2022 ``unit`` would go on 1/7/2025."""
    hamlets = repository.hamlets_under(session, unit.id, day=today())
    old_ids = {h.parent_id for h in hamlets if h.parent_id is not None}
    targets: dict[int, list[AdminUnit]] = {}
    for m in repository.mappings_from(session, old_ids):
        targets.setdefault(m.old_unit_id, []).append(get(session, m.new_unit_id))
    cases = []
    for hamlet in hamlets:
        assert hamlet.parent_id is not None
        candidates = targets.get(hamlet.parent_id, [])
        clash = (
            repository.sibling_named(
                session, candidates[0].id, hamlet.name, exclude_id=hamlet.id
            )
            if len(candidates) == 1
            else None
        )
        cases.append(
            RehomeCase(hamlet, get(session, hamlet.parent_id), candidates, clash)
        )
    return cases


def mappings_of(session: Session, unit: AdminUnit) -> Sequence[AreaMapping]:
    """The stored old → new mappings of an old commune (kind, default, date)."""
    return repository.mappings_from(session, [unit.id])
