"""A product's page: its details, photos and one onboarding checklist per marketplace,
with the forms that start a listing and record, block or unblock its steps.
"""

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.concurrency import run_in_threadpool
from sqlalchemy.orm import Session
from starlette.responses import Response

from ocop_tracker.areas import views as area_views
from ocop_tracker.auth.deps import CurrentPrincipal, Principal
from ocop_tracker.core import clock
from ocop_tracker.core.db import Refusal, SessionDep, refusable
from ocop_tracker.core.errors import AppError
from ocop_tracker.core.labels import labels
from ocop_tracker.core.phone import display_vn
from ocop_tracker.guides import sheets
from ocop_tracker.onboarding import marketplaces, workflow
from ocop_tracker.onboarding import service as onboarding_service
from ocop_tracker.onboarding import views as onboarding_views
from ocop_tracker.onboarding import worklist as onboarding_worklist
from ocop_tracker.onboarding.models import (
    Decision,
    Listing,
    Marketplace,
)
from ocop_tracker.onboarding.schemas import ListingSteps
from ocop_tracker.onboarding.worklist import MarketState
from ocop_tracker.photos import readiness as photo_readiness
from ocop_tracker.photos import service as photo_service
from ocop_tracker.photos import views as photo_views
from ocop_tracker.photos.processing import Processed
from ocop_tracker.photos.service import Target
from ocop_tracker.photos.upload import (
    capped_body,
    capped_form_body,
    prepare_photo,
    upload_bytes,
)
from ocop_tracker.producers import views as producer_views
from ocop_tracker.products import rules
from ocop_tracker.products import views as product_views
from ocop_tracker.products.models import Product, ProductKind
from ocop_tracker.sellers import rules as seller_rules
from ocop_tracker.sellers import views as seller_views
from ocop_tracker.users import views as user_views
from ocop_tracker.users.models import User
from ocop_tracker.web.forms import (
    LISTING_STATUS_LABELS,
    PRODUCER_KIND_LABELS,
    PRODUCT_KIND_LABELS,
    Short,
    Text,
    may_write,
    parse_date,
    state_words,
)
from ocop_tracker.web.pages import photos as photo_pages
from ocop_tracker.web.render import local_time, redirect, refusal_context, render

router = APIRouter(include_in_schema=False)


DECISION_LABELS: Mapping[Decision, str] = labels(Decision)


# The fields a user types in each of the product page's step forms.
_STEP_FORM_FIELDS: Mapping[str, frozenset[str]] = {
    "record": frozenset({"evidence_url", "note"}),
    "block": frozenset({"reason"}),
    "photo": frozenset({"file"}),
    "delist": frozenset({"date", "reason"}),
}
# The listing's own forms, named like a step in a ``FormError``.
DELIST, RELIST = "delist", "relist"


@dataclass(frozen=True)
class Checklist:
    """One marketplace on the product page: its listing and steps, or a start button."""

    market: Marketplace
    steps: ListingSteps | None
    verifications: Sequence[Any]
    state: MarketState
    # Evidence photos by step code: (thumbnail URL, full URL) of each.
    evidence: Mapping[str, list[tuple[str, str]]]


@dataclass(frozen=True)
class FormError:
    """A refused step form, shown beside the listing it belongs to: the
    message at the top, each of its fields' messages beside the field."""

    listing_id: int
    step: str
    action: str  # "record", "block", "unblock", "start"
    message: str
    values: Mapping[str, str]
    fields: Mapping[str, str]

    @property
    def prefix(self) -> str:
        """The start of the ids of this form's fields (``macros.html``)."""
        return f"s{self.listing_id}-{self.step}-"


def _form_error(
    exc: AppError,
    listing_id: int,
    step: str,
    action: str,
    values: Mapping[str, str] | None = None,
) -> FormError:
    shown = _STEP_FORM_FIELDS.get(action, frozenset())
    context = refusal_context(exc)
    fields = {k: v for k, v in context["fields"].items() if k in shown}
    return FormError(listing_id, step, action, exc.message, values or {}, fields)


