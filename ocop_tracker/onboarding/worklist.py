"""The team's worklist: the products of an area with their state on every
marketplace, those needing the team's action first.

Reads only. A worklist of any length costs the same few queries: the page of
products, their listings, the blocked steps of those listings, the marketplaces
with their steps and the hamlets' names, each one query for all of them, each
inside the caller's area (``auth/scope.py``).
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

from sqlalchemy.orm import Session

from ocop_tracker.auth.scope import ensure_area_readable
from ocop_tracker.onboarding import marketplaces, repository
from ocop_tracker.onboarding import views as onboarding_views
from ocop_tracker.onboarding.models import ListingStatus, Marketplace, MarketplaceStep
from ocop_tracker.producers import views as producer_views
from ocop_tracker.products import views as product_views
from ocop_tracker.users.models import User

# Keeps the page under 60 KB; a larger area narrows by hamlet or search.
WORKLIST_LIMIT = 60
# Lower ranks need the team's action sooner; the worklist shows them first.
RANK_REJECTED, RANK_BLOCKED, RANK_DELISTED, RANK_DOING, RANK_NONE = 0, 1, 2, 3, 4
RANK_WAITING, RANK_LISTED = 5, 6
STATUS_RANK: Mapping[ListingStatus, int] = {
    ListingStatus.rejected: RANK_REJECTED,
    ListingStatus.delisted: RANK_DELISTED,
    ListingStatus.in_progress: RANK_DOING,
    ListingStatus.awaiting_verification: RANK_WAITING,
    ListingStatus.listed: RANK_LISTED,
}
# Listings whose blocked steps the team must see (a block waits for the team).
_MAY_BE_BLOCKED = frozenset({ListingStatus.in_progress, ListingStatus.rejected})


class ListingLike(Protocol):
    """What a state is read from: a listing row or its API view."""

    @property
    def id(self) -> int: ...

    @property
    def status(self) -> ListingStatus: ...

    @property
    def marketplace_id(self) -> int: ...

    @property
    def next_step(self) -> str | None: ...


@dataclass(frozen=True)
class MarketState:
    """One product on one marketplace, for the team.

    ``kind`` is "none" (not started), "blocked", "doing" (in progress, ``step``
    next) or the listing's status; ``step`` names the blocked or next step.
    """

    market: Marketplace
    kind: str
    rank: int
    status: ListingStatus | None = None
    step: str | None = None


@dataclass(frozen=True)
class WorkRow:
    """A product of the worklist with its state on every marketplace."""

    product: product_views.ProductView
    hamlet: str
    markets: list[MarketState]
    rank: int


@dataclass(frozen=True)
class Worklist:
    """One page of the worklist, ranked, and how many products match in all."""

    rows: list[WorkRow]
    total: int


def market_state(
    market: Marketplace,
    listing: ListingLike | None,
    step_names: Mapping[tuple[int, str], str],
    blocked: Sequence[str] = (),
) -> MarketState:
    """What a product's listing on one marketplace means for the team (no query).

    ``blocked`` are the listing's blocked step codes, in the order they were recorded.
    """
    if listing is None:
        return MarketState(market, "none", RANK_NONE)
    status = listing.status
    if status in _MAY_BE_BLOCKED and blocked:
        name = step_names.get((market.id, blocked[0]), blocked[0])
        return MarketState(market, "blocked", RANK_BLOCKED, status, name)
    if status is ListingStatus.in_progress:
        code = listing.next_step or ""
        name = step_names.get((market.id, code), code)
        return MarketState(market, "doing", RANK_DOING, status, name)
    return MarketState(market, status.value, STATUS_RANK[status], status)


def step_names(
    markets: Sequence[tuple[Marketplace, Sequence[MarketplaceStep]]],
) -> dict[tuple[int, str], str]:
    """Each step's name by (marketplace id, step code)."""
    return {(m.id, s.code): s.name for m, steps in markets for s in steps}


def product_states(
    session: Session, actor: User, listings: Sequence[ListingLike]
) -> dict[int, MarketState]:
    """A product's state on every marketplace, by marketplace id, from its listings.

    ``listings`` are the product's (the caller has read them); their blocked
    steps are read in one query.
    """
    markets = marketplaces.list_marketplaces(session)
    names = step_names(markets)
    blocked = _blocked(session, actor, listings)
    by_market = {lst.marketplace_id: lst for lst in listings}
    return {
        m.id: market_state(
            m,
            by_market.get(m.id),
            names,
            blocked.get(by_market[m.id].id, []) if m.id in by_market else [],
        )
        for m, _ in markets
    }


def states_of_products(
    session: Session, actor: User, product_ids: Sequence[int]
) -> dict[int, list[MarketState]]:
    """Each product's state on every active marketplace (and any other it has a
    listing on), by product id, in the same few queries whatever their number."""
    listings = repository.listings_of_products(session, actor, product_ids)
    by_pair = {(lst.product_id, lst.marketplace_id): lst for lst in listings}
    all_markets = marketplaces.list_marketplaces(session)
    names = step_names(all_markets)
    blocked = _blocked(session, actor, listings)
    states: dict[int, list[MarketState]] = {}
    for product_id in product_ids:
        row = []
        for m, _ in all_markets:
            listing = by_pair.get((product_id, m.id))
            if listing is None and not m.is_active:
                continue
            codes = blocked.get(listing.id, []) if listing is not None else []
            row.append(market_state(m, listing, names, codes))
        states[product_id] = row
    return states


def worklist(
    session: Session,
    actor: User,
    *,
    area_id: int | None = None,
    q: str | None = None,
    limit: int = WORKLIST_LIMIT,
) -> Worklist:
    """The products of the actor's area (or ``area_id`` inside it) matching ``q``,
    those needing action first: rejected, blocked, delisted, in progress, not
    started, waiting for verification, listed; then by name.

    An ``area_id`` outside the actor's area is a 404, as if it did not exist.
    """
    if area_id is not None:
        ensure_area_readable(session, actor, area_id)
    products, total = product_views.list_products(
        session, actor, area_id=area_id, q=q, limit=limit
    )
    listings = repository.listings_of_products(session, actor, [p.id for p in products])
    by_pair = {(lst.product_id, lst.marketplace_id): lst for lst in listings}
    all_markets = marketplaces.list_marketplaces(session)
    markets = [m for m, _ in all_markets if m.is_active]
    names = step_names(all_markets)
    blocked = _blocked(session, actor, listings)
    hamlets = producer_views.hamlet_names(session, products)
    rows = []
    for p in products:
        states = []
        for m in markets:
            listing = by_pair.get((p.id, m.id))
            codes = blocked.get(listing.id, []) if listing is not None else []
            states.append(market_state(m, listing, names, codes))
        rows.append(
            WorkRow(
                product=p,
                hamlet=hamlets.get(p.hamlet_id, ""),
                markets=states,
                rank=min((s.rank for s in states), default=RANK_NONE),
            )
        )
    rows.sort(key=lambda r: (r.rank, r.product.search_key, r.product.id))
    return Worklist(rows, total)


def _blocked(
    session: Session, actor: User, listings: Sequence[ListingLike]
) -> dict[int, list[str]]:
    ids = [lst.id for lst in listings if lst.status in _MAY_BE_BLOCKED]
    return onboarding_views.blocked_steps(session, actor, ids)
