"""Every SQL statement that reads the audit trail (the listener writes it)."""

from sqlalchemy import Select, select

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
