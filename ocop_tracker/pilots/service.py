"""Commands on pilots: set one up, change its window, choose its units.

The department and the admin set pilots up; a department's pilot may only hold
units of its own area. A window is at least a day and at most two years; the
plan's pilot is three months.
"""

import datetime as dt
from collections.abc import Iterable

from sqlalchemy.orm import Session

from ocop_tracker.areas.models import Level
from ocop_tracker.auth.scope import covered_ids
from ocop_tracker.core.base import utcnow
from ocop_tracker.core.errors import FieldErrors, Forbidden, InvalidInput
from ocop_tracker.core.fields import cleaned, set_given
from ocop_tracker.core.text import clean_text, required_text
from ocop_tracker.core.versions import UNSET, Unset, check_version, flush_versioned
from ocop_tracker.pilots import repository
from ocop_tracker.pilots.models import Pilot, PilotUnit
from ocop_tracker.users.models import Role, User

EDITORS = frozenset({Role.admin, Role.department})
MAX_DAYS = 731
MAX_UNITS = 50
UNIT_LEVELS = frozenset({Level.hamlet, Level.commune, Level.district})


def _check_editor(actor: User) -> None:
    if actor.role not in EDITORS:
        raise Forbidden("Chỉ Sở Công Thương hoặc quản trị hệ thống lập đợt thí điểm.")


def _check_window(start_on: dt.date, end_on: dt.date, errors: FieldErrors) -> None:
    if end_on < start_on:
        errors.add("end_on", "Ngày kết thúc phải từ ngày bắt đầu trở đi.")
    elif (end_on - start_on).days > MAX_DAYS:
        errors.add("end_on", "Một đợt thí điểm dài tối đa hai năm.")


def _clean_name(raw: str) -> str:
    return required_text(raw, field="name", label="Tên đợt", max_len=200)


def _clean_note(raw: str | None) -> str | None:
    return clean_text(raw, field="note", label="Ghi chú", max_len=1000, multiline=True)


def create_pilot(
    session: Session,
    actor: User,
    *,
    name: str,
    start_on: dt.date,
    end_on: dt.date,
    note: str | None = None,
) -> Pilot:
    """A new pilot in the actor's area; its units are chosen next."""
    _check_editor(actor)
    errors = FieldErrors()
    clean = cleaned(errors, name=(_clean_name, name), note=(_clean_note, note))
    _check_window(start_on, end_on, errors)
    errors.raise_any()
    row = Pilot(**clean, start_on=start_on, end_on=end_on, area_id=actor.area_id)
    session.add(row)
    session.flush()
    return row


def update_pilot(
    session: Session,
    actor: User,
    row: Pilot,
    *,
    version: int | None = None,
    name: str | Unset = UNSET,
    start_on: dt.date | Unset = UNSET,
    end_on: dt.date | Unset = UNSET,
    note: str | Unset | None = UNSET,
) -> Pilot:
    """Change the name, window or note (``version`` as read)."""
    _check_editor(actor)
    check_version(row, version, "Đợt thí điểm")
    errors = FieldErrors()
    set_given(errors, row, name=(_clean_name, name), note=(_clean_note, note))
    start = row.start_on if isinstance(start_on, Unset) else start_on
    end = row.end_on if isinstance(end_on, Unset) else end_on
    _check_window(start, end, errors)
    errors.raise_any()
    row.start_on, row.end_on = start, end
    flush_versioned(session, "Đợt thí điểm")
    return row


def set_units(
    session: Session,
    actor: User,
    row: Pilot,
    unit_ids: Iterable[int],
    *,
    version: int | None = None,
) -> Pilot:
    """Write the pilot's units, whole: hamlets, communes or districts of the
    actor's area."""
    _check_editor(actor)
    check_version(row, version, "Đợt thí điểm")
    wanted = set(unit_ids)
    if len(wanted) > MAX_UNITS:
        raise InvalidInput(
            f"Một đợt thí điểm có tối đa {MAX_UNITS} đơn vị.", field="unit_ids"
        )
    units = {u.id: u for u in repository.units(session, wanted)}
    mine = covered_ids(session, actor, list(units))
    if set(units) != wanted or mine != wanted:
        raise InvalidInput(
            "Có đơn vị không thuộc địa bàn của bạn; hãy chọn lại.", field="unit_ids"
        )
    if any(u.level not in UNIT_LEVELS for u in units.values()):
        raise InvalidInput(
            "Đơn vị thí điểm là khóm/ấp, xã/phường hoặc huyện.", field="unit_ids"
        )
    current = {u.unit_id: u for u in repository.unit_rows(session, row.id)}
    for unit_id, gone in current.items():
        if unit_id not in wanted:
            session.delete(gone)
    for unit_id in sorted(wanted - set(current)):
        session.add(PilotUnit(pilot_id=row.id, unit_id=unit_id))
    row.updated_at = utcnow()
    flush_versioned(session, "Đợt thí điểm")
    return row
