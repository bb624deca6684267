"""Reads of pilots: the list a user may see, one pilot, those around an area.

A pilot is seen by whoever's area holds one of its units, or lies above one
(the department, the admin). Nothing here writes.
"""

import datetime as dt

from sqlalchemy.orm import Session

from ocop_tracker.auth.scope import (
    OutOfScope,
    covered_ids,
    readable_area_ids,
    sees_everything,
)
from ocop_tracker.core.clock import today
from ocop_tracker.core.errors import NotFound
from ocop_tracker.core.labels import label
from ocop_tracker.pilots import repository
from ocop_tracker.pilots.models import Pilot
from ocop_tracker.pilots.schemas import PilotRead, PilotUnitRead
from ocop_tracker.users.models import User

WHAT = "đợt thí điểm"
STATUS_WORDS = {
    "upcoming": "Sắp bắt đầu",
    "running": "Đang diễn ra",
    "ended": "Đã kết thúc",
}


def status(pilot: Pilot, day: dt.date) -> str:
    """Where the pilot stands on ``day``."""
    if day < pilot.start_on:
        return "upcoming"
    return "running" if day <= pilot.end_on else "ended"


def _reads(session: Session, rows: list[Pilot]) -> list[PilotRead]:
    units = repository.units_of(session, [p.id for p in rows])
    now = today()
    return [
        PilotRead.from_object(
            p,
            status=status(p, now),
            units=[
                PilotUnitRead(unit_id=u.id, name=u.name, level=label(u.level))
                for u in units[p.id]
            ],
        )
        for p in rows
    ]


def read(session: Session, pilot: Pilot) -> PilotRead:
    return _reads(session, [pilot])[0]


def _sees(session: Session, actor: User, pilot: Pilot, unit_ids: list[int]) -> bool:
    if sees_everything(actor):
        return True
    if pilot.area_id is not None and readable_area_ids(session, actor, [pilot.area_id]):
        return True
    return bool(unit_ids) and bool(covered_ids(session, actor, unit_ids))


def pilots(session: Session, actor: User) -> list[PilotRead]:
    """The pilots the actor may see, the newest start first."""
    rows = list(repository.pilots(session))
    units = repository.units_of(session, [p.id for p in rows])
    shown = [p for p in rows if _sees(session, actor, p, [u.id for u in units[p.id]])]
    return _reads(session, shown)


def get_pilot(session: Session, actor: User, pilot_id: int) -> Pilot:
    """A pilot the actor may see, or the same 404 as a missing one."""
    row = repository.pilot(session, pilot_id)
    if row is None:
        raise NotFound(f"Không tìm thấy {WHAT} này.")
    units = [u.id for u in repository.units_of(session, [row.id])[row.id]]
    if not _sees(session, actor, row, units):
        raise OutOfScope(f"Không tìm thấy {WHAT} này.")
    return row


def around(session: Session, area_id: int | None, day: dt.date) -> list[PilotRead]:
    """Pilots with a unit inside an area (already checked) or above it."""
    return _reads(session, list(repository.pilots_around(session, area_id, day)))
