"""Reads of the audit trail: a page of events, newest first.

Nothing here writes; events are written by ``audit/listener.py`` in the
transaction that made the change. Scoped through ``auth/scope.py`` by the area
each event belongs to: the department sees its province, admins everything.
"""

from collections.abc import Sequence

from sqlalchemy.orm import Session

from ocop_tracker.audit import repository
from ocop_tracker.audit.models import AuditEvent
from ocop_tracker.auth.scope import scope_to_user
from ocop_tracker.core import query
from ocop_tracker.users.models import User


def list_events(
    session: Session,
    actor: User,
    *,
    action: str | None = None,
    object_type: str | None = None,
    object_id: str | None = None,
    actor_id: int | None = None,
    limit: int = 50,
    offset: int = 0,
) -> tuple[Sequence[AuditEvent], int]:
    """One page of the events the actor may read, newest first, and their count
    (two statements whatever the page's length)."""
    stmt = repository.events_statement(
        action=action, object_type=object_type, object_id=object_id, actor_id=actor_id
    )
    stmt = scope_to_user(stmt, actor, AuditEvent.area_id)
    return query.page(
        session, stmt, order_by=repository.NEWEST_FIRST, limit=limit, offset=offset
    )


def last_writer(session: Session, object_type: str, object_id: int) -> int | None:
    """Who last changed a record (the trail's newest row change), unscoped: a
    service asks it about a record it already checked the actor may write."""
    return repository.last_writer(session, object_type, object_id)
