"""Products as pages: the hamlet worklist, the add-a-product wizard, the product page
with one onboarding checklist per marketplace.

Every flow is a plain form post answered by a 303 redirect; a refusal the user
can fix re-renders the same page with the message and the typed values.
"""

import datetime as dt
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Form, Query, Request
from sqlalchemy.orm import Session
from starlette.responses import Response

from ocop_tracker.areas import views as area_views
from ocop_tracker.areas.models import AdminUnit, Level
from ocop_tracker.auth.deps import CurrentPrincipal, Principal
from ocop_tracker.core import clock
from ocop_tracker.core.db import SessionDep, refusable
from ocop_tracker.core.errors import AppError, Forbidden, InvalidInput
from ocop_tracker.core.labels import label, labels
from ocop_tracker.core.phone import display_vn
from ocop_tracker.onboarding import marketplaces, workflow
from ocop_tracker.onboarding import service as onboarding_service
from ocop_tracker.onboarding import views as onboarding_views
from ocop_tracker.onboarding import worklist as onboarding_worklist
from ocop_tracker.onboarding.models import (
    Decision,
    ListingStatus,
    Marketplace,
)
from ocop_tracker.onboarding.schemas import ListingSteps
from ocop_tracker.onboarding.worklist import MarketState
from ocop_tracker.photos import readiness as photo_readiness
from ocop_tracker.producers import service as producer_service
from ocop_tracker.producers import views as producer_views
from ocop_tracker.producers.models import Producer, ProducerKind
from ocop_tracker.products import certificates as certificate_service
from ocop_tracker.products import rules
from ocop_tracker.products import service as product_service
from ocop_tracker.products import views as product_views
from ocop_tracker.products.models import CertLevel, Product, ProductKind
from ocop_tracker.users import views as user_views
from ocop_tracker.users.models import TEAM_ROLES, WRITERS, User
from ocop_tracker.web.pages import photos as photo_pages
from ocop_tracker.web.render import local_time, redirect, refusal_context, render

router = APIRouter(include_in_schema=False)

CHOICE_LIMIT = 200

PRODUCER_KIND_LABELS: Mapping[ProducerKind, str] = labels(ProducerKind)
PRODUCT_KIND_LABELS: Mapping[ProductKind, str] = labels(ProductKind)
# The worklist ticks a live listing.
LISTING_STATUS_LABELS: Mapping[ListingStatus, str] = {
    **labels(ListingStatus),
    ListingStatus.listed: f"{label(ListingStatus.listed)} ✓",
}
DECISION_LABELS: Mapping[Decision, str] = labels(Decision)
_PRICE_SEPARATORS = re.compile(r"[\s.,_]")

Text = Annotated[str, Form(max_length=2000)]
Short = Annotated[str, Form(max_length=300)]


def may_write(user: User) -> bool:
    """Whether the caller registers products and records steps (SECURITY.md §L3)."""
    return user.role in WRITERS


def _require_writer(user: User) -> None:
    if not may_write(user):
        raise Forbidden("Vai trò của bạn chỉ được xem, không được thêm sản phẩm.")


def _field_error(exc: AppError) -> str | None:
    """The form field a refusal names (``AppError.fields``), if any."""
    return next(iter(exc.fields), None)


# --- worklist ------------------------------------------------------------------------


def state_words(state: MarketState) -> str:
    """A product's state on one marketplace, in the team's words."""
    if state.kind == "none":
        return "Chưa bắt đầu"
    if state.kind == "blocked":
        return f"Đang vướng: {state.step}"
    if state.kind == "doing":
        return f"Bước tiếp theo: {state.step}"
    return LISTING_STATUS_LABELS[state.status] if state.status else state.kind


@router.get("/worklist")
def worklist(
    request: Request,
    session: SessionDep,
    principal: CurrentPrincipal,
    area_id: Annotated[int | None, Query(ge=1)] = None,
    q: Annotated[str, Query(max_length=100)] = "",
) -> Response:
    """The products of one's area, those needing action first."""
    user = principal.user
    found = onboarding_worklist.worklist(
        session, user, area_id=area_id, q=q.strip() or None
    )
    areas: Sequence[AdminUnit] = []
    if user.role not in TEAM_ROLES:
        areas, _ = area_views.search(
            session, level=Level.hamlet, viewer=user, limit=CHOICE_LIMIT
        )
    return render(
        request,
        "catalog/worklist.html",
        {
            "rows": found.rows,
            "total": found.total,
            "limit": onboarding_worklist.WORKLIST_LIMIT,
            "state_words": state_words,
            "q": q,
            "area_id": area_id,
            "areas": areas,
            "may_write": may_write(user),
            "kinds": PRODUCT_KIND_LABELS,
            "cert_labels": rules.STATUS_LABELS,
        },
        principal,
    )