def _product_page(
    request: Request,
    session: Session,
    principal: Principal,
    product: Product,
    *,
    error: FormError | None = None,
    upload: photo_pages.UploadOutcome | None = None,
    status_code: int = 200,
) -> Response:
    user = principal.user
    view = product_views.view(session, product)
    producer = producer_views.get_producer(session, user, product.producer_id)
    accounts = producer_views.accounts_of(session, user, producer)
    certificates = product_views.list_certificates(session, user, product)
    groups = product_views.list_groups(session)
    group_names = {g.id: g.name for g, _ in groups}
    subgroup_names = {s.id: s.name for _, subs in groups for s in subs}
    listings, _ = onboarding_views.list_listings(
        session, user, product_id=product.id, limit=50
    )
    by_market = {lst.marketplace_id: lst for lst in listings}
    all_markets = marketplaces.list_marketplaces(session)
    states = onboarding_worklist.product_states(session, user, listings)
    checklists: list[Checklist] = []
    people: list[int | None] = []
    for market, _steps in all_markets:
        read = by_market.get(market.id)
        if read is None and not market.is_active:
            continue
        steps_view = None
        decisions: Sequence[Any] = []
        evidence: dict[str, list[tuple[str, str]]] = {}
        if read is not None:
            listing = onboarding_views.get_listing(session, user, read.id)
            steps_view = onboarding_views.steps_view(session, user, listing)
            decisions = onboarding_views.verifications(session, user, listing)
            evidence = _evidence(session, user, listing.id)
            people += [s.done_by_id for s in steps_view.steps]
            people += [v.decided_by_id for v in decisions]
            people += [read.claimed_by_id, read.verified_by_id]
        checklists.append(
            Checklist(
                market=market,
                steps=steps_view,
                verifications=decisions,
                state=states[market.id],
                evidence=evidence,
            )
        )
    hamlet = area_views.get(session, product.hamlet_id)
    gallery = photo_pages.gallery(session, user, product, upload)
    # The shop each marketplace's listing hangs on (the producer's, one per marketplace).
    shops = {
        a.marketplace_id: a for a in seller_views.accounts_of(session, user, producer)
    }
    return render(
        request,
        "catalog/product.html",
        {
            "product": view,
            "producer": producer,
            "producer_kind": PRODUCER_KIND_LABELS[producer.kind],
            "account": producer_views.payment_summary(accounts),
            "certificates": certificates,
            "cert_labels": rules.STATUS_LABELS,
            "level_labels": rules.LEVEL_LABELS,
            "kind_label": PRODUCT_KIND_LABELS[view.kind],
            "group": group_names.get(view.group_id) if view.group_id else None,
            "subgroup": subgroup_names.get(view.subgroup_id)
            if view.subgroup_id
            else None,
            "hamlet": hamlet,
            "checklists": checklists,
            "shops": shops,
            "shop_statuses": seller_rules.STATUS_LABELS,
            "status_labels": LISTING_STATUS_LABELS,
            "decision_labels": DECISION_LABELS,
            "people": user_views.display_names(session, people),
            "state_words": state_words,
            "when": local_time,
            "phone": display_vn,
            "may_write": may_write(user),
            "may_delist": user.role in onboarding_service.DELISTERS,
            "today": clock.today(),
            "local_date": clock.vn_date,
            "may_add_certificate": may_write(user) and view.kind is ProductKind.ocop,
            "form_error": error,
            "gallery": gallery,
            "rule_step": workflow.RULE_STEP,
            "guide_for": sheets.link,  # the how-to sheet of a step, to print
            "photo_states": {r.marketplace_id: r for r in gallery.readiness},
        },
        principal,
        status_code=status_code,
    )


@router.get("/products/{product_id}")
def product_page(
    request: Request, session: SessionDep, principal: CurrentPrincipal, product_id: int
) -> Response:
    """The product, its producer and certificates, one checklist per marketplace."""
    product = product_views.get_product(session, principal.user, product_id)
    return _product_page(request, session, principal, product)


