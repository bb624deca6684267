"""Every SQL statement about marketplaces, listings, step records and verifications."""

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, Select, func, select
from sqlalchemy.orm import Session, aliased

from ocop_tracker.areas import repository as area_repository
from ocop_tracker.audit.models import AuditEvent
from ocop_tracker.auth.scope import scope_to_user
from ocop_tracker.core import query
from ocop_tracker.core.clock import end_of_day
from ocop_tracker.onboarding.models import (
    Listing,
    ListingStatus,
    Marketplace,
    MarketplaceStep,
    StepRecord,
    StepStatus,
    Verification,
)
from ocop_tracker.photos.models import Photo, PhotoKind, PhotoRule
from ocop_tracker.products.models import Product
from ocop_tracker.sellers.models import SellerAccount, SellerStatus
from ocop_tracker.users.models import User

# A listing with the names shown beside it: (listing, product name, marketplace code).
ListingRow = tuple[Listing, str, str]
_S = TypeVar("_S", bound=Select[*tuple[Any, ...]])


def marketplaces(session: Session) -> Sequence[Marketplace]:
    """Every marketplace: the plan's named ones first, then by name."""
    return session.scalars(
        select(Marketplace).order_by(
            Marketplace.is_named_in_plan.desc(), Marketplace.name, Marketplace.id
        )
    ).all()


def marketplace(session: Session, marketplace_id: int) -> Marketplace | None:
    """One marketplace by id."""
    return session.get(Marketplace, marketplace_id)


def marketplace_by_code(session: Session, code: str) -> Marketplace | None:
    """One marketplace by its code."""
    return session.scalar(select(Marketplace).where(Marketplace.code == code))


def marketplace_by_domain(session: Session, domain: str) -> Marketplace | None:
    """The marketplace on this domain."""
    return session.scalar(select(Marketplace).where(Marketplace.domain == domain))


def photo_rule_of(session: Session, marketplace_id: int) -> PhotoRule | None:
    """The photo rule of a marketplace (what records its photos step)."""
    return session.scalar(
        select(PhotoRule).where(PhotoRule.marketplace_id == marketplace_id)
    )


def steps_of(
    session: Session, marketplace_ids: Iterable[int], *, retired: bool = False
) -> dict[int, list[MarketplaceStep]]:
    """Each marketplace's steps in order (one query for all of them): those
    asked today, or with ``retired`` the retired ones too."""
    stmt = select(MarketplaceStep).order_by(
        MarketplaceStep.marketplace_id, MarketplaceStep.position
    )
    if not retired:
        stmt = stmt.where(MarketplaceStep.retired_on.is_(None))
    return query.grouped_in(
        session, stmt, MarketplaceStep.marketplace_id, marketplace_ids
    )


def listings_waiting_for_a_step(
    session: Session, marketplace_id: int
) -> Sequence[Listing]:
    """Listings of a marketplace with every step done (no next step)."""
    return session.scalars(
        select(Listing).where(
            Listing.marketplace_id == marketplace_id, Listing.next_step.is_(None)
        )
    ).all()


def product(session: Session, product_id: int) -> Product | None:
    """One product by id."""
    return session.get(Product, product_id)


def listing(session: Session, listing_id: int) -> Listing | None:
    """One listing by id."""
    return session.get(Listing, listing_id)


def listing_of(
    session: Session, product_id: int, marketplace_id: int
) -> Listing | None:
    """The listing of a product on a marketplace."""
    return session.scalar(
        select(Listing).where(
            Listing.product_id == product_id, Listing.marketplace_id == marketplace_id
        )
    )


def records_of(session: Session, listing_id: int) -> dict[str, StepRecord]:
    """A listing's step records, by step code."""
    return {
        r.step_code: r
        for r in session.scalars(
            select(StepRecord).where(StepRecord.listing_id == listing_id)
        )
    }


