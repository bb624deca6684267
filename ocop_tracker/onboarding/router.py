"""JSON API of onboarding: marketplaces (data), listings, their steps and verification."""

from typing import Annotated

from fastapi import APIRouter, Body, Query
from fastapi import status as http_status
from sqlalchemy.orm import Session

from ocop_tracker.auth.deps import CurrentPrincipal, Principal, require_roles
from ocop_tracker.core.db import SessionDep
from ocop_tracker.core.schemas import (
    IsoDate,
    Limit,
    Offset,
    Page,
    SortOrder,
    UnderArea,
    WholeNumber,
)
from ocop_tracker.onboarding import marketplaces
from ocop_tracker.onboarding import service as onboarding_service
from ocop_tracker.onboarding import views as onboarding_views
from ocop_tracker.onboarding.models import ListingStatus, Marketplace, MarketplaceStep
from ocop_tracker.onboarding.schemas import (
    DelistCreate,
    ListingCreate,
    ListingRead,
    ListingSteps,
    MarketplaceCreate,
    MarketplaceRead,
    MarketplaceStepCreate,
    MarketplaceStepRead,
    MarketplaceStepUrlRule,
    RelistCreate,
    SortField,
    StepBlock,
    StepRecordCreate,
    StepUnblock,
    VerificationCreate,
    VerificationRead,
)
from ocop_tracker.photos import readiness as photo_readiness
from ocop_tracker.users.models import Role

# Created without a prefix (api.py includes it under /api/v1): paths are written in full.
router = APIRouter(tags=["onboarding"])
Admin = Annotated[Principal, require_roles(Role.admin)]
AsOf = Annotated[
    IsoDate | None,
    Query(description="State at the end of this day (Vietnam time), from the trail"),
]


def _marketplace(market: Marketplace, steps: list[MarketplaceStep]) -> MarketplaceRead:
    return MarketplaceRead.from_object(
        market, steps=[MarketplaceStepRead.model_validate(s) for s in steps]
    )


def _marketplace_now(session: Session, market: Marketplace) -> MarketplaceRead:
    return _marketplace(market, marketplaces.steps(session, market.id))


@router.get("/marketplaces")
def list_marketplaces(
    session: SessionDep, principal: CurrentPrincipal
) -> list[MarketplaceRead]:
    """Every marketplace with its onboarding steps in order."""
    return [_marketplace(m, s) for m, s in marketplaces.list_marketplaces(session)]


@router.post("/marketplaces", status_code=http_status.HTTP_201_CREATED)
def create_marketplace(
    session: SessionDep, principal: Admin, body: MarketplaceCreate
) -> MarketplaceRead:
    """Add a marketplace and, optionally, its steps in order (admin)."""
    market = marketplaces.create_marketplace(
        session,
        principal.user,
        code=body.code,
        name=body.name,
        domain=body.domain,
        new_steps=[
            (
                s.code,
                s.name,
                s.evidence.value if s.evidence else None,
                s.url_pattern,
                s.url_example,
            )
            for s in body.steps
        ],
    )
    return _marketplace_now(session, market)


@router.post(
    "/marketplaces/{marketplace_id}/steps", status_code=http_status.HTTP_201_CREATED
)
def add_marketplace_step(
    session: SessionDep,
    principal: Admin,
    marketplace_id: int,
    body: MarketplaceStepCreate,
) -> MarketplaceRead:
    """Append a step to a marketplace's onboarding (admin)."""
    market = marketplaces.get(session, marketplace_id)
    # JSON mode: the evidence kind as its value, as the marketplace stores it.
    marketplaces.add_step(
        session, principal.user, market, **body.model_dump(mode="json")
    )
    return _marketplace_now(session, market)


@router.put("/marketplaces/{marketplace_id}/steps/{step_code}/url-rule")
def set_step_url_rule(
    session: SessionDep,
    principal: Admin,
    marketplace_id: int,
    step_code: str,
    body: MarketplaceStepUrlRule,
) -> MarketplaceRead:
    """Set what an evidence URL of a step must look like: a path pattern and an example (admin)."""
    market = marketplaces.get(session, marketplace_id)
    marketplaces.set_url_rule(
        session, principal.user, market, code=step_code, **body.model_dump()
    )
    return _marketplace_now(session, market)


@router.get("/listings")
def list_listings(
    session: SessionDep,
    principal: CurrentPrincipal,
    area_id: UnderArea = None,
    product_id: WholeNumber | None = None,
    marketplace: Annotated[
        str | None, Query(max_length=30, description="Marketplace id or code")
    ] = None,
    status: ListingStatus | None = None,
    next_step: Annotated[str | None, Query(max_length=30)] = None,
    verified: Annotated[
        bool | None, Query(description="True: verified and live (status listed)")
    ] = None,
    sort: SortField = SortField.updated_at,
    order: SortOrder = SortOrder.desc,
    limit: Limit = 50,
    offset: Offset = 0,
    as_of: AsOf = None,
) -> Page[ListingRead]:
    """Listings inside the caller's area; ``status=awaiting_verification`` is the queue."""
    items, total = onboarding_views.list_listings(
        session,
        principal.user,
        area_id=area_id,
        product_id=product_id,
        marketplace=marketplace,
        status=status,
        next_step=next_step,
        verified=verified,
        sort=sort,
        order=order,
        limit=limit,
        offset=offset,
        as_of=as_of,
    )
    return Page[ListingRead](items=items, total=total, limit=limit, offset=offset)


