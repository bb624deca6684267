"""Every SQL statement that reads the audit trail (the listener writes it)."""

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from ocop_tracker.audit.models import AuditEvent
from ocop_tracker.core import query


def events_statement(
    *,
    action: str | None = None,
    object_type: str | None = None,
    object_id: str | None = None,
    actor_id: int | None = None,
) -> Select[AuditEvent]:
    """Events matching each filter given (None leaves it out), unordered."""
    return query.where_equal(
        select(AuditEvent),
        (AuditEvent.action, action),
        (AuditEvent.object_type, object_type),
        (AuditEvent.object_id, object_id),
        (AuditEvent.actor_id, actor_id),
    )


NEWEST_FIRST = (AuditEvent.id.desc(),)


def last_writer(session: Session, object_type: str, object_id: int) -> int | None:
    """Who made the newest row change (create, update, delete) of one record."""
    return session.scalar(
        select(AuditEvent.actor_id)
        .where(
            AuditEvent.object_type == object_type,
            AuditEvent.object_id == str(object_id),
            AuditEvent.action.in_(("create", "update", "delete")),
        )
        .order_by(*NEWEST_FIRST)
        .limit(1)
    )
