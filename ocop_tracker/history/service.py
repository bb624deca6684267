"""State of any audited record as of a past date, replayed from the audit trail.

Every write goes through the audit listener, which stores the whole row on
create and the changed fields on update; replaying those events up to a date
gives the row as it stood at the end of that day (Vietnam time).
"""

import datetime as dt
from collections.abc import Iterable
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ocop_tracker.audit.models import AuditEvent

VIETNAM = dt.timezone(dt.timedelta(hours=7))
ROW_ACTIONS = ("create", "update", "delete")


def end_of_day(day: dt.date) -> dt.datetime:
    """The first instant after ``day`` in Vietnam, in UTC."""
    return dt.datetime.combine(
        day + dt.timedelta(days=1), dt.time(), tzinfo=VIETNAM
    ).astimezone(dt.UTC)


def states_as_of(
    session: Session, object_type: str, object_ids: Iterable[int], day: dt.date
) -> dict[int, dict[str, Any]]:
    """Each record's columns at the end of ``day``; records not existing then are absent."""
    ids = [str(i) for i in object_ids]
    if not ids:
        return {}
    stmt = (
        select(AuditEvent.object_id, AuditEvent.action, AuditEvent.after)
        .where(
            AuditEvent.object_type == object_type,
            AuditEvent.object_id.in_(ids),
            AuditEvent.action.in_(ROW_ACTIONS),
            AuditEvent.at < end_of_day(day),
        )
        .order_by(AuditEvent.id)
    )
    states: dict[int, dict[str, Any] | None] = {}
    for object_id, action, after in session.execute(stmt):
        if object_id is None:
            continue
        key = int(object_id)
        if action == "create":
            states[key] = dict(after or {})
        elif action == "update" and states.get(key) is not None:
            states[key] = {**(states[key] or {}), **(after or {})}
        elif action == "delete":
            states[key] = None
    return {k: v for k, v in states.items() if v is not None}


def state_as_of(
    session: Session, object_type: str, object_id: int, day: dt.date
) -> dict[str, Any] | None:
    """One record's columns at the end of ``day``, or None if it did not exist yet."""
    return states_as_of(session, object_type, [object_id], day).get(object_id)


def ids_existing_on(session: Session, object_type: str, day: dt.date) -> set[int]:
    """Ids of records of a type that existed at the end of ``day``."""
    stmt = (
        select(AuditEvent.object_id, AuditEvent.action)
        .where(
            AuditEvent.object_type == object_type,
            AuditEvent.action.in_(("create", "delete")),
            AuditEvent.at < end_of_day(day),
        )
        .order_by(AuditEvent.id)
    )
    alive: set[int] = set()
    for object_id, action in session.execute(stmt):
        if object_id is None:
            continue
        (alive.add if action == "create" else alive.discard)(int(object_id))
    return alive
