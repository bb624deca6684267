"""Where a user may look and act: the one place area scope is decided.

Every repository filters lists with ``scope_to_user`` and every object check
goes through ``ensure_visible``; nothing else decides area access.
"""

import datetime as dt
from collections.abc import Iterable
from typing import Any, Protocol, TypeVar, cast

from sqlalchemy import ColumnElement, Select, false, or_, select, true
from sqlalchemy.orm import Session

from ocop_tracker.areas import repository as area_repository
from ocop_tracker.areas.models import AdminUnit, AdminUnitLink, Edition
from ocop_tracker.core import clock
from ocop_tracker.core.errors import Forbidden, NotFound
from ocop_tracker.users.models import WRITERS, Role, User

S = TypeVar("S", bound=Select[*tuple[Any, ...]])


class OutOfScope(NotFound):
    """An object outside the caller's area: answered exactly like a missing one."""

    audit_action = "denied"


def sees_everything(user: User) -> bool:
    """Only an admin has no area limit."""
    return user.role is Role.admin


def area_filter(
    user: User, column: Any, *, day: dt.date | None = None
) -> ColumnElement[bool]:
    """A condition keeping rows whose area ``column`` lies in the user's subtree."""
    if sees_everything(user):
        return true()
    if user.area_id is None:
        return false()
    subtree = area_repository.subtree_ids(user.area_id, day=day or clock.today())
    return cast(ColumnElement[bool], column.in_(subtree))


def scope_to_user(stmt: S, user: User, column: Any, *, day: dt.date | None = None) -> S:
    """``stmt`` limited to the user's area (fail closed: no area, no rows)."""
    if sees_everything(user):
        return stmt
    return stmt.where(area_filter(user, column, day=day))


def scope_areas(stmt: S, user: User, column: Any) -> S:
    """Areas a user may read: their subtree, and the units above it (for context)."""
    if sees_everything(user):
        return stmt
    if user.area_id is None:
        return stmt.where(false())
    above = select(AdminUnitLink.ancestor_id).where(
        AdminUnitLink.descendant_id == user.area_id,
        area_repository.link_valid_on(clock.today()),
    )
    return stmt.where(
        or_(
            column.in_(area_repository.subtree_ids(user.area_id, day=clock.today())),
            column.in_(above),
        )
    )


def covers(session: Session, user: User, area_id: int | None) -> bool:
    """True when ``area_id`` lies in the user's subtree."""
    if sees_everything(user):
        return True
    if user.area_id is None or area_id is None:
        return False
    found = session.scalar(
        select(AdminUnitLink.id)
        .where(
            AdminUnitLink.ancestor_id == user.area_id,
            AdminUnitLink.descendant_id == area_id,
            area_repository.link_valid_on(clock.today()),
        )
        .limit(1)
    )
    return found is not None


def covered_ids(session: Session, user: User, ids: Iterable[int]) -> set[int]:
    """Which of ``ids`` lie in the user's subtree: ``covers`` for many, in one query."""
    wanted = set(ids)
    if sees_everything(user):
        return wanted
    if user.area_id is None or not wanted:
        return set()
    return set(
        session.scalars(
            select(AdminUnitLink.descendant_id).where(
                AdminUnitLink.ancestor_id == user.area_id,
                AdminUnitLink.descendant_id.in_(sorted(wanted)),
                area_repository.link_valid_on(clock.today()),
            )
        )
    )


def reads_history_of(session: Session, user: User, area_id: int) -> bool:
    """True when ``area_id`` is a 2022 unit wholly taken into the user's area.

    On 1/7/2025 the communes of old units went into new ones; a unit of the
    2022 map whose every commune went into the user's (2025) area is that
    area's past, so its reports — figures as of dates before the reform — are
    the user's to read. Nothing is written through it: writes check ``covers``.
    """
    if sees_everything(user):
        return True
    if user.area_id is None:
        return False
    unit = session.get(AdminUnit, area_id)
    if unit is None or unit.edition is not Edition.e2022:
        return False
    return area_repository.taken_in_only_by(
        session, area_id, area_repository.subtree_ids(user.area_id, day=clock.today())
    )


def ensure_visible(
    session: Session, user: User, area_id: int | None, what: str = "dữ liệu"
) -> None:
    """Raise OutOfScope (404) unless ``area_id`` lies in the user's subtree."""
    if not covers(session, user, area_id):
        raise OutOfScope(f"Không tìm thấy {what} này.")


class InHamlet(Protocol):
    """A record placed in a hamlet (its scope)."""

    @property
    def hamlet_id(self) -> int: ...


Placed = TypeVar("Placed", bound=InHamlet)


def visible(session: Session, user: User, row: Placed | None, what: str) -> Placed:
    """``row`` if it exists and lies in the user's subtree; else the same 404,
    "Không tìm thấy {what} này." (a record outside the area looks missing)."""
    if row is None:
        raise NotFound(f"Không tìm thấy {what} này.")
    ensure_visible(session, user, row.hamlet_id, what)
    return row


def check_writer(
    session: Session,
    actor: User,
    area_id: int,
    what: str,
    roles: frozenset[Role] = WRITERS,
    message: str = "Vai trò của bạn chỉ được xem, không được sửa dữ liệu này.",
) -> None:
    """Visibility first (out of area looks missing), then the role (403)."""
    ensure_visible(session, actor, area_id, what)
    if actor.role not in roles:
        raise Forbidden(message)


def readable_area_ids(session: Session, user: User, ids: list[int]) -> set[int]:
    """Which of ``ids`` the user may read: inside their subtree or above their area."""
    if sees_everything(user):
        return set(ids)
    if user.area_id is None or not ids:
        return set()
    stmt = scope_areas(
        select(AdminUnit.id).where(AdminUnit.id.in_(ids)), user, AdminUnit.id
    )
    return set(session.scalars(stmt))


def ensure_area_readable(session: Session, user: User, area_id: int) -> None:
    """Raise OutOfScope unless the user may read this area."""
    if area_id not in readable_area_ids(session, user, [area_id]):
        raise OutOfScope("Không tìm thấy đơn vị hành chính này.")
