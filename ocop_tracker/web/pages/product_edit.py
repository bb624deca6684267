"""Changing a product and its OCOP certificates as pages: edit every field,
correct a certificate, revoke one (a confirmation page), and the reprint page a
renamed product leads to.

Plain forms that post, then redirect; a refusal the user can fix shows the form
again with every typed value and each message beside its field. A stale
version (someone else saved first) keeps the typed values too, shows the record
as it is now, and carries the current version so saving again overwrites.
"""

from collections.abc import Callable, Mapping
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from sqlalchemy.orm import Session
from starlette.responses import Response

from ocop_tracker.auth.deps import CurrentPrincipal, Principal
from ocop_tracker.core import clock
from ocop_tracker.core.db import SessionDep
from ocop_tracker.core.errors import AppError
from ocop_tracker.core.versions import StaleVersion
from ocop_tracker.products import certificates as certificate_service
from ocop_tracker.products import rules
from ocop_tracker.products import service as product_service
from ocop_tracker.products import views as product_views
from ocop_tracker.products.models import Certificate, Product
from ocop_tracker.users.models import User
from ocop_tracker.web.forms import (
    PRODUCT_KIND_LABELS,
    CertificateEdit,
    ProductEdit,
    parse_date,
    require_writer,
)
from ocop_tracker.web.refused import submit
from ocop_tracker.web.render import render, render_form

router = APIRouter(include_in_schema=False)

Number = Annotated[str, Form(max_length=20)]

# Said instead of the service's "reload and try again": reloading would lose
# what the user typed, which the page keeps.
STALE_PRODUCT = (
    "Trong lúc bạn sửa, người khác đã lưu sản phẩm này. Những gì bạn gõ vẫn còn "
    "trong các ô; giá trị đang lưu ghi ở khung “Đang lưu”. Xem lại rồi bấm Lưu "
    "để ghi đè."
)
STALE_CERTIFICATE = (
    "Trong lúc bạn sửa, người khác đã lưu giấy chứng nhận này. Những gì bạn gõ vẫn "
    "còn trong các ô; giá trị đang lưu ghi ở khung “Đang lưu”. Xem lại rồi bấm "
    "Lưu để ghi đè."
)


READ_ONLY = "Vai trò của bạn chỉ được xem, không được sửa sản phẩm."


def _stale(exc: AppError | None, stale_message: str) -> dict[str, Any]:
    """Whether the refusal is a stale version, and then its message in the
    page's words (over ``refusal_context``'s)."""
    if isinstance(exc, StaleVersion):
        return {"stale": True, "error": stale_message}
    return {"stale": False}


# --- the product -----------------------------------------------------------------------


def _product_values(product: Product) -> dict[str, str]:
    """The form's values as the record holds them."""
    return {
        "name": product.name,
        "kind": product.kind.value,
        "group_id": str(product.group_id or ""),
        "subgroup_id": str(product.subgroup_id or ""),
        "unit": product.unit or "",
        "price": "" if product.price is None else str(int(product.price)),
        "description": product.description or "",
        "gtin": product.gtin or "",
    }


def _product_form(
    request: Request,
    session: Session,
    principal: Principal,
    product: Product,
    *,
    values: Mapping[str, str] | None = None,
    refused: AppError | None = None,
) -> Response:
    groups = product_views.list_groups(session)
    certificates = product_views.list_certificates(session, principal.user, product)
    return render_form(
        request,
        "products/edit.html",
        {
            "product": product,
            "current": _product_values(product),
            "values": values if values is not None else _product_values(product),
            "kinds": PRODUCT_KIND_LABELS,
            "groups": groups,
            "group_names": {g.id: g.name for g, _ in groups},
            "subgroup_names": {s.id: s.name for _, subs in groups for s in subs},
            "certificates": certificates,
            "cert_labels": rules.STATUS_LABELS,
            **_stale(refused, STALE_PRODUCT),
        },
        principal,
        refused,
    )


@router.get("/products/{product_id}/edit")
def edit_product_form(
    request: Request, session: SessionDep, principal: CurrentPrincipal, product_id: int
) -> Response:
    """Every field of a product, to change; its certificates, to correct or revoke."""
    product = product_views.get_product(session, principal.user, product_id)
    require_writer(principal.user, READ_ONLY)
    return _product_form(request, session, principal, product)


@router.post("/products/{product_id}/edit")
def edit_product(
    request: Request,
    session: SessionDep,
    principal: CurrentPrincipal,
    product_id: int,
    form: Annotated[ProductEdit, Form()],
) -> Response:
    """Save the product; a new name leads to reprinting its cards."""
    user = principal.user
    product = product_views.get_product(session, user, product_id)
    require_writer(user, READ_ONLY)
    old_name = product.name
    return submit(
        session,
        lambda: product_service.update_product(
            session, user, product.id, **form.service_args()
        ),
        again=lambda error: _product_form(
            request,
            session,
            principal,
            product_views.get_product(session, user, product_id),
            values=form.typed(),
            refused=error,
        ),
        done=lambda changed: (
            f"/products/{product_id}/reprint?done=product_renamed"
            if changed.name != old_name
            else f"/products/{product_id}?done=product_saved"
        ),
    )


@router.get("/products/{product_id}/reprint")
def reprint_page(
    request: Request, session: SessionDep, principal: CurrentPrincipal, product_id: int
) -> Response:
    """Why and how to print a product's cards again after a new name."""
    product = product_views.get_product(session, principal.user, product_id)
    return render(request, "products/reprint.html", {"product": product}, principal)


