"""State of any audited record as of a past date, replayed from the audit trail.

Every write goes through the audit listener, which stores the whole row on
create and the changed fields on update; replaying those events up to a date
gives the row as it stood at the end of that day (Vietnam time).

What "as of D" means (``records_as_of``, the one place it is decided; every
``as_of`` read goes through it, and coverage counts by the same rule):

1. Facts that carry their own date apply on that date, whatever day they were
   recorded (valid time): a certificate's decision date, expiry, revocation
   and stars, and a listing's delisting date. They are read from the latest
   record, so a correction applies back to the date it names (a revocation or
   a delisting dated after D has not happened yet).
2. Everything else is as recorded by the end of D (transaction time): names,
   prices, a listing's status, a step, a payment account.
3. A record entered after D is answered as of D when one of its dated facts
   places it there (a product whose certificate was decided on or before D,
   and that product's certificates and producer), with its first recorded
   values and ``recorded_on``, the day it was entered. Otherwise it did not
   exist yet on D: absent from lists, 404 when asked for.
"""

import datetime as dt
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Connection, Table, select
from sqlalchemy.orm import Session

from ocop_tracker.audit.models import AuditEvent
from ocop_tracker.core.clock import end_of_day, vn_date

ROW_ACTIONS = ("create", "update", "delete")
# Bound on the ids sent in one IN (...): every read below takes any number of
# ids and asks in batches of this size, so callers never batch themselves.
ID_BATCH = 500


def _batches(object_ids: Iterable[int]) -> Iterator[list[str]]:
    """The ids as the trail stores them (strings), in batches of ``ID_BATCH``."""
    ids = [str(i) for i in object_ids]
    for start in range(0, len(ids), ID_BATCH):
        yield ids[start : start + ID_BATCH]


def _events(
    session: Session,
    object_type: str,
    object_ids: Iterable[int],
    *where: ColumnElement[bool],
) -> Iterator[tuple[int, str, dt.datetime, dict[str, Any] | None]]:
    """The records' events matching ``where``, oldest first, asked in batches:
    ``(id, action, at, after)``."""
    for ids in _batches(object_ids):
        stmt = (
            select(
                AuditEvent.object_id, AuditEvent.action, AuditEvent.at, AuditEvent.after
            )
            .where(
                AuditEvent.object_type == object_type,
                AuditEvent.object_id.in_(ids),
                *where,
            )
            .order_by(AuditEvent.id)
        )
        for object_id, action, at, after in session.execute(stmt):
            if object_id is not None:
                yield int(object_id), action, at, after


def states_as_of(
    session: Session, object_type: str, object_ids: Iterable[int], day: dt.date
) -> dict[int, dict[str, Any]]:
    """Each record's columns at the end of ``day``; records not existing then are absent."""
    states: dict[int, dict[str, Any] | None] = {}
    for key, action, _at, after in _events(
        session,
        object_type,
        object_ids,
        AuditEvent.action.in_(ROW_ACTIONS),
        AuditEvent.at < end_of_day(day),
    ):
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


def row_changes(
    db: Session | Connection, object_type: str, object_ids: Sequence[int]
) -> Iterator[tuple[int, str, dt.date, dict[str, Any]]]:
    """Every row change of the records, oldest first: ``(id, action, day, after)``.

    The whole trail at once, for a reader that needs every day rather than one
    (the coverage ledger's timelines); ``day`` is the Vietnam day it was
    recorded, the day ``states_as_of`` counts it from. Takes a Connection too:
    the ledger reads inside a flush, beside the ORM.
    """
    ids = [str(i) for i in object_ids]
    if not ids:
        return
    events: Table = AuditEvent.__table__  # type: ignore[assignment]
    rows = db.execute(
        select(events.c.object_id, events.c.action, events.c.at, events.c.after)
        .where(
            events.c.object_type == object_type,
            events.c.object_id.in_(ids),
            events.c.action.in_(ROW_ACTIONS),
        )
        .order_by(events.c.id)
    )
    for object_id, action, at, after in rows:
        yield int(object_id), action, vn_date(at), after or {}


@dataclass(frozen=True)
class Recorded:
    """A record as of a day: its fields, and the day it was entered when later."""

    state: dict[str, Any]
    recorded_on: dt.date | None = None


def first_states(
    session: Session, object_type: str, object_ids: Iterable[int]
) -> dict[int, tuple[dt.date, dict[str, Any]]]:
    """Each record's first recorded columns and the day it was entered."""
    out: dict[int, tuple[dt.date, dict[str, Any]]] = {}
    for key, _action, at, after in _events(
        session, object_type, object_ids, AuditEvent.action == "create"
    ):
        out.setdefault(key, (vn_date(at), dict(after or {})))
    return out


def records_as_of(
    session: Session,
    object_type: str,
    object_ids: Sequence[int],
    day: dt.date,
    *,
    valid_from: Mapping[int, dt.date] | None = None,
    dated: Mapping[int, Mapping[str, Any]] | None = None,
) -> dict[int, Recorded]:
    """Records as of the end of ``day`` by the rule of "as of D" (module docstring).

    ``valid_from``: per record, the first day its own dated facts place it on
    (rule 3); ``dated``: per record, its dated fields as last recorded (rule 1).
    Records absent from the answer did not exist on ``day``.
    """
    states = states_as_of(session, object_type, object_ids, day)
    late = [
        i
        for i in object_ids
        if i not in states
        and valid_from is not None
        and i in valid_from
        and valid_from[i] <= day
    ]
    firsts = first_states(session, object_type, late)
    out: dict[int, Recorded] = {}
    for i in object_ids:
        if i in states:
            record = Recorded(states[i])
        elif i in firsts:
            entered, first = firsts[i]
            record = Recorded(first, recorded_on=entered)
        else:
            continue
        if dated is not None and i in dated:
            record = Recorded({**record.state, **dated[i]}, record.recorded_on)
        out[i] = record
    return out


def changes_after(
    session: Session, object_type: str, object_ids: Iterable[int], day: dt.date
) -> dict[int, list[dict[str, Any]]]:
    """Each record's changed columns recorded after the end of ``day``, oldest first."""
    out: dict[int, list[dict[str, Any]]] = {}
    for ids in _batches(object_ids):
        stmt = (
            select(AuditEvent.object_id, AuditEvent.after)
            .where(
                AuditEvent.object_type == object_type,
                AuditEvent.object_id.in_(ids),
                AuditEvent.action == "update",
                AuditEvent.at >= end_of_day(day),
            )
            .order_by(AuditEvent.id)
        )
        for object_id, after in session.execute(stmt):
            if object_id is not None:
                out.setdefault(int(object_id), []).append(dict(after or {}))
    return out


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
