"""The verification queue: officials approve or reject the claims of their area —
products "listed" on a marketplace, and shops "opened" (seller accounts)."""

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import partial
from typing import Annotated, ClassVar

from fastapi import APIRouter, Form, Request
from pydantic import Field
from sqlalchemy.orm import Session
from starlette.responses import Response

from ocop_tracker.areas import views as area_views
from ocop_tracker.auth.deps import Principal, require_roles
from ocop_tracker.core.db import SessionDep
from ocop_tracker.core.errors import AppError
from ocop_tracker.core.schemas import SortOrder
from ocop_tracker.onboarding import marketplaces
from ocop_tracker.onboarding import service as onboarding_service
from ocop_tracker.onboarding import views as onboarding_views
from ocop_tracker.onboarding.models import Decision, ListingStatus, Marketplace
from ocop_tracker.onboarding.schemas import ListingRead, SortField
from ocop_tracker.onboarding.workflow import CLAIM_STEP
from ocop_tracker.sellers import service as seller_service
from ocop_tracker.sellers import views as seller_views
from ocop_tracker.sellers.schemas import SellerAccountRead
from ocop_tracker.users import views as user_views
from ocop_tracker.users.models import Role
from ocop_tracker.web.forms import TypedForm
from ocop_tracker.web.refused import submit
from ocop_tracker.web.render import local_time, render_form

router = APIRouter(include_in_schema=False)
# Two forms a row: 30 rows keep the page under 60 KB; verified rows leave the queue.
QUEUE_LIMIT = 30
# The notice after a decision, on a listing or on a shop.
LISTING_NOTICES = {
    Decision.approved: "listing_approved",
    Decision.rejected: "listing_rejected",
}
SHOP_NOTICES = {Decision.approved: "shop_approved", Decision.rejected: "shop_rejected"}

Verifier = Annotated[
    Principal, require_roles(Role.admin, Role.department, Role.official)
]


@dataclass(frozen=True)
class Claim:
    """A listing awaiting verification, with who claimed it and when."""

    listing: ListingRead
    market: Marketplace
    hamlet: str
    claimed_by: str
    claimed_at: str


@dataclass(frozen=True)
class ShopClaim:
    """A shop opening awaiting verification, with who claimed it and when."""

    account: SellerAccountRead
    market: Marketplace
    producer: str
    claimed_by: str
    claimed_at: str


def _shop_claims(
    session: Session, principal: Principal, markets: Mapping[int, Marketplace]
) -> tuple[list[ShopClaim], int]:
    reads, total = seller_views.pending_claims(
        session, principal.user, limit=QUEUE_LIMIT
    )
    producers = seller_views.producer_names(session, reads)
    people = user_views.display_names(session, [r.claimed_by_id for r in reads])
    return [
        ShopClaim(
            account=r,
            market=markets[r.marketplace_id],
            producer=producers.get(r.producer_id, ""),
            claimed_by=people.get(r.claimed_by_id or 0, ""),
            claimed_at=local_time(r.claimed_at),
        )
        for r in reads
    ], total


def _queue_page(
    request: Request,
    session: Session,
    principal: Principal,
    *,
    refused: AppError | None = None,
    error_id: int | None = None,
    shop_error_id: int | None = None,
    values: Mapping[str, str] | None = None,
) -> Response:
    user = principal.user
    reads, total = onboarding_views.list_listings(
        session,
        user,
        status=ListingStatus.awaiting_verification,
        sort=SortField.updated_at,
        order=SortOrder.asc,  # the longest waiting first
        limit=QUEUE_LIMIT,
    )
    markets = {m.id: m for m, _ in marketplaces.list_marketplaces(session)}
    hamlets: dict[int, str] = {}
    claims: list[Claim] = []
    for read in reads:
        listing = onboarding_views.get_listing(session, user, read.id)
        steps = onboarding_views.steps_view(session, user, listing)
        claim = next((s for s in steps.steps if s.code == CLAIM_STEP), None)
        claimant = read.claimed_by_id or (claim.done_by_id if claim else None)
        if read.hamlet_id not in hamlets:
            hamlets[read.hamlet_id] = area_views.get(session, read.hamlet_id).name
        claims.append(
            Claim(
                listing=read,
                market=markets[read.marketplace_id],
                hamlet=hamlets[read.hamlet_id],
                claimed_by=user_views.display_names(session, [claimant]).get(
                    claimant or 0, ""
                ),
                claimed_at=local_time(claim.done_at if claim else None),
            )
        )
    shops, shop_total = _shop_claims(session, principal, markets)
    return render_form(
        request,
        "catalog/verify.html",
        {
            "claims": claims,
            "total": total,
            "shops": shops,
            "shop_total": shop_total,
            "shop_error_id": shop_error_id,
            "limit": QUEUE_LIMIT,
            "error_id": error_id,
            "values": values or {},
        },
        principal,
        refused,
    )


@router.get("/verify")
def queue(request: Request, session: SessionDep, principal: Verifier) -> Response:
    """Listings of one's area whose team says they are live."""
    return _queue_page(request, session, principal)


class DecisionForm(TypedForm):
    """An official's decision on a claim, as posted from the queue: approve or
    reject, the version the claim was read at, and the comment."""

    not_typed: ClassVar[frozenset[str]] = frozenset({"version"})
    blank_is_none: ClassVar[frozenset[str]] = frozenset({"comment"})

    decision: Decision
    version: int
    comment: str = Field("", max_length=5000)


def _decide(
    request: Request,
    session: Session,
    principal: Principal,
    verify: Callable[..., object],
    form: DecisionForm,
    *,
    notices: Mapping[Decision, str],
    error_id: int | None = None,
    shop_error_id: int | None = None,
) -> Response:
    """Approve or reject one claim with ``verify`` (a service's, its record
    bound); a refusal shows the queue again with the claim's comment as typed.
    Deciding on one's own claim is a denial: it propagates from ``refusable``,
    audited, shown as a 403 page."""
    return submit(
        session,
        lambda: verify(**form.service_args()),
        again=lambda error: _queue_page(
            request,
            session,
            principal,
            refused=error,
            error_id=error_id,
            shop_error_id=shop_error_id,
            values=form.typed(),
        ),
        done=lambda _: f"/verify?done={notices[form.decision]}",
    )


@router.post("/listings/{listing_id}/verification")
def decide(
    request: Request,
    session: SessionDep,
    principal: Verifier,
    listing_id: int,
    form: Annotated[DecisionForm, Form()],
) -> Response:
    """Approve a claim (the product is live) or reject it with a comment."""
    listing = onboarding_views.get_listing(session, principal.user, listing_id)
    verify = partial(onboarding_service.verify, session, principal.user, listing)
    return _decide(
        request,
        session,
        principal,
        verify,
        form,
        notices=LISTING_NOTICES,
        error_id=listing_id,
    )


@router.post("/seller-accounts/{account_id}/verification")
def decide_shop(
    request: Request,
    session: SessionDep,
    principal: Verifier,
    account_id: int,
    form: Annotated[DecisionForm, Form()],
) -> Response:
    """Approve a shop opening (the shop is open from today) or reject it with a comment."""
    account = seller_views.get_account(session, principal.user, account_id)
    verify = partial(seller_service.verify, session, principal.user, account)
    return _decide(
        request,
        session,
        principal,
        verify,
        form,
        notices=SHOP_NOTICES,
        shop_error_id=account_id,
    )