# --- a certificate ----------------------------------------------------------------------


def _certificate_values(cert: Certificate) -> dict[str, str]:
    return {
        "stars": str(cert.stars),
        "score": "" if cert.score is None else str(cert.score),
        "decision_number": cert.decision_number,
        "decision_date": cert.decision_date.isoformat(),
        "authority": cert.authority,
        "level": cert.level.value,
        "expires_on": cert.expires_on.isoformat(),
    }


def _writable_certificate(
    session: Session, user: User, product_id: int, certificate_id: int
) -> tuple[Product, Certificate]:
    """A certificate of a product the caller sees, read again as it is now;
    refused unless the caller changes products."""
    product = product_views.get_product(session, user, product_id)
    cert = product_views.get_certificate(session, user, product, certificate_id)
    require_writer(user, READ_ONLY)
    return product, cert


def _certificate_form(
    request: Request,
    principal: Principal,
    product: Product,
    cert: Certificate,
    *,
    values: Mapping[str, str] | None = None,
    refused: AppError | None = None,
) -> Response:
    return render_form(
        request,
        "products/certificate_edit.html",
        {
            "product": product,
            "cert": cert,
            "current": _certificate_values(cert),
            "values": values if values is not None else _certificate_values(cert),
            "stars": rules.OCOP_STARS,
            "levels": rules.LEVEL_LABELS,
            "today": clock.today(),
            **_stale(refused, STALE_CERTIFICATE),
        },
        principal,
        refused,
    )


def _certificate_command(
    request: Request,
    session: Session,
    principal: Principal,
    product_id: int,
    certificate_id: int,
    command: Callable[[Product, Certificate], object],
    *,
    page: Callable[..., Response],
    values: Mapping[str, str],
    done: str,
) -> Response:
    """Run a certificate form's ``command``: refused, its ``page`` again over the
    certificate as it is now, with the typed ``values``; done, back to the
    product page with the notice ``done``."""
    product, cert = _writable_certificate(
        session, principal.user, product_id, certificate_id
    )

    def again(error: AppError) -> Response:
        now_product, now_cert = _writable_certificate(
            session, principal.user, product_id, certificate_id
        )
        return page(
            request, principal, now_product, now_cert, values=values, refused=error
        )

    return submit(
        session,
        lambda: command(product, cert),
        again=again,
        done=lambda _: f"/products/{product_id}?done={done}",
    )


@router.get("/products/{product_id}/certificates/{certificate_id}/edit")
def edit_certificate_form(
    request: Request,
    session: SessionDep,
    principal: CurrentPrincipal,
    product_id: int,
    certificate_id: int,
) -> Response:
    """Every field of a certificate, to correct."""
    product, cert = _writable_certificate(
        session, principal.user, product_id, certificate_id
    )
    return _certificate_form(request, principal, product, cert)


@router.post("/products/{product_id}/certificates/{certificate_id}/edit")
def edit_certificate(
    request: Request,
    session: SessionDep,
    principal: CurrentPrincipal,
    product_id: int,
    certificate_id: int,
    form: Annotated[CertificateEdit, Form()],
) -> Response:
    """Save the corrected certificate; every rule is checked again."""
    return _certificate_command(
        request,
        session,
        principal,
        product_id,
        certificate_id,
        lambda product, cert: certificate_service.update_certificate(
            session,
            principal.user,
            product,
            cert.id,
            **form.update_args(cert.expires_on),
        ),
        page=_certificate_form,
        values=form.typed(),
        done="certificate_saved",
    )


def _revoke_form(
    request: Request,
    principal: Principal,
    product: Product,
    cert: Certificate,
    *,
    values: Mapping[str, str] | None = None,
    refused: AppError | None = None,
) -> Response:
    today = clock.today()
    return render_form(
        request,
        "products/certificate_revoke.html",
        {
            "product": product,
            "cert": cert,
            "levels": rules.LEVEL_LABELS,
            "today": today,
            "values": values or {"revoked_on": today.isoformat(), "reason": ""},
            **_stale(refused, STALE_CERTIFICATE),
        },
        principal,
        refused,
    )


@router.get("/products/{product_id}/certificates/{certificate_id}/revoke")
def revoke_certificate_form(
    request: Request,
    session: SessionDep,
    principal: CurrentPrincipal,
    product_id: int,
    certificate_id: int,
) -> Response:
    """Ask for the date and the reason before revoking a certificate."""
    product, cert = _writable_certificate(
        session, principal.user, product_id, certificate_id
    )
    return _revoke_form(request, principal, product, cert)


@router.post("/products/{product_id}/certificates/{certificate_id}/revoke")
def revoke_certificate(
    request: Request,
    session: SessionDep,
    principal: CurrentPrincipal,
    product_id: int,
    certificate_id: int,
    version: Annotated[int, Form()],
    revoked_on: Number = "",
    reason: Annotated[str, Form(max_length=1000)] = "",
) -> Response:
    """Revoke the certificate from a date, for a reason."""
    return _certificate_command(
        request,
        session,
        principal,
        product_id,
        certificate_id,
        lambda product, cert: certificate_service.revoke_certificate(
            session,
            principal.user,
            product,
            cert.id,
            revoked_on=parse_date(revoked_on, "revoked_on", "ngày thu hồi"),
            reason=reason,
            version=version,
        ),
        page=_revoke_form,
        values={"revoked_on": revoked_on, "reason": reason},
        done="certificate_revoked",
    )