def seller_open(session: Session, product_id: int, marketplace_id: int) -> bool:
    """True when the product's producer has an open seller account on the marketplace."""
    found = session.scalar(
        select(SellerAccount.id)
        .join(Product, Product.producer_id == SellerAccount.producer_id)
        .where(
            Product.id == product_id,
            SellerAccount.marketplace_id == marketplace_id,
            SellerAccount.status == SellerStatus.open,
        )
    )
    return found is not None


def producer_of(session: Session, product_id: int) -> int | None:
    """The id of a product's producer."""
    return session.scalar(select(Product.producer_id).where(Product.id == product_id))


def evidence_count(session: Session, listing_id: int, step_code: str) -> int:
    """How many evidence photos one step of a listing has."""
    return int(
        session.scalar(
            select(func.count())
            .select_from(Photo)
            .where(
                Photo.listing_id == listing_id,
                Photo.kind == PhotoKind.evidence,
                Photo.step_code == step_code,
            )
        )
        or 0
    )


def step_asked() -> ColumnElement[bool]:
    """A step record's step is still asked on its listing's marketplace (not retired).

    The listing is read under an alias of its own, so a statement that already
    reads ``Listing`` may use this too."""
    listing = aliased(Listing)
    return (
        select(MarketplaceStep.id)
        .join(listing, listing.marketplace_id == MarketplaceStep.marketplace_id)
        .where(
            listing.id == StepRecord.listing_id,
            MarketplaceStep.code == StepRecord.step_code,
            MarketplaceStep.retired_on.is_(None),
        )
        .exists()
    )


def blocked_steps(
    session: Session, actor: User, listing_ids: Iterable[int]
) -> dict[int, list[str]]:
    """Each listing's blocked step codes (steps still asked), inside the actor's
    area (one query)."""
    ids = list(set(listing_ids))
    found: dict[int, list[str]] = {}
    if not ids:
        return found
    stmt = scope_to_user(
        select(StepRecord.listing_id, StepRecord.step_code).where(
            StepRecord.listing_id.in_(ids),
            StepRecord.status == StepStatus.blocked,
            step_asked(),
        ),
        actor,
        StepRecord.hamlet_id,
    )
    for listing_id, code in session.execute(stmt.order_by(StepRecord.id)):
        found.setdefault(listing_id, []).append(code)
    return found


def listings_of_products(
    session: Session, actor: User, product_ids: Iterable[int]
) -> Sequence[Listing]:
    """The listings of these products, inside the actor's area (one query)."""
    ids = sorted(set(product_ids))
    if not ids:
        return []
    stmt = scope_to_user(
        select(Listing).where(Listing.product_id.in_(ids)), actor, Listing.hamlet_id
    )
    return session.scalars(stmt.order_by(Listing.id)).all()


def verifications_of(
    session: Session, listing_id: int, *, day: dt.date | None = None
) -> Sequence[Verification]:
    """A listing's verifications, newest first (those decided by ``day``, if given)."""
    stmt = select(Verification).where(Verification.listing_id == listing_id)
    if day is not None:
        stmt = stmt.where(Verification.decided_at < end_of_day(day))
    return session.scalars(
        stmt.order_by(Verification.decided_at.desc(), Verification.id.desc())
    ).all()


def step_record_ids_in_hamlet(session: Session, hamlet_id: int) -> list[int]:
    """Ids of every step record ever written in a hamlet, deleted ones included.

    Unblocking deletes a record; its id then lives only in the audit trail.
    """
    rows = session.scalars(
        select(AuditEvent.object_id)
        .where(
            AuditEvent.object_type == StepRecord.__tablename__,
            AuditEvent.area_id == hamlet_id,
        )
        .distinct()
    )
    return [int(v) for v in rows if v and v.isdigit()]


def ids_with_events(session: Session, object_type: str, ids: Iterable[int]) -> set[int]:
    """Which of these records have any row event (seeded rows have none)."""
    wanted = [str(i) for i in ids]
    if not wanted:
        return set()
    rows = session.scalars(
        select(AuditEvent.object_id)
        .where(
            AuditEvent.object_type == object_type,
            AuditEvent.object_id.in_(wanted),
        )
        .distinct()
    )
    return {int(v) for v in rows if v and v.isdigit()}


