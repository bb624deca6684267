"""One mechanism writes the trail: a flush listener over every ``Audited`` model."""

import datetime as dt
import enum
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

from sqlalchemy import Table, insert, inspect
from sqlalchemy.orm import Session, UOWTransaction

from ocop_tracker.audit import context
from ocop_tracker.audit.models import Audited, AuditEvent
from ocop_tracker.core import query
from ocop_tracker.core.base import utcnow
from ocop_tracker.core.db import is_read_request, side_write

AUDIT_EVENTS: Table = AuditEvent.__table__  # type: ignore[assignment]
# Values the trail's JSON holds as they are (most of a row's): checked first.
_AS_IS = frozenset({str, int, bool, float, type(None)})


def _plain(value: Any) -> Any:
    if type(value) in _AS_IS:
        return value
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else str(value)
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    return value


# The audited columns of each model, read from its mapper once.
_COLUMNS: dict[type, list[str]] = {}


def _columns(obj: Audited) -> list[str]:
    return _model_columns(type(obj))


def _model_columns(model: type[Audited]) -> list[str]:
    if model not in _COLUMNS:
        mapper = inspect(model)
        _COLUMNS[model] = [
            c.key for c in mapper.column_attrs if c.key not in model.__audit_exclude__
        ]
    return _COLUMNS[model]


def _state(obj: Audited, *, committed: bool) -> dict[str, Any]:
    state = inspect(obj)
    if not committed:
        return {key: _plain(state.dict.get(key)) for key in _columns(obj)}
    values: dict[str, Any] = {}
    for key in _columns(obj):
        hist = state.attrs[key].history
        if committed and hist.deleted:
            values[key] = _plain(hist.deleted[0])
        elif committed and hist.unchanged:
            values[key] = _plain(hist.unchanged[0])
        elif committed:
            values[key] = (
                _plain(state.attrs[key].loaded_value) if key in state.dict else None
            )
        else:
            values[key] = _plain(state.dict.get(key))
    return values


def _changed(obj: Audited) -> list[str]:
    state = inspect(obj)
    return [
        k
        for k in _columns(obj)
        if state.attrs[k].history.has_changes() and k not in {"updated_at", "version"}
    ]


# What an event reads of the object besides its columns' values.
_KEYS = ("id", "area_id", "hamlet_id")


def _area_of(model: type[Audited], values: Mapping[str, Any]) -> int | None:
    for key in ("area_id", "hamlet_id"):
        value = values.get(key)
        if isinstance(value, int):
            return value
    if model.__name__ == "AdminUnit":
        return values.get("id")
    return None


def _row(
    session: Session,
    obj: Audited,
    action: str,
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
    changed: list[str] | None,
) -> dict[str, Any]:
    return _event(
        context.get(session),
        type(obj),
        action,
        {key: getattr(obj, key) for key in _KEYS if hasattr(obj, key)},
        before=before,
        after=after,
        changed=changed,
    )


def _event(
    ctx: context.AuditContext,
    model: type[Audited],
    action: str,
    values: Mapping[str, Any],
    *,
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
    changed: list[str] | None,
) -> dict[str, Any]:
    return {
        "at": utcnow(),
        "actor_id": ctx.actor_id,
        "actor_login": ctx.actor_login,
        "client_ip": ctx.client_ip,
        "request_id": ctx.request_id,
        "action": action,
        "object_type": model.__tablename__,  # type: ignore[attr-defined]
        "object_id": str(values.get("id", "")),
        "area_id": _area_of(model, values),
        "before": before,
        "after": after,
        "changed": changed,
    }


def record_changes(session: Session, _flush: UOWTransaction) -> None:
    """Hook (``after_flush``): one audit event per changed ``Audited`` row."""
    rows: list[dict[str, Any]] = []
    for obj in session.new:
        if isinstance(obj, Audited):
            rows.append(
                _row(session, obj, "create", None, _state(obj, committed=False), None)
            )
    for obj in session.dirty:
        if isinstance(obj, Audited) and session.is_modified(
            obj, include_collections=False
        ):
            changed = _changed(obj)
            if changed:
                before = _state(obj, committed=True)
                after = _state(obj, committed=False)
                rows.append(
                    _row(
                        session,
                        obj,
                        "update",
                        {k: before[k] for k in changed},
                        {k: after[k] for k in changed},
                        changed,
                    )
                )
    for obj in session.deleted:
        if isinstance(obj, Audited):
            rows.append(
                _row(session, obj, "delete", _state(obj, committed=True), None, None)
            )
    if rows:
        session.connection().execute(insert(AuditEvent), rows)


def record_inserted(
    session: Session, model: type[Any], rows: Sequence[Mapping[str, Any]]
) -> None:
    """Hook for records inserted in bulk (``core.db.insert_rows``): the event of
    each, as ``record_changes`` writes it for a new object (``after``: every
    audited column of the row)."""
    if not issubclass(model, Audited) or not rows:
        return
    ctx = context.get(session)
    columns = _model_columns(model)
    events = [
        _event(
            ctx,
            model,
            "create",
            row,
            before=None,
            after={key: _plain(row.get(key)) for key in columns},
            changed=None,
        )
        for row in rows
    ]
    # Without Core's work per row: a list import's 50,000 events.
    query.add_rows(session.connection(), AUDIT_EVENTS, events)


def record(
    session: Session,
    action: str,
    *,
    object_type: str | None = None,
    object_id: int | str | None = None,
    area_id: int | None = None,
    detail: str | None = None,
    actor_id: int | None = None,
    actor_login: str | None = None,
) -> None:
    """An event that is not a row change: sign-in, denial, export, revocation."""
    ctx = context.get(session)
    statement = insert(AuditEvent).values(
        at=utcnow(),
        actor_id=actor_id if actor_id is not None else ctx.actor_id,
        actor_login=actor_login if actor_login is not None else ctx.actor_login,
        client_ip=ctx.client_ip,
        request_id=ctx.request_id,
        action=action,
        object_type=object_type,
        object_id=None if object_id is None else str(object_id),
        area_id=area_id,
        detail=detail[:500] if detail else None,
    )
    if is_read_request(session):  # a download or a view: its own short transaction
        side_write(
            session,
            lambda s: s.execute(statement),
            what=f"audit event {action}",
            required=True,
        )
    else:
        session.execute(statement)