@router.post("/products/{product_id}/photos")
async def upload_photos(
    request: Request,
    _body: Annotated[None, Depends(capped_body)],
    session: SessionDep,
    principal: CurrentPrincipal,
    product_id: int,
) -> Response:
    """The plain photo form (works without JavaScript): each photo taken or
    refused on its own, then back to the gallery; with a refusal, the product
    page again (its status), saying which photos were taken and why the
    others were not. Here, not in ``photos.py``: it shows the product page."""
    outcome = await photo_pages.receive_form(
        request, session, principal.user, product_id
    )
    if not outcome.refused:
        return redirect(f"/products/{product_id}?done={outcome.done}#anh")
    product = await run_in_threadpool(
        product_views.get_product, session, principal.user, product_id
    )
    response = await run_in_threadpool(
        _product_page,
        request,
        session,
        principal,
        product,
        upload=outcome,
        status_code=outcome.status_code,
    )
    if outcome.retry_after:
        response.headers["retry-after"] = str(outcome.retry_after)
    return response


def _refused(
    request: Request,
    session: Session,
    principal: Principal,
    product_id: int,
    exc: AppError,
    error: FormError,
) -> Response:
    # ``refusable`` rolled the refused change back; the page reads it as it is.
    product = product_views.get_product(session, principal.user, product_id)
    return _product_page(
        request,
        session,
        principal,
        product,
        error=error,
        status_code=exc.status_code,
    )


@router.post("/products/{product_id}/listings")
def start_listing(
    request: Request,
    session: SessionDep,
    principal: CurrentPrincipal,
    product_id: int,
    marketplace_id: Annotated[int, Form()],
) -> Response:
    """Start the product's onboarding on a marketplace."""
    product = product_views.get_product(session, principal.user, product_id)
    with refusable(session) as refusal:
        photo_readiness.open_listing(
            session,
            principal.user,
            product_id=product.id,
            marketplace_id=marketplace_id,
        )
    if (exc := refusal.error) is not None:
        error = _form_error(exc, 0, str(marketplace_id), "start")
        return _refused(request, session, principal, product_id, exc, error)
    return redirect(f"/products/{product_id}", "listing_started")


def _listing_form(
    request: Request,
    session: Session,
    principal: Principal,
    listing_id: int,
    command: Callable[[Listing], object],
    *,
    step: str,
    action: str,
    values: Mapping[str, str] | None = None,
    done: str,
    at_listing: bool = False,
) -> Response:
    """Run one of a listing's forms (``command``) on the product page: refused,
    the page again with the message beside that form (``step``, ``action``)
    and the typed ``values``; done, back to the product page (``at_listing``:
    at the listing) with the notice ``done``."""
    listing = onboarding_views.get_listing(session, principal.user, listing_id)
    product_id = listing.product_id
    with refusable(session) as refusal:
        command(listing)
    if (exc := refusal.error) is not None:
        error = _form_error(exc, listing_id, step, action, values)
        return _refused(request, session, principal, product_id, exc, error)
    if at_listing:
        return _to_listing(product_id, listing_id, done)
    return redirect(f"/products/{product_id}", done)


@router.post("/listings/{listing_id}/steps")
def record_step(
    request: Request,
    session: SessionDep,
    principal: CurrentPrincipal,
    listing_id: int,
    step: Annotated[str, Form(max_length=100)],
    version: Annotated[int, Form()],
    evidence_url: Annotated[str, Form(max_length=2000)] = "",
    note: Text = "",
) -> Response:
    """Record a step as done, with its evidence."""
    return _listing_form(
        request,
        session,
        principal,
        listing_id,
        lambda listing: onboarding_service.record_step(
            session,
            principal.user,
            listing,
            step=step,
            evidence_url=evidence_url or None,
            note=note or None,
            version=version,
        ),
        step=step,
        action="record",
        values={"evidence_url": evidence_url, "note": note},
        done="listing_claimed" if step == "listing" else "step_recorded",
    )


@router.post("/listings/{listing_id}/steps/{step}/block")
def block_step(
    request: Request,
    session: SessionDep,
    principal: CurrentPrincipal,
    listing_id: int,
    step: str,
    version: Annotated[int, Form()],
    reason: Short = "",
) -> Response:
    """Report that a step is stuck, and why."""
    return _listing_form(
        request,
        session,
        principal,
        listing_id,
        lambda listing: onboarding_service.block_step(
            session, principal.user, listing, step=step, reason=reason, version=version
        ),
        step=step,
        action="block",
        values={"reason": reason},
        done="step_blocked",
    )


