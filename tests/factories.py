"""Typed helpers that build test objects through the services; flush, never commit."""

import itertools

from sqlalchemy import select
from sqlalchemy.orm import Session

from ocop_tracker.areas import service as area_service
from ocop_tracker.areas.models import AdminUnit, Edition, Level

_counter = itertools.count(1)


def unit(
    session: Session,
    name: str,
    *,
    edition: Edition,
    level: Level,
    parent: str | None = None,
) -> AdminUnit:
    """A loaded unit found by its full name (and its parent's, when names repeat)."""
    stmt = select(AdminUnit).where(
        AdminUnit.name == name, AdminUnit.edition == edition, AdminUnit.level == level
    )
    found = [
        u
        for u in session.scalars(stmt)
        if parent is None or _parent_name(session, u) == parent
    ]
    assert len(found) == 1, f"{name}: {len(found)} matches"
    return found[0]


def make_hamlet(
    session: Session, commune: AdminUnit, *, name: str | None = None
) -> AdminUnit:
    """A new hamlet under ``commune``, with a unique name unless one is given."""
    return area_service.add_hamlet(
        session, commune_id=commune.id, name=name or f"Ấp Thử {next(_counter)}"
    )


def _parent_name(session: Session, child: AdminUnit) -> str | None:
    parent = session.get(AdminUnit, child.parent_id) if child.parent_id else None
    return parent.name if parent else None