def list_statement(
    actor: User,
    *,
    day: dt.date,
    area_id: int | None = None,
    product_id: int | None = None,
    marketplace_id: int | None = None,
) -> Select[Listing]:
    """Listings inside the actor's area, filtered on the fields that never change.

    ``area_id`` keeps the listings whose hamlet lies under it in the tree in
    force on ``day``; it narrows the actor's area, never widens it. The names
    shown beside each listing are joined by ``page`` and ``names_by_id``, for
    the rows they return only.
    """
    stmt = scope_to_user(select(Listing), actor, Listing.hamlet_id)
    if area_id is not None:
        stmt = stmt.where(
            Listing.hamlet_id.in_(area_repository.subtree_ids(area_id, day=day))
        )
    return query.where_equal(
        stmt,
        (Listing.product_id, product_id),
        (Listing.marketplace_id, marketplace_id),
    )


def with_state(
    stmt: Select[Listing],
    *,
    status: ListingStatus | None = None,
    next_step: str | None = None,
    verified: bool | None = None,
) -> Select[Listing]:
    """``stmt`` narrowed on the fields that change (current state only).

    ``verified`` means the claim stands verified and live: status ``listed``.
    """
    stmt = query.where_equal(
        stmt, (Listing.status, status), (Listing.next_step, next_step)
    )
    if verified is True:
        stmt = stmt.where(Listing.status == ListingStatus.listed)
    elif verified is False:
        stmt = stmt.where(Listing.status != ListingStatus.listed)
    return stmt


SORT_COLUMNS: dict[str, Any] = {
    "updated_at": Listing.updated_at,
    "created_at": Listing.created_at,
    "product_name": Product.search_key,
    "status": Listing.status,
}


def _named(stmt: _S) -> _S:
    return stmt.join(Product, Product.id == Listing.product_id).join(
        Marketplace, Marketplace.id == Listing.marketplace_id
    )


def page(
    session: Session,
    stmt: Select[Listing],
    *,
    sort: str,
    descending: bool,
    limit: int,
    offset: int,
    one_pass: bool = False,
) -> tuple[list[ListingRow], int]:
    """One page of ``stmt`` in the asked order (id breaks ties), with the total
    (``one_pass``: counted in the page's own pass, ``query.page_rows``).

    The page's ids come first, from the listings alone (the hamlet's index
    holds the status and the time of the last change, ``ix_listings_hamlet_status``);
    then its rows with their names. Joining every listing of a province to
    its product before the page was cut took PostgreSQL 110 ms for 29,000.
    """
    ids_stmt = stmt.with_only_columns(Listing.id)
    if sort == "product_name":
        ids_stmt = ids_stmt.join(Product, Product.id == Listing.product_id)
    rows, total = query.page_rows(
        session,
        ids_stmt,
        order_by=query.ordering(SORT_COLUMNS[sort], Listing.id, descending=descending),
        limit=limit,
        offset=offset,
        one_pass=one_pass,
    )
    ids = [int(row[0]) for row in rows]
    if not ids:
        return [], total
    named = _named(select(Listing, Product.name, Marketplace.code)).where(
        Listing.id.in_(ids)
    )
    found = [(row[0], row[1], row[2]) for row in session.execute(named)]
    return query.in_order(ids, found, lambda row: row[0].id), total


def names_by_id(session: Session, stmt: Select[Listing]) -> dict[int, tuple[str, str]]:
    """Every listing of ``stmt`` as id → (product name, marketplace code), no rows loaded."""
    light = _named(stmt.with_only_columns(Listing.id, Product.name, Marketplace.code))
    return {row[0]: (row[1], row[2]) for row in session.execute(light)}


def names(session: Session, listing: Listing) -> tuple[str, str]:
    """The product name and marketplace code shown beside a listing."""
    product_row = session.get(Product, listing.product_id)
    market = session.get(Marketplace, listing.marketplace_id)
    return (
        product_row.name if product_row else "",
        market.code if market else "",
    )