# --- wizard step 1: the producer ---------------------------------------------------------


def _producer_step(
    request: Request,
    session: Session,
    principal: Principal,
    *,
    error: str | None = None,
    field: str | None = None,
    values: Mapping[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    user = principal.user
    producers, total = producer_views.list_producers(session, user, limit=CHOICE_LIMIT)
    hamlets = area_views.hamlet_choices(session, user, limit=CHOICE_LIMIT)
    return render(
        request,
        "catalog/new_producer.html",
        {
            "producers": producers,
            "total": total,
            "hamlets": hamlets,
            "hamlet_names": {h.id: h.name for h in hamlets}
            | producer_views.hamlet_names(session, producers),
            "fixed_hamlet": user.role in TEAM_ROLES,
            "kinds": PRODUCER_KIND_LABELS,
            "error": error,
            "field": field,
            "fields": {field: error} if field and error else {},
            "values": values or {},
        },
        principal,
        status_code=status_code,
    )


@router.get("/products/new")
def new_product(
    request: Request, session: SessionDep, principal: CurrentPrincipal
) -> Response:
    """Step 1 of adding a product: pick its producer or register a new one."""
    _require_writer(principal.user)
    return _producer_step(request, session, principal)


@router.post("/products/new")
def create_producer(
    request: Request,
    session: SessionDep,
    principal: CurrentPrincipal,
    hamlet_id: Annotated[int, Form()],
    kind: Annotated[ProducerKind, Form()],
    name: Short = "",
    representative: Short = "",
    phone: Annotated[str, Form(max_length=40)] = "",
) -> Response:
    """Register a producer in a hamlet of one's area, then go on to its product."""
    with refusable(session) as refusal:
        producer = producer_service.create_producer(
            session,
            principal.user,
            hamlet_id=hamlet_id,
            kind=kind,
            name=name,
            representative=representative,
            phone=phone,
        )
    if (exc := refusal.error) is not None:
        return _producer_step(
            request,
            session,
            principal,
            error=exc.message,
            field=_field_error(exc),
            values={
                "hamlet_id": str(hamlet_id),
                "kind": kind.value,
                "name": name,
                "representative": representative,
                "phone": phone,
            },
            status_code=exc.status_code,
        )
    return redirect(
        f"/products/new/product?producer_id={producer.id}", "producer_added"
    )


# --- wizard step 2: the product ----------------------------------------------------------


def _product_step(
    request: Request,
    session: Session,
    principal: Principal,
    producer: Producer,
    *,
    error: str | None = None,
    field: str | None = None,
    values: Mapping[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    return render(
        request,
        "catalog/new_product.html",
        {
            "producer": producer,
            "producer_kind": PRODUCER_KIND_LABELS[producer.kind],
            "kinds": PRODUCT_KIND_LABELS,
            "groups": product_views.list_groups(session),
            "error": error,
            "field": field,
            "fields": {field: error} if field and error else {},
            "values": values or {},
        },
        principal,
        status_code=status_code,
    )


@router.get("/products/new/product")
def new_product_details(
    request: Request,
    session: SessionDep,
    principal: CurrentPrincipal,
    producer_id: Annotated[int, Query(ge=1)],
) -> Response:
    """Step 2: the product itself."""
    producer = producer_views.get_producer(session, principal.user, producer_id)
    _require_writer(principal.user)
    return _product_step(request, session, principal, producer)


def parse_price(raw: str) -> int | None:
    """Whole đồng as people type them: "75000", "75.000", "75 000"."""
    digits = _PRICE_SEPARATORS.sub("", raw)
    if not digits:
        return None
    if not digits.isdecimal() or not digits.isascii():
        raise InvalidInput(
            "Giá phải là số đồng, ví dụ 75000 hoặc 75.000.", field="price"
        )
    return int(digits)


def _optional_id(raw: str, field: str) -> int | None:
    value = raw.strip()
    if not value:
        return None
    if not value.isdecimal() or not value.isascii():
        raise InvalidInput("Lựa chọn không hợp lệ.", field=field)
    return int(value)


@router.post("/products/new/product")
def create_product(
    request: Request,
    session: SessionDep,
    principal: CurrentPrincipal,
    producer_id: Annotated[int, Form()],
    kind: Annotated[ProductKind, Form()],
    name: Short = "",
    group_id: Annotated[str, Form(max_length=12)] = "",
    subgroup_id: Annotated[str, Form(max_length=12)] = "",
    unit: Annotated[str, Form(max_length=100)] = "",
    price: Annotated[str, Form(max_length=40)] = "",
    description: Text = "",
    gtin: Annotated[str, Form(max_length=40)] = "",
) -> Response:
    """Register the product; OCOP products go on to their certificate."""
    producer = producer_views.get_producer(session, principal.user, producer_id)
    with refusable(session) as refusal:
        product = product_service.create_product(
            session,
            principal.user,
            producer_id=producer.id,
            name=name,
            kind=kind,
            group_id=_optional_id(group_id, "group_id"),
            subgroup_id=_optional_id(subgroup_id, "subgroup_id"),
            unit=unit,
            price=parse_price(price),
            description=description,
            gtin=gtin,
        )
    if (exc := refusal.error) is not None:
        producer = producer_views.get_producer(session, principal.user, producer_id)
        return _product_step(
            request,
            session,
            principal,
            producer,
            error=exc.message,
            field=_field_error(exc),
            values={
                "name": name,
                "kind": kind.value,
                "group_id": group_id,
                "subgroup_id": subgroup_id,
                "unit": unit,
                "price": price,
                "description": description,
                "gtin": gtin,
            },
            status_code=exc.status_code,
        )
    if product.kind is ProductKind.ocop:
        return redirect(f"/products/{product.id}/certificates/new", "product_added")
    return redirect(f"/products/{product.id}", "product_added")


# --- wizard step 3: the certificate ------------------------------------------------------


def _certificate_step(
    request: Request,
    session: Session,
    principal: Principal,
    product: Product,
    *,
    error: str | None = None,
    field: str | None = None,
    values: Mapping[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    return render(
        request,
        "catalog/new_certificate.html",
        {
            "product": product,
            "is_ocop": product.kind is ProductKind.ocop,
            "stars": rules.OCOP_STARS,
            "levels": rules.LEVEL_LABELS,
            "today": clock.today(),
            "error": error,
            "field": field,
            "fields": {field: error} if field and error else {},
            "values": values or {},
        },
        principal,
        status_code=status_code,
    )


@router.get("/products/{product_id}/certificates/new")
def new_certificate(
    request: Request, session: SessionDep, principal: CurrentPrincipal, product_id: int
) -> Response:
    """Step 3: the OCOP recognition decision (skippable)."""
    product = product_views.get_product(session, principal.user, product_id)
    _require_writer(principal.user)
    return _certificate_step(request, session, principal, product)


def parse_date(raw: str, field: str, label: str) -> dt.date:
    """A date from ``<input type=date>`` (2025-12-31) or typed as 31/12/2025."""
    value = raw.strip()
    if not value:
        raise InvalidInput(f"Hãy nhập {label}.", field=field)
    try:
        if "/" in value:
            day, month, year = (int(part) for part in value.split("/"))
            return dt.date(year, month, day)
        return dt.date.fromisoformat(value)
    except ValueError:
        raise InvalidInput(
            f"{label[:1].upper()}{label[1:]} không hợp lệ, ví dụ 31/12/2025.",
            field=field,
        ) from None


def _parse_stars(raw: str) -> int:
    value = raw.strip()
    if not value.isdecimal() or not value.isascii():
        raise InvalidInput("Hãy chọn hạng sao (3, 4 hoặc 5).", field="stars")
    return int(value)


@router.post("/products/{product_id}/certificates/new")
def add_certificate(
    request: Request,
    session: SessionDep,
    principal: CurrentPrincipal,
    product_id: int,
    level: Annotated[CertLevel, Form()],
    stars: Annotated[str, Form(max_length=4)] = "",
    decision_number: Annotated[str, Form(max_length=100)] = "",
    decision_date: Annotated[str, Form(max_length=20)] = "",
    authority: Short = "",
) -> Response:
    """Record the certificate, then open the product page."""
    product = product_views.get_product(session, principal.user, product_id)
    with refusable(session) as refusal:
        certificate_service.add_certificate(
            session,
            principal.user,
            product,
            stars=_parse_stars(stars),
            decision_number=decision_number,
            decision_date=parse_date(decision_date, "decision_date", "ngày quyết định"),
            authority=authority,
            level=level,
        )
    if (exc := refusal.error) is not None:
        product = product_views.get_product(session, principal.user, product_id)
        return _certificate_step(
            request,
            session,
            principal,
            product,
            error=exc.message,
            field=_field_error(exc),
            values={
                "stars": stars,
                "decision_number": decision_number,
                "decision_date": decision_date,
                "authority": authority,
                "level": level.value,
            },
            status_code=exc.status_code,
        )
    return redirect(f"/products/{product_id}", "certificate_added")


# --- the product page ----------------------------------------------------------------------


@dataclass(frozen=True)
class Checklist:
    """One marketplace on the product page: its listing and steps, or a start button."""

    market: Marketplace
    steps: ListingSteps | None
    verifications: Sequence[Any]
    state: MarketState


# The fields a user types in each of the product page's step forms.
_STEP_FORM_FIELDS: Mapping[str, frozenset[str]] = {
    "record": frozenset({"evidence_url", "note"}),
    "block": frozenset({"reason"}),
}


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
    status_code: int = 200,
) -> Response:
    user = principal.user
    view = product_views.view(session, product)
    producer = producer_views.get_producer(session, user, product.producer_id)
    account = producer_views.get_payment_account(session, user, producer)
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
        if read is not None:
            listing = onboarding_views.get_listing(session, user, read.id)
            steps_view = onboarding_views.steps_view(session, user, listing)
            decisions = onboarding_views.verifications(session, user, listing)
            people += [s.done_by_id for s in steps_view.steps]
            people += [v.decided_by_id for v in decisions]
            people += [read.claimed_by_id, read.verified_by_id]
        checklists.append(
            Checklist(
                market=market,
                steps=steps_view,
                verifications=decisions,
                state=states[market.id],
            )
        )
    hamlet = area_views.get(session, product.hamlet_id)
    gallery = photo_pages.gallery(session, user, product)
    return render(
        request,
        "catalog/product.html",
        {
            "product": view,
            "producer": producer,
            "producer_kind": PRODUCER_KIND_LABELS[producer.kind],
            "account": producer_service.mask(account) if account else None,
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
            "status_labels": LISTING_STATUS_LABELS,
            "decision_labels": DECISION_LABELS,
            "people": user_views.display_names(session, people),
            "state_words": state_words,
            "when": local_time,
            "phone": display_vn,
            "may_write": may_write(user),
            "may_add_certificate": may_write(user) and view.kind is ProductKind.ocop,
            "form_error": error,
            "gallery": gallery,
            "rule_step": workflow.RULE_STEP,
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
    listing = onboarding_views.get_listing(session, principal.user, listing_id)
    product_id = listing.product_id
    with refusable(session) as refusal:
        onboarding_service.record_step(
            session,
            principal.user,
            listing,
            step=step,
            evidence_url=evidence_url or None,
            note=note or None,
            version=version,
        )
    if (exc := refusal.error) is not None:
        values = {"evidence_url": evidence_url, "note": note}
        error = _form_error(exc, listing_id, step, "record", values)
        return _refused(request, session, principal, product_id, exc, error)
    done = "listing_claimed" if step == "listing" else "step_recorded"
    return redirect(f"/products/{product_id}", done)


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
    listing = onboarding_views.get_listing(session, principal.user, listing_id)
    product_id = listing.product_id
    with refusable(session) as refusal:
        onboarding_service.block_step(
            session, principal.user, listing, step=step, reason=reason, version=version
        )
    if (exc := refusal.error) is not None:
        values = {"reason": reason}
        error = _form_error(exc, listing_id, step, "block", values)
        return _refused(request, session, principal, product_id, exc, error)
    return redirect(f"/products/{product_id}", "step_blocked")


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
    listing = onboarding_views.get_listing(session, principal.user, listing_id)
    product_id = listing.product_id
    with refusable(session) as refusal:
        photo_readiness.unblock_step(
            session, principal.user, listing, step=step, version=version
        )
    if (exc := refusal.error) is not None:
        error = _form_error(exc, listing_id, step, "unblock")
        return _refused(request, session, principal, product_id, exc, error)
    return redirect(f"/products/{product_id}", "step_unblocked")
