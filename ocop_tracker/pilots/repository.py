"""Every SQL statement about pilots and their units."""

import datetime as dt
from collections.abc import Iterable, Sequence

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from ocop_tracker.areas import repository as area_repository
from ocop_tracker.areas.models import AdminUnit, AdminUnitLink
from ocop_tracker.core import query
from ocop_tracker.pilots.models import Pilot, PilotUnit


def pilot(session: Session, pilot_id: int) -> Pilot | None:
    return session.get(Pilot, pilot_id)


def pilots(session: Session) -> Sequence[Pilot]:
    """Every pilot, the newest start first."""
    return session.scalars(
        select(Pilot).order_by(Pilot.start_on.desc(), Pilot.id.desc())
    ).all()


def units_of(session: Session, pilot_ids: Iterable[int]) -> dict[int, list[AdminUnit]]:
    """Each pilot's units, by name."""
    ids = list(pilot_ids)
    out: dict[int, list[AdminUnit]] = {i: [] for i in ids}
    if not ids:
        return out
    for pid, unit in session.execute(
        select(PilotUnit.pilot_id, AdminUnit)
        .join(AdminUnit, AdminUnit.id == PilotUnit.unit_id)
        .where(PilotUnit.pilot_id.in_(ids))
        .order_by(AdminUnit.name, AdminUnit.id)
    ):
        out[pid].append(unit)
    return out


def unit_rows(session: Session, pilot_id: int) -> Sequence[PilotUnit]:
    return session.scalars(
        select(PilotUnit).where(PilotUnit.pilot_id == pilot_id).order_by(PilotUnit.id)
    ).all()


def units(session: Session, ids: Iterable[int]) -> Sequence[AdminUnit]:
    return query.all_in(session, select(AdminUnit), AdminUnit.id, ids)


def pilots_with_units(session: Session, unit_ids: Iterable[int]) -> Sequence[Pilot]:
    """Pilots one of whose units is among ``unit_ids``."""
    wanted = list(unit_ids)
    if not wanted:
        return []
    return session.scalars(
        select(Pilot)
        .where(
            Pilot.id.in_(
                select(PilotUnit.pilot_id).where(PilotUnit.unit_id.in_(wanted))
            )
        )
        .order_by(Pilot.start_on.desc(), Pilot.id.desc())
    ).all()


def pilots_around(
    session: Session, area_id: int | None, day: dt.date
) -> Sequence[Pilot]:
    """Pilots with a unit under ``area_id`` or above it on ``day`` (None: all)."""
    if area_id is None:
        return pilots(session)
    linked = or_(
        and_(
            AdminUnitLink.ancestor_id == area_id,
            AdminUnitLink.descendant_id == PilotUnit.unit_id,
        ),
        and_(
            AdminUnitLink.descendant_id == area_id,
            AdminUnitLink.ancestor_id == PilotUnit.unit_id,
        ),
    )
    return session.scalars(
        select(Pilot)
        .where(
            Pilot.id.in_(
                select(PilotUnit.pilot_id)
                .join(AdminUnitLink, linked)
                .where(area_repository.link_valid_on(day))
            )
        )
        .order_by(Pilot.start_on.desc(), Pilot.id.desc())
    ).all()
