"""JSON API of products, their OCOP certificates and the OCOP groups."""

from typing import Annotated

from fastapi import APIRouter, Query, status
from fastapi.responses import JSONResponse
from sqlalchemy.orm import Session

from ocop_tracker.auth.deps import CurrentPrincipal
from ocop_tracker.core import clock
from ocop_tracker.core.answers import written
from ocop_tracker.core.db import SessionDep
from ocop_tracker.core.schemas import (
    STALE_RESPONSES,
    AsOf,
    Limit,
    Offset,
    Page,
    SearchText,
    SortOrder,
    WholeNumber,
)
from ocop_tracker.producers.schemas import SortField
from ocop_tracker.products import certificates as certificate_service
from ocop_tracker.products import service as product_service
from ocop_tracker.products import views as product_views
from ocop_tracker.products.models import Certificate, Product, ProductKind
from ocop_tracker.products.schemas import (
    CertificateCreate,
    CertificateFilter,
    CertificateRead,
    CertificateRevoke,
    CertificateUpdate,
    GroupRead,
    ProductCreate,
    ProductRead,
    ProductUpdate,
    SubgroupCreate,
    SubgroupRead,
)
from ocop_tracker.products.views import CertificateView, ProductView

# Every route documents the 409 of a stale write, which carries the record as it is now.
router = APIRouter(tags=["products"], responses=STALE_RESPONSES)


def product_read(view: ProductView) -> ProductRead:
    """The API model of a product view."""
    return ProductRead.model_validate(view)


def certificate_read(view: CertificateView) -> CertificateRead:
    """The API model of a certificate view."""
    return CertificateRead.model_validate(view)


def _product_now(session: Session, product: Product) -> ProductRead:
    return product_read(product_views.view(session, product))


def _certificate_now(cert: Certificate) -> CertificateRead:
    return certificate_read(product_views.certificate_view(cert, clock.today()))


@router.get("/products")
def list_products(
    session: SessionDep,
    principal: CurrentPrincipal,
    area_id: Annotated[
        WholeNumber | None, Query(description="Only products under this area")
    ] = None,
    kind: ProductKind | None = None,
    group_id: WholeNumber | None = None,
    stars: Annotated[
        WholeNumber | None,
        Query(description="Stars of the certificate in force (3, 4, 5)"),
    ] = None,
    certificate_status: CertificateFilter | None = None,
    q: SearchText = None,
    sort: SortField = SortField.name,
    order: SortOrder = SortOrder.asc,
    limit: Limit = 50,
    offset: Offset = 0,
    as_of: AsOf = None,
) -> Page[ProductRead]:
    """Products inside the caller's area, filtered, searched and sorted, now or ``as_of``."""
    views, total = product_views.list_products(
        session,
        principal.user,
        area_id=area_id,
        kind=kind,
        group_id=group_id,
        stars=stars,
        certificate=certificate_status.value if certificate_status else None,
        q=q,
        sort=sort.value,
        order=order.value,
        limit=limit,
        offset=offset,
        as_of=as_of,
    )
    return Page[ProductRead](
        items=[product_read(v) for v in views], total=total, limit=limit, offset=offset
    )


@router.post("/products", status_code=status.HTTP_201_CREATED)
def create_product(
    session: SessionDep, principal: CurrentPrincipal, body: ProductCreate
) -> ProductRead:
    """Register a product; the server makes its public (QR) code."""
    product = product_service.create_product(
        session, principal.user, **body.model_dump()
    )
    return _product_now(session, product)


@router.get("/products/{product_id}")
def get_product(
    session: SessionDep,
    principal: CurrentPrincipal,
    product_id: int,
    as_of: AsOf = None,
) -> ProductRead:
    """One product, now or as it stood at the end of ``as_of``."""
    if as_of is not None:
        return product_read(
            product_views.product_as_of(session, principal.user, product_id, as_of)
        )
    product = product_views.get_product(session, principal.user, product_id)
    return _product_now(session, product)


@router.patch("/products/{product_id}", response_model=ProductRead)
def update_product(
    session: SessionDep,
    principal: CurrentPrincipal,
    product_id: int,
    body: ProductUpdate,
) -> ProductRead | JSONResponse:
    """Change a product; send the ``version`` you read (409 with the current one)."""
    changes = body.model_dump(exclude_unset=True)
    return written(
        session,
        lambda: product_service.update_product(
            session, principal.user, product_id, **changes
        ),
        lambda product: _product_now(session, product),
    )


@router.get("/products/{product_id}/certificates")
def list_certificates(
    session: SessionDep,
    principal: CurrentPrincipal,
    product_id: int,
    as_of: AsOf = None,
) -> list[CertificateRead]:
    """A product's certificates, newest first, with their status today or ``as_of``."""
    product = product_views.get_product(session, principal.user, product_id)
    return [
        certificate_read(v)
        for v in product_views.list_certificates(
            session, principal.user, product, as_of=as_of
        )
    ]


@router.post("/products/{product_id}/certificates", status_code=status.HTTP_201_CREATED)
def add_certificate(
    session: SessionDep,
    principal: CurrentPrincipal,
    product_id: int,
    body: CertificateCreate,
) -> CertificateRead:
    """Record an OCOP recognition decision for the product."""
    product = product_views.get_product(session, principal.user, product_id)
    cert = certificate_service.add_certificate(
        session, principal.user, product, **body.model_dump()
    )
    return _certificate_now(cert)


@router.patch(
    "/products/{product_id}/certificates/{certificate_id}",
    response_model=CertificateRead,
)
def update_certificate(
    session: SessionDep,
    principal: CurrentPrincipal,
    product_id: int,
    certificate_id: int,
    body: CertificateUpdate,
) -> CertificateRead | JSONResponse:
    """Correct a certificate; send the ``version`` you read (409 with the current one)."""
    product = product_views.get_product(session, principal.user, product_id)
    changes = body.model_dump(exclude_unset=True)
    return written(
        session,
        lambda: certificate_service.update_certificate(
            session, principal.user, product, certificate_id, **changes
        ),
        _certificate_now,
    )


@router.post(
    "/products/{product_id}/certificates/{certificate_id}/revoke",
    response_model=CertificateRead,
)
def revoke_certificate(
    session: SessionDep,
    principal: CurrentPrincipal,
    product_id: int,
    certificate_id: int,
    body: CertificateRevoke,
) -> CertificateRead | JSONResponse:
    """Revoke a certificate from a date, for a reason."""
    product = product_views.get_product(session, principal.user, product_id)
    return written(
        session,
        lambda: certificate_service.revoke_certificate(
            session, principal.user, product, certificate_id, **body.model_dump()
        ),
        _certificate_now,
    )


@router.get("/ocop-groups")
def list_groups(session: SessionDep, principal: CurrentPrincipal) -> list[GroupRead]:
    """The six OCOP groups (Decision 919/QĐ-TTg) with their subgroups."""
    return [
        GroupRead.from_object(
            group, subgroups=[SubgroupRead.model_validate(s) for s in subs]
        )
        for group, subs in product_views.list_groups(session)
    ]


@router.post("/ocop-groups/{group_id}/subgroups", status_code=status.HTTP_201_CREATED)
def add_subgroup(
    session: SessionDep,
    principal: CurrentPrincipal,
    group_id: int,
    body: SubgroupCreate,
) -> SubgroupRead:
    """Add a subgroup (admin only)."""
    sub = product_service.add_subgroup(
        session, principal.user, group_id, name=body.name
    )
    return SubgroupRead.model_validate(sub)
