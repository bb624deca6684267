"""Every SQL statement of the cards: products under an area or chosen by id, and
the batches a user printed lately (from the audit trail)."""

import datetime as dt
from collections.abc import Sequence
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ocop_tracker.areas import repository as area_repository
from ocop_tracker.audit.models import AuditEvent
from ocop_tracker.auth.scope import scope_to_user
from ocop_tracker.products.models import Product
from ocop_tracker.users.models import User


def subtree_ids(session: Session, area_id: int, *, day: dt.date) -> set[int]:
    """Every area id under ``area_id`` on ``day`` (itself included)."""
    return set(session.scalars(area_repository.subtree_ids(area_id, day=day)))


def hamlets_of(session: Session, product_ids: Sequence[int]) -> dict[int, int]:
    """The hamlet of each of these products that exists."""
    rows = session.execute(
        select(Product.id, Product.hamlet_id).where(Product.id.in_(product_ids))
    )
    return {row[0]: row[1] for row in rows}


def visible_ids(session: Session, user: User, product_ids: Sequence[int]) -> set[int]:
    """Which of these products lie in the user's area."""
    stmt = select(Product.id).where(Product.id.in_(product_ids))
    return set(session.scalars(scope_to_user(stmt, user, Product.hamlet_id)))


def _under(area_id: int, day: dt.date) -> Any:
    return Product.hamlet_id.in_(area_repository.subtree_ids(area_id, day=day))


def count_under(session: Session, area_id: int, *, day: dt.date) -> int:
    """How many products lie under the area."""
    stmt = select(func.count()).select_from(Product).where(_under(area_id, day))
    return int(session.scalar(stmt) or 0)


def ids_under(session: Session, area_id: int, *, day: dt.date) -> list[int]:
    """Ids of the products under the area."""
    return list(session.scalars(select(Product.id).where(_under(area_id, day))))


def names_under(
    session: Session, area_id: int, *, day: dt.date, limit: int
) -> list[tuple[int, str]]:
    """(id, name) of the first products under the area, by name."""
    stmt = (
        select(Product.id, Product.name)
        .where(_under(area_id, day))
        .order_by(Product.name, Product.id)
        .limit(limit)
    )
    return [(row[0], row[1]) for row in session.execute(stmt)]


def batches_since(session: Session, user: User, action: str, since: dt.datetime) -> int:
    """Card PDFs the user printed since ``since``."""
    stmt = (
        select(func.count())
        .select_from(AuditEvent)
        .where(
            AuditEvent.action == action,
            AuditEvent.actor_id == user.id,
            AuditEvent.at >= since,
        )
    )
    return int(session.scalar(stmt) or 0)
