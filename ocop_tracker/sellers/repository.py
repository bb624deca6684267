"""Every SQL statement about seller accounts, their checklist, verifications and prerequisites."""

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import exists, func, or_, select
from sqlalchemy.orm import Session

from ocop_tracker.areas import repository as area_repository
from ocop_tracker.areas.models import AdminUnit
from ocop_tracker.auth.scope import scope_to_user
from ocop_tracker.core import query
from ocop_tracker.onboarding.models import (
    Decision,
    Listing,
    ListingStatus,
    Marketplace,
    StepMove,
    StepRecord,
    StepStatus,
)
from ocop_tracker.producers.models import Producer
from ocop_tracker.products.models import Product
from ocop_tracker.sellers.models import (
    ClaimStatus,
    SellerAccount,
    SellerActivity,
    SellerChecklistItem,
    SellerFlagRule,
    SellerPrerequisite,
    SellerStatus,
    SellerVerification,
)
from ocop_tracker.users.models import User


def account(session: Session, account_id: int) -> SellerAccount | None:
    """One seller account by id."""
    return session.get(SellerAccount, account_id)


def account_of(
    session: Session, producer_id: int, marketplace_id: int
) -> SellerAccount | None:
    """The producer's account on a marketplace, if any."""
    return session.scalar(
        select(SellerAccount).where(
            SellerAccount.producer_id == producer_id,
            SellerAccount.marketplace_id == marketplace_id,
        )
    )


def accounts_of_producer(session: Session, producer_id: int) -> Sequence[SellerAccount]:
    """A producer's accounts, in the order they were opened."""
    return session.scalars(
        select(SellerAccount)
        .where(SellerAccount.producer_id == producer_id)
        .order_by(SellerAccount.id)
    ).all()


def pending_claims(
    session: Session, actor: User, *, limit: int
) -> tuple[Sequence[SellerAccount], int]:
    """The accounts of the actor's area whose "open" claim waits, the longest first."""
    stmt = scope_to_user(
        select(SellerAccount).where(SellerAccount.claim_status == ClaimStatus.pending),
        actor,
        SellerAccount.hamlet_id,
    )
    return query.page(
        session,
        stmt,
        order_by=(SellerAccount.claimed_at, SellerAccount.id),
        limit=limit,
        offset=0,
    )


def producer_names(session: Session, producer_ids: Iterable[int]) -> dict[int, str]:
    """The name of each producer (one query)."""
    return query.names_by_id(session, Producer.id, Producer.name, producer_ids)


def market_codes(session: Session, marketplace_ids: Iterable[int]) -> dict[int, str]:
    """The code of each marketplace (one query)."""
    return query.names_by_id(session, Marketplace.id, Marketplace.code, marketplace_ids)


def prerequisites_of(
    session: Session, marketplace_ids: Iterable[int], *, active_only: bool = True
) -> dict[int, list[SellerPrerequisite]]:
    """Each marketplace's prerequisites in order (one query)."""
    stmt = select(SellerPrerequisite).order_by(
        SellerPrerequisite.position, SellerPrerequisite.id
    )
    if active_only:
        stmt = stmt.where(SellerPrerequisite.is_active.is_(True))
    return query.grouped_in(
        session, stmt, SellerPrerequisite.marketplace_id, marketplace_ids
    )


def prerequisite(
    session: Session, marketplace_id: int, code: str
) -> SellerPrerequisite | None:
    """One prerequisite of a marketplace by code (active or not)."""
    return session.scalar(
        select(SellerPrerequisite).where(
            SellerPrerequisite.marketplace_id == marketplace_id,
            SellerPrerequisite.code == code,
        )
    )


def items_of(
    session: Session, account_ids: Iterable[int]
) -> dict[int, list[SellerChecklistItem]]:
    """Each account's checklist records (one query)."""
    return query.grouped_in(
        session,
        select(SellerChecklistItem).order_by(SellerChecklistItem.id),
        SellerChecklistItem.seller_account_id,
        account_ids,
    )


def verifications_of(
    session: Session, account_ids: Iterable[int]
) -> dict[int, list[SellerVerification]]:
    """Each account's verification decisions, newest first (one query)."""
    return query.grouped_in(
        session,
        select(SellerVerification).order_by(SellerVerification.id.desc()),
        SellerVerification.seller_account_id,
        account_ids,
    )


def activity_of(session: Session, account_id: int) -> Sequence[SellerActivity]:
    """An account's months, newest first."""
    return session.scalars(
        select(SellerActivity)
        .where(SellerActivity.seller_account_id == account_id)
        .order_by(SellerActivity.month.desc())
    ).all()


