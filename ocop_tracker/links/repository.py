"""Every SQL statement of the link check."""

import datetime as dt
from collections.abc import Sequence
from typing import Any

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from ocop_tracker.areas import repository as area_repository
from ocop_tracker.areas.models import AdminUnit
from ocop_tracker.links.models import LinkCheck, SubjectKind
from ocop_tracker.onboarding.models import Listing, ListingStatus, Marketplace
from ocop_tracker.producers.models import Producer
from ocop_tracker.products.models import Product
from ocop_tracker.sellers.models import SellerAccount, SellerStatus

NATION = 0  # reports.models.NATION: the whole country


def _due(check_url: Any, day: dt.date) -> Any:
    return or_(
        LinkCheck.id.is_(None),
        LinkCheck.checked_on < day,
        LinkCheck.url != check_url,
    )


def due_shops(session: Session, day: dt.date, limit: int) -> list[Any]:
    """Open seller accounts with a shop URL not yet checked today, oldest check first:
    ``(account id, hamlet id, marketplace id, domain, shop URL, last checked day)``."""
    stmt = (
        select(
            SellerAccount.id,
            SellerAccount.hamlet_id,
            Marketplace.id,
            Marketplace.domain,
            SellerAccount.shop_url,
            LinkCheck.checked_on,
        )
        .join(Marketplace, Marketplace.id == SellerAccount.marketplace_id)
        .outerjoin(
            LinkCheck,
            (LinkCheck.subject_kind == SubjectKind.shop)
            & (LinkCheck.subject_id == SellerAccount.id),
        )
        .where(
            SellerAccount.status == SellerStatus.open,
            SellerAccount.shop_url.is_not(None),
            Marketplace.is_active.is_(True),
            _due(SellerAccount.shop_url, day),
        )
        .order_by(
            LinkCheck.checked_on.is_not(None), LinkCheck.checked_on, SellerAccount.id
        )
        .limit(limit)
    )
    return list(session.execute(stmt).all())


def due_listings(session: Session, day: dt.date, limit: int) -> list[Any]:
    """Listed (verified, live) listings with a product URL not yet checked today,
    oldest check first, shaped like ``due_shops``."""
    stmt = (
        select(
            Listing.id,
            Listing.hamlet_id,
            Marketplace.id,
            Marketplace.domain,
            Listing.listing_url,
            LinkCheck.checked_on,
        )
        .join(Marketplace, Marketplace.id == Listing.marketplace_id)
        .outerjoin(
            LinkCheck,
            (LinkCheck.subject_kind == SubjectKind.listing)
            & (LinkCheck.subject_id == Listing.id),
        )
        .where(
            Listing.status == ListingStatus.listed,
            Listing.listing_url.is_not(None),
            Marketplace.is_active.is_(True),
            _due(Listing.listing_url, day),
        )
        .order_by(LinkCheck.checked_on.is_not(None), LinkCheck.checked_on, Listing.id)
        .limit(limit)
    )
    return list(session.execute(stmt).all())


def check_of(session: Session, kind: SubjectKind, subject_id: int) -> LinkCheck | None:
    """The check row of one subject."""
    return session.scalars(
        select(LinkCheck).where(
            LinkCheck.subject_kind == kind, LinkCheck.subject_id == subject_id
        )
    ).one_or_none()


def claim(
    session: Session, row_id: int, url: str, day: dt.date, values: dict[str, object]
) -> bool:
    """Write ``values`` (the day first) to a row not yet checked on ``day`` at
    ``url``; True when this call did (one UPDATE decides between two workers)."""
    result = session.execute(
        update(LinkCheck)
        .where(
            LinkCheck.id == row_id,
            or_(LinkCheck.checked_on < day, LinkCheck.url != url),
        )
        .values(values)
        .execution_options(synchronize_session=False)
    )
    return bool(getattr(result, "rowcount", 0))


def flagged(
    session: Session,
    area_id: int,
    day: dt.date,
    *,
    hamlet_id: int | None,
    marketplace_id: int | None,
    min_bad: int,
    limit: int,
) -> list[Any]:
    """Flagged checks whose subject is still live at the URL checked, in an area:
    ``(check, name, owner id, marketplace domain, hamlet name)``, oldest first."""

    # Scoped by the subject's hamlet now (the copy in the check may be a day old).
    def scoped(stmt: Any, hamlet: Any) -> Any:
        if area_id != NATION:
            stmt = stmt.where(hamlet.in_(area_repository.subtree_ids(area_id, day=day)))
        if hamlet_id is not None:
            stmt = stmt.where(
                hamlet.in_(area_repository.subtree_ids(hamlet_id, day=day))
            )
        if marketplace_id is not None:
            stmt = stmt.where(LinkCheck.marketplace_id == marketplace_id)
        return stmt.where(LinkCheck.bad_count >= min_bad)

    listings = scoped(
        select(LinkCheck, Product.name, Product.id, Marketplace.domain, AdminUnit.name)
        .join(
            Listing,
            (LinkCheck.subject_kind == SubjectKind.listing)
            & (Listing.id == LinkCheck.subject_id),
        )
        .join(Product, Product.id == Listing.product_id)
        .join(Marketplace, Marketplace.id == LinkCheck.marketplace_id)
        .join(AdminUnit, AdminUnit.id == Listing.hamlet_id)
        .where(
            Listing.status == ListingStatus.listed, Listing.listing_url == LinkCheck.url
        ),
        Listing.hamlet_id,
    )
    shops = scoped(
        select(
            LinkCheck, Producer.name, Producer.id, Marketplace.domain, AdminUnit.name
        )
        .join(
            SellerAccount,
            (LinkCheck.subject_kind == SubjectKind.shop)
            & (SellerAccount.id == LinkCheck.subject_id),
        )
        .join(Producer, Producer.id == SellerAccount.producer_id)
        .join(Marketplace, Marketplace.id == LinkCheck.marketplace_id)
        .join(AdminUnit, AdminUnit.id == SellerAccount.hamlet_id)
        .where(
            SellerAccount.status == SellerStatus.open,
            SellerAccount.shop_url == LinkCheck.url,
        ),
        SellerAccount.hamlet_id,
    )
    rows: list[Sequence[Any]] = []
    for stmt in (shops, listings):
        rows.extend(
            session.execute(
                stmt.order_by(LinkCheck.first_bad_on, LinkCheck.id).limit(limit)
            ).all()
        )
    rows.sort(key=lambda r: (r[0].first_bad_on or day, r[0].id))
    return rows[:limit]
