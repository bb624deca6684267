"""Reads of the flags: shops and listings the action list points at, by the
rules admins keep as data (``SellerFlagRule``).

- ``shop_no_listing``: a shop open N days or more with no live product on its
  marketplace (N from its opening day, ``status_on``);
- ``dormant_shop``: an open shop with no order for N days — counted from the
  latest ``last_order_on`` its months report, or from its opening day when it
  never reported an order;
- ``no_first_order``: a listing live (verified) N days or more whose "first
  order" step is not done.

A rule turned off flags nothing. One statement per rule (plus one for the
rules), scoped to the area asked for, which the reader must see. Nothing here
writes.
"""

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import Session

from ocop_tracker.areas.models import AdminUnit
from ocop_tracker.auth.scope import ensure_visible, sees_everything
from ocop_tracker.core.clock import start_of_day, vn_date
from ocop_tracker.onboarding.models import Marketplace
from ocop_tracker.producers.models import Producer
from ocop_tracker.sellers import repository
from ocop_tracker.users.models import User

SHOP_NO_LISTING = "shop_no_listing"
DORMANT_SHOP = "dormant_shop"
NO_FIRST_ORDER = "no_first_order"
LIMIT = 100


@dataclass(frozen=True)
class Flag:
    """One flagged shop (``seller_account_id``) or listing (``listing_id``)."""

    code: str
    producer_id: int
    producer: str
    hamlet: str
    marketplace: str  # its domain
    days: int  # since the shop opened, its last order, or the listing went live
    since: dt.date
    seller_account_id: int | None = None
    listing_id: int | None = None
    product_id: int | None = None
    product: str | None = None
    last_order_on: dt.date | None = None


@dataclass(frozen=True)
class FlagSection:
    """A rule and what it flags, oldest first."""

    code: str
    label: str
    days: int  # the rule's N
    items: list[Flag] = field(default_factory=list)


def sections(
    session: Session,
    actor: User,
    area_id: int | None,
    today: dt.date,
    *,
    limit: int = LIMIT,
) -> list[FlagSection]:
    """Every active rule with what it flags in the area (None: the actor's own;
    the whole country for those who see everything)."""
    readable, area = _area(session, actor, area_id)
    if not readable:
        return []
    out = []
    for rule in repository.flag_rules(session):
        if not rule.is_active:
            continue
        found = _flagged(session, rule.code, rule.days, area, today, limit)
        out.append(FlagSection(rule.code, rule.label, rule.days, found))
    return out


@dataclass(frozen=True)
class UrlChoice:
    """A shop whose URL a person must choose among what its products recorded."""

    seller_account_id: int
    producer_id: int
    producer: str
    hamlet: str
    marketplace: str  # its domain
    candidates: int


def url_choices(
    session: Session,
    actor: User,
    area_id: int | None,
    today: dt.date,
    *,
    limit: int = LIMIT,
) -> list[UrlChoice]:
    """Shops left without a URL by the step migration (``StepMove.conflict``),
    in the area (None: as ``sections``)."""
    readable, area = _area(session, actor, area_id)
    if not readable:
        return []
    return [
        UrlChoice(a.id, p.id, p.name, h.name, m.domain, n)
        for a, p, h, m, n in repository.urls_to_choose(session, area, today, limit)
    ]


def _area(
    session: Session, actor: User, area_id: int | None
) -> tuple[bool, int | None]:
    """Whether the actor has an area to read, and which (None: the whole country)."""
    if area_id is None and not sees_everything(actor):
        if actor.area_id is None:
            return False, None
        area_id = actor.area_id
    if area_id is not None and area_id != actor.area_id:
        ensure_visible(session, actor, area_id, "địa bàn")
    return True, area_id


def flags(
    session: Session, actor: User, area_id: int | None, today: dt.date
) -> list[Flag]:
    """Each flagged shop or listing in the area, rule by rule, oldest first."""
    return [f for s in sections(session, actor, area_id, today) for f in s.items]


def _flagged(
    session: Session,
    code: str,
    days: int,
    area: int | None,
    today: dt.date,
    limit: int,
) -> list[Flag]:
    cutoff = today - dt.timedelta(days=days)
    if code == SHOP_NO_LISTING:
        return [
            _flag(code, today, a.status_on, p, h, m, seller_account_id=a.id)
            for a, p, h, m in repository.open_without_listing(
                session, area, today, cutoff, limit
            )
        ]
    if code == DORMANT_SHOP:
        return [
            _flag(
                code,
                today,
                last or a.status_on,
                p,
                h,
                m,
                seller_account_id=a.id,
                last_order_on=last,
            )
            for a, p, h, m, last in repository.dormant(
                session, area, today, cutoff, limit
            )
        ]
    if code == NO_FIRST_ORDER:
        # Live N full days: verified before the start of the day after the cutoff.
        before = start_of_day(cutoff + dt.timedelta(days=1))
        out = []
        for x, product, p, h, m in repository.live_without_first_order(
            session, area, today, before, limit
        ):
            assert x.verified_at is not None  # the statement asks for it
            out.append(
                _flag(
                    code,
                    today,
                    vn_date(x.verified_at),
                    p,
                    h,
                    m,
                    listing_id=x.id,
                    product_id=product.id,
                    product=product.name,
                )
            )
        return out
    return []


def _flag(
    code: str,
    today: dt.date,
    since: dt.date,
    producer: Producer,
    hamlet: AdminUnit,
    market: Marketplace,
    **subject: Any,
) -> Flag:
    """A flag of the producer's shop or listing, ``since`` days counted to ``today``;
    ``subject`` names the shop or listing (``Flag``'s optional fields)."""
    return Flag(
        code=code,
        producer_id=producer.id,
        producer=producer.name,
        hamlet=hamlet.name,
        marketplace=market.domain,
        days=(today - since).days,
        since=since,
        **subject,
    )
