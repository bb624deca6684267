"""Adding a product, step by step: its producer, the product, then its OCOP certificate.

Every step is a plain form post answered by a 303 redirect; a refusal the user
can fix shows the same step again with each message beside its field and the typed values.
"""

from collections.abc import Mapping
from typing import Annotated

from fastapi import APIRouter, Form, Query, Request
from sqlalchemy.orm import Session
from starlette.responses import Response

from ocop_tracker.areas import views as area_views
from ocop_tracker.auth.deps import CurrentPrincipal, Principal
from ocop_tracker.core import clock
from ocop_tracker.core.db import SessionDep
from ocop_tracker.core.errors import AppError, Conflict
from ocop_tracker.producers import service as producer_service
from ocop_tracker.producers import views as producer_views
from ocop_tracker.producers.models import Producer
from ocop_tracker.products import certificates as certificate_service
from ocop_tracker.products import rules
from ocop_tracker.products import service as product_service
from ocop_tracker.products import views as product_views
from ocop_tracker.products.models import Product, ProductKind
from ocop_tracker.users.models import TEAM_ROLES
from ocop_tracker.web.forms import (
    CHOICE_LIMIT,
    PRODUCER_KIND_LABELS,
    PRODUCT_KIND_LABELS,
    CertificateForm,
    NewProduct,
    ProducerForm,
    require_writer,
)
from ocop_tracker.web.refused import submit
from ocop_tracker.web.render import render_form

router = APIRouter(include_in_schema=False)


READ_ONLY = "Vai trò của bạn chỉ được xem, không được thêm sản phẩm."


def _producer_step(
    request: Request,
    session: Session,
    principal: Principal,
    *,
    refused: AppError | None = None,
    values: Mapping[str, str] | None = None,
    existing: Producer | None = None,
) -> Response:
    user = principal.user
    producers, total = producer_views.list_producers(session, user, limit=CHOICE_LIMIT)
    hamlets = area_views.hamlet_choices(session, user, limit=CHOICE_LIMIT)
    return render_form(
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
            "values": values or {},
            "existing": existing,
        },
        principal,
        refused,
    )


@router.get("/products/new")
def new_product(
    request: Request, session: SessionDep, principal: CurrentPrincipal
) -> Response:
    """Step 1 of adding a product: pick its producer or register a new one."""
    require_writer(principal.user, READ_ONLY)
    return _producer_step(request, session, principal)


@router.post("/products/new")
def create_producer(
    request: Request,
    session: SessionDep,
    principal: CurrentPrincipal,
    form: Annotated[ProducerForm, Form()],
) -> Response:
    """Register a producer in a hamlet of one's area, then go on to its product."""
    user = principal.user

    def again(error: AppError) -> Response:
        existing = None
        if isinstance(error, Conflict) and "name" in error.fields:
            existing = producer_views.same_name(
                session, user, form.hamlet_id, form.name
            )
        return _producer_step(
            request,
            session,
            principal,
            refused=error,
            values=form.typed(),
            existing=existing,
        )

    return submit(
        session,
        lambda: producer_service.create_producer(session, user, **form.service_args()),
        again=again,
        done=lambda producer: (
            f"/products/new/product?producer_id={producer.id}&done=producer_added"
        ),
    )


def _product_step(
    request: Request,
    session: Session,
    principal: Principal,
    producer: Producer,
    *,
    refused: AppError | None = None,
    values: Mapping[str, str] | None = None,
) -> Response:
    return render_form(
        request,
        "catalog/new_product.html",
        {
            "producer": producer,
            "producer_kind": PRODUCER_KIND_LABELS[producer.kind],
            "kinds": PRODUCT_KIND_LABELS,
            "groups": product_views.list_groups(session),
            "values": values or {},
        },
        principal,
        refused,
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
    require_writer(principal.user, READ_ONLY)
    return _product_step(request, session, principal, producer)


@router.post("/products/new/product")
def create_product(
    request: Request,
    session: SessionDep,
    principal: CurrentPrincipal,
    form: Annotated[NewProduct, Form()],
) -> Response:
    """Register the product; OCOP products go on to their certificate."""
    user = principal.user
    producer = producer_views.get_producer(session, user, form.producer_id)
    return submit(
        session,
        lambda: product_service.create_product(
            session, user, producer_id=producer.id, **form.service_args()
        ),
        again=lambda error: _product_step(
            request,
            session,
            principal,
            producer_views.get_producer(session, user, form.producer_id),
            refused=error,
            values=form.typed(),
        ),
        # OCOP products go on to their certificate.
        done=lambda product: (
            f"/products/{product.id}/certificates/new?done=product_added"
            if product.kind is ProductKind.ocop
            else f"/products/{product.id}?done=product_added"
        ),
    )


def _certificate_step(
    request: Request,
    session: Session,
    principal: Principal,
    product: Product,
    *,
    refused: AppError | None = None,
    values: Mapping[str, str] | None = None,
) -> Response:
    return render_form(
        request,
        "catalog/new_certificate.html",
        {
            "product": product,
            "is_ocop": product.kind is ProductKind.ocop,
            "stars": rules.OCOP_STARS,
            "levels": rules.LEVEL_LABELS,
            "today": clock.today(),
            "values": values or {},
        },
        principal,
        refused,
    )


@router.get("/products/{product_id}/certificates/new")
def new_certificate(
    request: Request, session: SessionDep, principal: CurrentPrincipal, product_id: int
) -> Response:
    """Step 3: the OCOP recognition decision (skippable)."""
    product = product_views.get_product(session, principal.user, product_id)
    require_writer(principal.user, READ_ONLY)
    return _certificate_step(request, session, principal, product)


@router.post("/products/{product_id}/certificates/new")
def add_certificate(
    request: Request,
    session: SessionDep,
    principal: CurrentPrincipal,
    product_id: int,
    form: Annotated[CertificateForm, Form()],
) -> Response:
    """Record the certificate, then open the product page."""
    user = principal.user
    product = product_views.get_product(session, user, product_id)
    return submit(
        session,
        lambda: certificate_service.add_certificate(
            session, user, product, **form.service_args()
        ),
        again=lambda error: _certificate_step(
            request,
            session,
            principal,
            product_views.get_product(session, user, product_id),
            refused=error,
            values=form.typed(),
        ),
        done=lambda _: f"/products/{product_id}?done=certificate_added",
    )