@router.post("/listings/{listing_id}/steps/{step}/unblock")
def unblock_step(
    request: Request,
    session: SessionDep,
    principal: CurrentPrincipal,
    listing_id: int,
    step: str,
    version: Annotated[int, Form()],
) -> Response:
    """Lift a block: the step is to do again."""
    return _listing_form(
        request,
        session,
        principal,
        listing_id,
        lambda listing: photo_readiness.unblock_step(
            session, principal.user, listing, step=step, version=version
        ),
        step=step,
        action="unblock",
        done="step_unblocked",
    )


def _evidence(
    session: Session, user: User, listing_id: int
) -> dict[str, list[tuple[str, str]]]:
    """A listing's evidence photos by step: (thumbnail URL, full URL) of each."""
    out: dict[str, list[tuple[str, str]]] = {}
    for photo in photo_views.list_evidence(session, user, listing_id):
        out.setdefault(photo.step_code or "", []).append(
            (
                photo_views.photo_url(photo, "thumb"),
                photo_views.photo_url(photo, "full"),
            )
        )
    return out


def _store(
    session: Session,
    user: User,
    target: Target,
    data: bytes,
    processed: Processed | None,
) -> Refusal:
    """Store the decoded photo; a refusal rolls back to before it."""
    with refusable(session) as refusal:
        photo_service.upload(session, user, target, data, processed=processed)
    return refusal


def _to_listing(product_id: int, listing_id: int, done: str) -> Response:
    """Back to the product page, at the listing the form belonged to."""
    return redirect(f"/products/{product_id}?done={done}#listing-{listing_id}")


@router.post("/listings/{listing_id}/delist")
def delist(
    request: Request,
    session: SessionDep,
    principal: CurrentPrincipal,
    listing_id: int,
    version: Annotated[int, Form()],
    date: Annotated[str, Form(max_length=20)] = "",
    reason: Short = "",
) -> Response:
    """Report that a live listing went down: on which day, and why."""
    return _listing_form(
        request,
        session,
        principal,
        listing_id,
        lambda listing: onboarding_service.delist(
            session,
            principal.user,
            listing,
            on=parse_date(date, "date", "ngày gỡ khỏi sàn"),
            reason=reason,
            version=version,
        ),
        step=DELIST,
        action=DELIST,
        values={"date": date, "reason": reason},
        done="listing_delisted",
        at_listing=True,
    )


@router.post("/listings/{listing_id}/relist")
def relist(
    request: Request,
    session: SessionDep,
    principal: CurrentPrincipal,
    listing_id: int,
    version: Annotated[int, Form()],
) -> Response:
    """Bring a delisted listing back: its claim is made and verified again."""
    return _listing_form(
        request,
        session,
        principal,
        listing_id,
        lambda listing: photo_readiness.relist(
            session, principal.user, listing, version=version
        ),
        step=RELIST,
        action=RELIST,
        done="listing_relisted",
        at_listing=True,
    )


@router.post("/listings/{listing_id}/steps/{step}/photos")
async def upload_step_photo(
    request: Request,
    _body: Annotated[None, Depends(capped_form_body)],
    session: SessionDep,
    principal: CurrentPrincipal,
    listing_id: int,
    step: str,
) -> Response:
    """A photo proving a step (plain multipart form), tied to that step.

    A refused photo (not an image, too large, too many) comes back to the
    product page, its message beside the step's photo form.
    """
    user = principal.user
    listing = await run_in_threadpool(
        onboarding_views.get_listing, session, user, listing_id
    )
    product_id = listing.product_id
    target = await run_in_threadpool(
        photo_service.check_upload,
        session,
        user,
        product_id,
        listing_id=listing_id,
        step_code=step,
    )
    with refusable(session) as refusal:
        data = await upload_bytes(request)
        processed = await prepare_photo(session, user, target, data, key=None)
    if refusal.error is None:
        refusal = await run_in_threadpool(
            _store, session, user, target, data, processed
        )
    if (exc := refusal.error) is not None:
        error = _form_error(exc, listing_id, step, "photo", {})
        if not error.fields:
            error = FormError(
                listing_id, step, "photo", exc.message, {}, {"file": exc.message}
            )
        return await run_in_threadpool(
            _refused, request, session, principal, product_id, exc, error
        )
    return _to_listing(product_id, listing_id, "evidence_added")
