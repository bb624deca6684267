"""Reads of areas: one unit, a search, the tree on a date, across the reform.

Nothing here writes; the commands (imports, hamlets, re-homing) are in
``areas/service.py``. A search with a ``viewer`` is scoped through
``auth/scope.py``; the hamlets a form offers are those the user may work in.
"""

import datetime as dt
from collections.abc import Sequence

from sqlalchemy.orm import Session

from ocop_tracker.areas import repository, rules
from ocop_tracker.areas.models import AdminUnit, Edition, Level
from ocop_tracker.auth.scope import scope_areas
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