def latest_activity(
    session: Session, account_ids: Iterable[int]
) -> dict[int, SellerActivity]:
    """Each account's latest reported month (one query)."""
    ids = list(account_ids)
    if not ids:
        return {}
    latest = (
        select(
            SellerActivity.seller_account_id.label("account_id"),
            func.max(SellerActivity.month).label("month"),
        )
        .where(SellerActivity.seller_account_id.in_(ids))
        .group_by(SellerActivity.seller_account_id)
        .subquery()
    )
    rows = session.scalars(
        select(SellerActivity).join(
            latest,
            (latest.c.account_id == SellerActivity.seller_account_id)
            & (latest.c.month == SellerActivity.month),
        )
    ).all()
    return {r.seller_account_id: r for r in rows}


def url_candidates(session: Session, account_id: int) -> list[str]:
    """The different shop URLs the retired storefront step held for an account
    (``step_moves`` marked ``conflict``), for a person to choose from."""
    found = session.scalars(
        select(StepMove.candidate_url)
        .where(
            StepMove.seller_account_id == account_id,
            StepMove.conflict.is_(True),
            StepMove.candidate_url.is_not(None),
        )
        .distinct()
        .order_by(StepMove.candidate_url)
    )
    return [url for url in found if url is not None]


def activity_month(
    session: Session, account_id: int, month: dt.date
) -> SellerActivity | None:
    """One month of an account, if reported."""
    return session.scalar(
        select(SellerActivity).where(
            SellerActivity.seller_account_id == account_id,
            SellerActivity.month == month,
        )
    )


def activity_rows_of(
    session: Session, account_ids: Iterable[int]
) -> dict[int, list[SellerActivity]]:
    """Each account's months, newest first (one query)."""
    return query.grouped_in(
        session,
        select(SellerActivity).order_by(SellerActivity.month.desc()),
        SellerActivity.seller_account_id,
        account_ids,
    )


def activity_of_producer(
    session: Session, producer_id: int
) -> Sequence[SellerActivity]:
    """Every month of a producer's accounts (to follow the producer when it moves)."""
    return session.scalars(
        select(SellerActivity)
        .join(SellerAccount, SellerAccount.id == SellerActivity.seller_account_id)
        .where(SellerAccount.producer_id == producer_id)
    ).all()


def first_openings(
    session: Session, account_ids: Iterable[int]
) -> dict[int, dt.datetime]:
    """When an official first approved each account's "open" claim (one query)."""
    ids = list(account_ids)
    if not ids:
        return {}
    rows = session.execute(
        select(
            SellerVerification.seller_account_id,
            func.min(SellerVerification.decided_at),
        )
        .where(
            SellerVerification.seller_account_id.in_(ids),
            SellerVerification.decision == Decision.approved,
        )
        .group_by(SellerVerification.seller_account_id)
    ).all()
    return {row[0]: row[1] for row in rows}


def flag_rules(session: Session) -> Sequence[SellerFlagRule]:
    """The flag rules in the action list's order."""
    return session.scalars(
        select(SellerFlagRule).order_by(SellerFlagRule.position, SellerFlagRule.id)
    ).all()


def flag_rule(session: Session, code: str) -> SellerFlagRule | None:
    """One flag rule by code."""
    return session.scalar(select(SellerFlagRule).where(SellerFlagRule.code == code))


# The listing step a first order is recorded on (``onboarding`` seeds it).
FIRST_ORDER_STEP = "first_order"


# --- flags ---------------------------------------------------------------------------
# Each flag is one statement, joined to what the action list shows (producer,
# hamlet, marketplace, product), limited to ``limit`` rows, oldest first.


def _in_area(column: Any, area_id: int | None, day: dt.date) -> Any:
    if area_id is None:
        return column.is_not(None)
    return column.in_(area_repository.subtree_ids(area_id, day=day))


def urls_to_choose(
    session: Session, area_id: int | None, day: dt.date, limit: int
) -> list[Any]:
    """Accounts the step migration left without a shop URL because their
    products had recorded different ones, not claimed since: (account,
    producer, hamlet, marketplace, how many URLs to choose from)."""
    candidates = func.count(func.distinct(StepMove.candidate_url))
    stmt = (
        select(SellerAccount, Producer, AdminUnit, Marketplace, candidates)
        .join(StepMove, StepMove.seller_account_id == SellerAccount.id)
        .join(Producer, Producer.id == SellerAccount.producer_id)
        .join(AdminUnit, AdminUnit.id == SellerAccount.hamlet_id)
        .join(Marketplace, Marketplace.id == SellerAccount.marketplace_id)
        .where(
            StepMove.conflict.is_(True),
            SellerAccount.shop_url.is_(None),
            or_(
                SellerAccount.claim_status.is_(None),
                SellerAccount.claim_status != ClaimStatus.pending,
            ),
            _in_area(SellerAccount.hamlet_id, area_id, day),
        )
        .group_by(SellerAccount.id, Producer.id, AdminUnit.id, Marketplace.id)
        .order_by(SellerAccount.id)
        .limit(limit)
    )
    return list(session.execute(stmt).all())


