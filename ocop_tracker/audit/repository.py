"""Every SQL statement that reads the audit trail (the listener writes it)."""

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, false, or_, select
from sqlalchemy.orm import Session

from ocop_tracker.audit.models import AuditEvent
from ocop_tracker.core import query
from ocop_tracker.core.search import like_words
from ocop_tracker.onboarding.models import MarketplaceStep
from ocop_tracker.users.models import User


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


def within(
    stmt: Select[AuditEvent], since: dt.datetime | None, until: dt.datetime | None
) -> Select[AuditEvent]:
    """Events recorded at or after ``since`` and before ``until`` (either may be open)."""
    if since is not None:
        stmt = stmt.where(AuditEvent.at >= since)
    if until is not None:
        stmt = stmt.where(AuditEvent.at < until)
    return stmt


def by_actor_named(stmt: Select[AuditEvent], folded: str) -> Select[AuditEvent]:
    """Events by the accounts whose folded name or login holds every word."""
    named = select(User.id).where(*like_words(User.search_key, folded))
    return stmt.where(AuditEvent.actor_id.in_(named))


def of_records(subjects: Mapping[str, Sequence[int]]) -> Select[AuditEvent]:
    """Events about these records: per table, the ids given (unordered)."""
    conditions: list[ColumnElement[bool]] = [
        and_(
            AuditEvent.object_type == table,
            AuditEvent.object_id.in_([str(i) for i in ids]),
        )
        for table, ids in subjects.items()
        if ids
    ]
    return select(AuditEvent).where(or_(*conditions) if conditions else false())


def parents(
    session: Session, id_column: Any, parent_column: Any, ids: Iterable[int]
) -> dict[int, int]:
    """``parent_column`` of the rows whose ``id_column`` is in ``ids`` (in chunks)."""
    stmt = select(id_column.label("id"), parent_column.label("parent"))
    rows = query.rows_in_chunks(session, stmt, id_column, sorted(set(ids)))
    return {int(row.id): int(row.parent) for row in rows}


def children(
    session: Session, id_column: Any, parent_column: Any, parent_id: int
) -> list[int]:
    """``id_column`` of the rows whose ``parent_column`` is ``parent_id``."""
    stmt = select(id_column).where(parent_column == parent_id).order_by(id_column)
    return [int(i) for i in session.scalars(stmt)]


def step_names(
    session: Session, marketplace_ids: Iterable[int]
) -> dict[tuple[int, str], str]:
    """The steps of these marketplaces by (marketplace, code), named."""
    stmt = select(
        MarketplaceStep.marketplace_id, MarketplaceStep.code, MarketplaceStep.name
    )
    rows = query.rows_in_chunks(
        session, stmt, MarketplaceStep.marketplace_id, sorted(set(marketplace_ids))
    )
    return {(int(r.marketplace_id), str(r.code)): str(r.name) for r in rows}


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
