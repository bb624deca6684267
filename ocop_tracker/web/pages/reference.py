"""Reference data admins keep, as pages: the e-payment providers to choose from
(wallets, Mobile Money services, banks) and, per marketplace, the checklist of
what it asks before a shop opens (seller prerequisites).

Linked from the admin's home page. Reads come from ``producers/views.py``,
``sellers/views.py`` and ``onboarding/marketplaces.py``; commands from
``producers/service.py`` and ``sellers/service.py``, which refuse anyone but
an admin. Every form posts, then redirects; a refusal shows the page again with
the typed values and each message beside its field.
"""

from collections.abc import Callable
from functools import partial
from typing import Annotated

from fastapi import APIRouter, Form, Request
from sqlalchemy.orm import Session
from starlette.responses import Response

from ocop_tracker.auth.deps import Principal
from ocop_tracker.core.db import SessionDep
from ocop_tracker.onboarding import marketplaces
from ocop_tracker.producers import service as producer_service
from ocop_tracker.producers import views as producer_views
from ocop_tracker.producers.models import PaymentKind
from ocop_tracker.sellers import service as seller_service
from ocop_tracker.sellers import views as seller_views
from ocop_tracker.web.access import Admin
from ocop_tracker.web.forms import (
    PAYMENT_KIND_LABELS,
    PaymentProviderForm,
    PrerequisiteEdit,
    PrerequisiteForm,
)
from ocop_tracker.web.refused import PostedForm, Refused, render_forms, submit

router = APIRouter(include_in_schema=False)


# --- payment providers ----------------------------------------------------------------


def _providers_page(
    request: Request,
    session: Session,
    principal: Principal,
    refused: Refused | None = None,
) -> Response:
    return render_forms(
        request,
        "reference/providers.html",
        {
            "providers": producer_views.payment_providers(session),
            "kinds": PAYMENT_KIND_LABELS,
            "markets": [m for m, _ in marketplaces.list_marketplaces(session)],
        },
        principal,
        refused,
        {"kind": PaymentKind.e_wallet.value},
    )


@router.get("/admin/payment-providers")
def providers(request: Request, session: SessionDep, principal: Admin) -> Response:
    """The wallets, Mobile Money services and banks, and the form to add one."""
    return _providers_page(request, session, principal)


@router.post("/admin/payment-providers")
def add_provider(
    request: Request,
    session: SessionDep,
    principal: Admin,
    form: Annotated[PaymentProviderForm, Form()],
) -> Response:
    """Add a provider to the list a producer's e-payment account is chosen from."""
    return submit(
        session,
        lambda: producer_service.add_payment_provider(
            session, principal.user, **form.service_args()
        ),
        again=lambda error: _providers_page(
            request, session, principal, Refused(error, form.typed())
        ),
        done=lambda _: "/admin/payment-providers?done=provider_added",
    )


# --- seller prerequisites, per marketplace ----------------------------------------------


def _prerequisites_page(
    request: Request,
    session: Session,
    principal: Principal,
    marketplace_id: int,
    refused: Refused | None = None,
) -> Response:
    market = marketplaces.get(session, marketplace_id)
    return render_forms(
        request,
        "reference/prerequisites.html",
        {
            "market": market,
            "markets": [m for m, _ in marketplaces.list_marketplaces(session)],
            "items": seller_views.prerequisites(session, market.id),
        },
        principal,
        refused,
        {"required": "on"},
    )


@router.get("/admin/marketplaces/{marketplace_id}/prerequisites")
def prerequisites(
    request: Request, session: SessionDep, principal: Admin, marketplace_id: int
) -> Response:
    """What a marketplace asks before a shop opens: the list, each item's form, a new one."""
    return _prerequisites_page(request, session, principal, marketplace_id)


def _prerequisite_post(
    request: Request,
    session: Session,
    principal: Principal,
    marketplace_id: int,
    which: str,
    form: PostedForm,
    command: Callable[..., object],
    done: str,
) -> Response:
    """Run one of the page's forms: ``command(session, user, marketplace_id,
    **form.service_args())``; refused, the page again with the form ``which``
    open; done, the list again with ``done`` (the notice, and where to open)."""
    return submit(
        session,
        lambda: command(session, principal.user, marketplace_id, **form.service_args()),
        again=lambda error: _prerequisites_page(
            request,
            session,
            principal,
            marketplace_id,
            Refused(error, form.typed(), which),
        ),
        done=lambda _: (
            f"/admin/marketplaces/{marketplace_id}/prerequisites?done={done}"
        ),
    )


@router.post("/admin/marketplaces/{marketplace_id}/prerequisites")
def add_prerequisite(
    request: Request,
    session: SessionDep,
    principal: Admin,
    marketplace_id: int,
    form: Annotated[PrerequisiteForm, Form()],
) -> Response:
    """Add an item to the marketplace's checklist."""
    return _prerequisite_post(
        request,
        session,
        principal,
        marketplace_id,
        "new",
        form,
        seller_service.add_prerequisite,
        "prerequisite_added",
    )


@router.post("/admin/marketplaces/{marketplace_id}/prerequisites/{code}")
def update_prerequisite(
    request: Request,
    session: SessionDep,
    principal: Admin,
    marketplace_id: int,
    code: str,
    form: Annotated[PrerequisiteEdit, Form()],
) -> Response:
    """Reword, reorder, make optional or retire an item (records already kept stay)."""
    return _prerequisite_post(
        request,
        session,
        principal,
        marketplace_id,
        f"item-{code}",
        form,
        partial(seller_service.update_prerequisite, code=code),
        f"prerequisite_saved#item-{code}",
    )
