"""Every SQL statement of the link check."""

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, or_, select, update
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


@dataclass(frozen=True)
class _Subject:
    """What the check watches of a kind of subject: its URL, while it is live,
    and who owns it (the producer of a shop, the product of a listing)."""

    kind: SubjectKind
    model: type[SellerAccount] | type[Listing]
    url: Any
    live: ColumnElement[bool]
    owner: type[Producer] | type[Product]
    owner_id: Any


_SHOPS = _Subject(
    SubjectKind.shop,
    SellerAccount,
    SellerAccount.shop_url,
    SellerAccount.status == SellerStatus.open,
    Producer,
    SellerAccount.producer_id,
)
_LISTINGS = _Subject(
    SubjectKind.listing,
    Listing,
    Listing.listing_url,
    Listing.status == ListingStatus.listed,
    Product,
    Listing.product_id,
)


def due_shops(session: Session, day: dt.date, limit: int) -> list[Any]:
    """Open seller accounts with a shop URL not yet checked today, oldest check first:
    ``(account id, hamlet id, marketplace id, domain, shop URL, last checked day)``."""
    return _due_rows(session, _SHOPS, day, limit)


def due_listings(session: Session, day: dt.date, limit: int) -> list[Any]:
    """Listed (verified, live) listings with a product URL not yet checked today,
    oldest check first, shaped like ``due_shops``."""
    return _due_rows(session, _LISTINGS, day, limit)


def _due_rows(
    session: Session, subject: _Subject, day: dt.date, limit: int
) -> list[Any]:
    """The live subjects of a kind with a URL due a check on ``day`` on an
    active marketplace, oldest check first."""
    model, url = subject.model, subject.url
    stmt = (
        select(
            model.id,
            model.hamlet_id,
            Marketplace.id,
            Marketplace.domain,
            url,
            LinkCheck.checked_on,
        )
        .join(Marketplace, Marketplace.id == model.marketplace_id)
        .outerjoin(
            LinkCheck,
            (LinkCheck.subject_kind == subject.kind)
            & (LinkCheck.subject_id == model.id),
        )
        .where(
            subject.live,
            url.is_not(None),
            Marketplace.is_active.is_(True),
            _due(url, day),
        )
        .order_by(LinkCheck.checked_on.is_not(None), LinkCheck.checked_on, model.id)
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

    rows: list[Sequence[Any]] = []
    for subject in (_SHOPS, _LISTINGS):
        stmt = scoped(_flagged_of(subject), subject.model.hamlet_id)
        rows.extend(
            session.execute(
                stmt.order_by(LinkCheck.first_bad_on, LinkCheck.id).limit(limit)
            ).all()
        )
    rows.sort(key=lambda r: (r[0].first_bad_on or day, r[0].id))
    return rows[:limit]


def _flagged_of(subject: _Subject) -> Any:
    """The checks of a kind whose subject is still live at the URL checked:
    ``(check, owner name, owner id, marketplace domain, hamlet name)``."""
    model, owner = subject.model, subject.owner
    return (
        select(LinkCheck, owner.name, owner.id, Marketplace.domain, AdminUnit.name)
        .join(
            model,
            (LinkCheck.subject_kind == subject.kind)
            & (model.id == LinkCheck.subject_id),
        )
        .join(owner, owner.id == subject.owner_id)
        .join(Marketplace, Marketplace.id == LinkCheck.marketplace_id)
        .join(AdminUnit, AdminUnit.id == model.hamlet_id)
        .where(subject.live, subject.url == LinkCheck.url)
    )
