"""Reading the audit trail: admins everywhere, the department in its province."""

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Query

from ocop_tracker.audit import views as audit_views
from ocop_tracker.auth.deps import Principal, require_roles
from ocop_tracker.core.db import SessionDep
from ocop_tracker.core.schemas import Limit, Page, Schema, WholeNumber
from ocop_tracker.users.models import Role

router = APIRouter(prefix="/audit", tags=["audit"])
Reader = Annotated[Principal, require_roles(Role.admin, Role.department)]


class AuditRead(Schema):
    """One audit event."""

    id: int
    at: dt.datetime
    actor_id: int | None
    actor_login: str | None
    action: str
    object_type: str | None
    object_id: str | None
    area_id: int | None
    client_ip: str | None
    request_id: str | None
    changed: list[str] | None
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    detail: str | None


@router.get("")
def list_events(
    session: SessionDep,
    principal: Reader,
    action: Annotated[str | None, Query(max_length=40)] = None,
    object_type: Annotated[str | None, Query(max_length=40)] = None,
    object_id: Annotated[str | None, Query(max_length=40)] = None,
    actor_id: WholeNumber | None = None,
    limit: Limit = 50,
    offset: Annotated[WholeNumber, Query(ge=0, le=10_000_000)] = 0,
) -> Page[AuditRead]:
    """Events, newest first; the department sees those of its province."""
    rows, total = audit_views.list_events(
        session,
        principal.user,
        action=action,
        object_type=object_type,
        object_id=object_id,
        actor_id=actor_id,
        limit=limit,
        offset=offset,
    )
    return Page[AuditRead](
        items=[AuditRead.model_validate(r) for r in rows],
        total=total,
        limit=limit,
        offset=offset,
    )