def open_without_listing(
    session: Session, area_id: int | None, day: dt.date, opened_by: dt.date, limit: int
) -> list[Any]:
    """Open shops, open since ``opened_by`` or earlier, with no live product on
    their marketplace: (account, producer, hamlet, marketplace)."""
    live = (
        select(Listing.id)
        .join(Product, Product.id == Listing.product_id)
        .where(
            Product.producer_id == SellerAccount.producer_id,
            Listing.marketplace_id == SellerAccount.marketplace_id,
            Listing.status == ListingStatus.listed,
        )
        .correlate(SellerAccount)
    )
    stmt = (
        select(SellerAccount, Producer, AdminUnit, Marketplace)
        .join(Producer, Producer.id == SellerAccount.producer_id)
        .join(AdminUnit, AdminUnit.id == SellerAccount.hamlet_id)
        .join(Marketplace, Marketplace.id == SellerAccount.marketplace_id)
        .where(
            SellerAccount.status == SellerStatus.open,
            SellerAccount.status_on <= opened_by,
            ~exists(live),
            _in_area(SellerAccount.hamlet_id, area_id, day),
        )
        .order_by(SellerAccount.status_on, SellerAccount.id)
        .limit(limit)
    )
    return list(session.execute(stmt).all())


def dormant(
    session: Session,
    area_id: int | None,
    day: dt.date,
    quiet_since: dt.date,
    limit: int,
) -> list[Any]:
    """Open shops whose last order (or, never ordered, their opening day) is on or
    before ``quiet_since``: (account, producer, hamlet, marketplace, last order)."""
    last = (
        select(
            SellerActivity.seller_account_id.label("account_id"),
            func.max(SellerActivity.last_order_on).label("last_order_on"),
        )
        .group_by(SellerActivity.seller_account_id)
        .subquery()
    )
    since = func.coalesce(last.c.last_order_on, SellerAccount.status_on)
    stmt = (
        select(SellerAccount, Producer, AdminUnit, Marketplace, last.c.last_order_on)
        .join(Producer, Producer.id == SellerAccount.producer_id)
        .join(AdminUnit, AdminUnit.id == SellerAccount.hamlet_id)
        .join(Marketplace, Marketplace.id == SellerAccount.marketplace_id)
        .outerjoin(last, last.c.account_id == SellerAccount.id)
        .where(
            SellerAccount.status == SellerStatus.open,
            since <= quiet_since,
            _in_area(SellerAccount.hamlet_id, area_id, day),
        )
        .order_by(since, SellerAccount.id)
        .limit(limit)
    )
    return list(session.execute(stmt).all())


def live_without_first_order(
    session: Session,
    area_id: int | None,
    day: dt.date,
    live_before: dt.datetime,
    limit: int,
) -> list[Any]:
    """Listings live (verified) before ``live_before`` whose first-order step is
    not done: (listing, product, producer, hamlet, marketplace)."""
    done = (
        select(StepRecord.id)
        .where(
            StepRecord.listing_id == Listing.id,
            StepRecord.step_code == FIRST_ORDER_STEP,
            StepRecord.status == StepStatus.done,
        )
        .correlate(Listing)
    )
    stmt = (
        select(Listing, Product, Producer, AdminUnit, Marketplace)
        .join(Product, Product.id == Listing.product_id)
        .join(Producer, Producer.id == Product.producer_id)
        .join(AdminUnit, AdminUnit.id == Listing.hamlet_id)
        .join(Marketplace, Marketplace.id == Listing.marketplace_id)
        .where(
            Listing.status == ListingStatus.listed,
            Listing.verified_at.is_not(None),
            Listing.verified_at < live_before,
            ~exists(done),
            _in_area(Listing.hamlet_id, area_id, day),
        )
        .order_by(Listing.verified_at, Listing.id)
        .limit(limit)
    )
    return list(session.execute(stmt).all())


# --- the activity import's lookups (each one statement) -------------------------------


def producers_matching(
    session: Session, ids: Iterable[int], names: Iterable[str]
) -> list[tuple[Producer, AdminUnit]]:
    """Producers by id or by exact name, with their hamlet."""
    id_list, name_list = list(ids), list(names)
    if not id_list and not name_list:
        return []
    stmt = (
        select(Producer, AdminUnit)
        .join(AdminUnit, AdminUnit.id == Producer.hamlet_id)
        .where(Producer.id.in_(id_list) | Producer.name.in_(name_list))
        .order_by(Producer.id)
    )
    return [(p, h) for p, h in session.execute(stmt).all()]


def accounts_of_producers(
    session: Session, producer_ids: Iterable[int]
) -> list[SellerAccount]:
    """Every seller account of these producers."""
    return list(
        query.all_in(
            session,
            select(SellerAccount).order_by(SellerAccount.id),
            SellerAccount.producer_id,
            list(producer_ids),
        )
    )


def marketplaces(session: Session) -> Sequence[Marketplace]:
    """Every marketplace."""
    return session.scalars(select(Marketplace).order_by(Marketplace.id)).all()
