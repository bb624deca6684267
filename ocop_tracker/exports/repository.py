"""Every SQL statement of the exports: what a chunk of products carries, and the
exports a user made in the last hour. Scope is the caller's: the products come
from ``products/views.py`` (already inside the user's area)."""

import datetime as dt
from collections.abc import Iterable, Sequence

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ocop_tracker.areas.models import AdminUnit
from ocop_tracker.audit.models import AuditEvent
from ocop_tracker.core import query
from ocop_tracker.onboarding.models import Listing, Marketplace
from ocop_tracker.producers.models import Producer, ProducerKind
from ocop_tracker.products.models import Certificate


def exports_since(session: Session, user_id: int, since: dt.datetime) -> int:
    """How many files the user exported since ``since``."""
    stmt = (
        select(func.count())
        .select_from(AuditEvent)
        .where(
            AuditEvent.action == "export",
            AuditEvent.actor_id == user_id,
            AuditEvent.at >= since,
        )
    )
    return session.scalar(stmt) or 0


def producer_kinds(session: Session, ids: Iterable[int]) -> dict[int, ProducerKind]:
    """The kind of each of these producers (one query)."""
    wanted = sorted(set(ids))
    if not wanted:
        return {}
    stmt = select(Producer.id, Producer.kind).where(Producer.id.in_(wanted))
    return {row[0]: row[1] for row in session.execute(stmt)}


def certificates_of(
    session: Session, product_ids: Sequence[int]
) -> dict[int, list[Certificate]]:
    """The certificates of these products, oldest first (one query)."""
    stmt = select(Certificate).order_by(Certificate.id)
    return query.grouped_in(session, stmt, Certificate.product_id, product_ids)


def listings_of(
    session: Session, product_ids: Sequence[int]
) -> list[tuple[Listing, str]]:
    """The listings of these products with their marketplace's name (one query)."""
    if not product_ids:
        return []
    stmt = (
        select(Listing, Marketplace.name)
        .join(Marketplace, Marketplace.id == Listing.marketplace_id)
        .where(Listing.product_id.in_(list(product_ids)))
        .order_by(Listing.product_id, Listing.id)
    )
    return [(row[0], row[1]) for row in session.execute(stmt)]


def units(session: Session, ids: Iterable[int]) -> Sequence[AdminUnit]:
    """These area units (one query)."""
    return query.all_in(session, select(AdminUnit), AdminUnit.id, sorted(set(ids)))