@router.post("/listings", status_code=http_status.HTTP_201_CREATED)
def create_listing(
    session: SessionDep, principal: CurrentPrincipal, body: ListingCreate
) -> ListingRead:
    """Start a product's onboarding on a marketplace (409 if it already has one).

    The "photos" step is recorded at once when the product's photos already
    meet the marketplace's rule.
    """
    listing = photo_readiness.open_listing(session, principal.user, **body.model_dump())
    return onboarding_views.read(session, listing)


@router.get("/listings/{listing_id}")
def get_listing(
    session: SessionDep,
    principal: CurrentPrincipal,
    listing_id: int,
    as_of: AsOf = None,
) -> ListingRead:
    """One listing, now or as it stood at the end of ``as_of``."""
    if as_of is not None:
        return onboarding_views.read_as_of(session, principal.user, listing_id, as_of)
    listing = onboarding_views.get_listing(session, principal.user, listing_id)
    return onboarding_views.read(session, listing)


@router.get("/listings/{listing_id}/steps")
def list_steps(
    session: SessionDep,
    principal: CurrentPrincipal,
    listing_id: int,
    as_of: AsOf = None,
) -> ListingSteps:
    """Every step of the listing's marketplace with what was recorded, in order."""
    listing = onboarding_views.get_listing(session, principal.user, listing_id)
    return onboarding_views.steps_view(session, principal.user, listing, as_of=as_of)


@router.post("/listings/{listing_id}/steps")
def record_step(
    session: SessionDep,
    principal: CurrentPrincipal,
    listing_id: int,
    body: StepRecordCreate,
) -> ListingSteps:
    """Record a step as done with its evidence (steps go in order)."""
    listing = onboarding_views.get_listing(session, principal.user, listing_id)
    onboarding_service.record_step(
        session, principal.user, listing, **body.model_dump()
    )
    return onboarding_views.steps_view(session, principal.user, listing)


@router.post("/listings/{listing_id}/steps/{step}/block")
def block_step(
    session: SessionDep,
    principal: CurrentPrincipal,
    listing_id: int,
    step: str,
    body: StepBlock,
) -> ListingSteps:
    """Block a step with a reason; progress waits until it is unblocked."""
    listing = onboarding_views.get_listing(session, principal.user, listing_id)
    onboarding_service.block_step(
        session, principal.user, listing, step=step, **body.model_dump()
    )
    return onboarding_views.steps_view(session, principal.user, listing)


@router.post("/listings/{listing_id}/steps/{step}/unblock")
def unblock_step(
    session: SessionDep,
    principal: CurrentPrincipal,
    listing_id: int,
    step: str,
    body: Annotated[StepUnblock | None, Body()] = None,
) -> ListingSteps:
    """Lift a step's block (send the listing's ``version`` to avoid lost edits)."""
    listing = onboarding_views.get_listing(session, principal.user, listing_id)
    photo_readiness.unblock_step(
        session,
        principal.user,
        listing,
        step=step,
        version=body.version if body else None,
    )
    return onboarding_views.steps_view(session, principal.user, listing)


@router.get("/listings/{listing_id}/verification")
def list_verifications(
    session: SessionDep,
    principal: CurrentPrincipal,
    listing_id: int,
    as_of: AsOf = None,
) -> list[VerificationRead]:
    """The listing's verification decisions, newest first (with rejection comments)."""
    listing = onboarding_views.get_listing(session, principal.user, listing_id)
    return [
        VerificationRead.model_validate(v)
        for v in onboarding_views.verifications(
            session, principal.user, listing, as_of=as_of
        )
    ]


@router.post("/listings/{listing_id}/verification")
def verify_listing(
    session: SessionDep,
    principal: CurrentPrincipal,
    listing_id: int,
    body: VerificationCreate,
) -> ListingRead:
    """Approve a "listed" claim, or reject it with a comment (never one's own claim)."""
    listing = onboarding_views.get_listing(session, principal.user, listing_id)
    onboarding_service.verify(session, principal.user, listing, **body.model_dump())
    return onboarding_views.read(session, listing)


@router.post("/listings/{listing_id}/delist")
def delist_listing(
    session: SessionDep,
    principal: CurrentPrincipal,
    listing_id: int,
    body: DelistCreate,
) -> ListingRead:
    """Record that a live listing went down, with the date and the reason."""
    listing = onboarding_views.get_listing(session, principal.user, listing_id)
    onboarding_service.delist(
        session,
        principal.user,
        listing,
        on=body.date,
        reason=body.reason,
        version=body.version,
    )
    return onboarding_views.read(session, listing)


@router.post("/listings/{listing_id}/relist")
def relist_listing(
    session: SessionDep,
    principal: CurrentPrincipal,
    listing_id: int,
    body: RelistCreate,
) -> ListingRead:
    """Bring a delisted listing back: in progress again, its claim to make and verify anew."""
    listing = onboarding_views.get_listing(session, principal.user, listing_id)
    photo_readiness.relist(session, principal.user, listing, version=body.version)
    return onboarding_views.read(session, listing)
