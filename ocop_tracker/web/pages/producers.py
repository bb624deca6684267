"""Producers (chủ thể OCOP) as pages: the list of one's area, a producer's page
with its products, consents and e-payment account, and the forms to add, edit,
record consent and set the account.

Reads come from ``producers/views.py`` (and the worklist's states), commands
from ``producers/service.py``; every form posts, then redirects, and a refusal
shows the same form again with the typed values and each message beside its field.
"""

from collections.abc import Callable, Mapping
from typing import Annotated, TypeVar

from fastapi import APIRouter, Form, Query, Request
from sqlalchemy.orm import Session
from starlette.responses import Response

from ocop_tracker.areas import views as area_views
from ocop_tracker.areas.models import AdminUnit
from ocop_tracker.auth.deps import CurrentPrincipal, Principal
from ocop_tracker.core import clock
from ocop_tracker.core.db import SessionDep
from ocop_tracker.core.errors import AppError
from ocop_tracker.core.labels import labels
from ocop_tracker.core.phone import display_vn
from ocop_tracker.core.versions import StaleVersion
from ocop_tracker.households import views as household_views
from ocop_tracker.onboarding import marketplaces
from ocop_tracker.onboarding import worklist as onboarding_worklist
from ocop_tracker.onboarding.models import Marketplace
from ocop_tracker.producers import service as producer_service
from ocop_tracker.producers import views as producer_views
from ocop_tracker.producers.models import (
    ConsentField,
    PaymentKind,
    Producer,
    ProducerKind,
)
from ocop_tracker.sellers import rules as seller_rules
from ocop_tracker.sellers import service as seller_service
from ocop_tracker.sellers import views as seller_views
from ocop_tracker.sellers.models import SellerStatus
from ocop_tracker.sellers.schemas import SellerAccountRead
from ocop_tracker.training import service as training_service
from ocop_tracker.training import views as training_views
from ocop_tracker.training.models import CoachingStep
from ocop_tracker.users import views as user_views
from ocop_tracker.users.models import User
from ocop_tracker.web.forms import (
    CHOICE_LIMIT,
    PAYMENT_KIND_LABELS,
    PAYMENT_STATUS_LABELS,
    PRODUCER_KIND_LABELS,
    PRODUCT_KIND_LABELS,
    SELLER_STATUS_LABELS,
    YES_NO,
    CoachingVisitForm,
    PaymentAccountForm,
    ProducerEdit,
    ProducerForm,
    SellerStartForm,
    may_write,
    require_writer,
    state_words,
)
from ocop_tracker.web.pages.exports import export_url
from ocop_tracker.web.pages.sellers import claim_words, payout_label, rejection
from ocop_tracker.web.paging import Offset, Search, paging
from ocop_tracker.web.refused import PostedForm, Refused, render_forms, submit
from ocop_tracker.web.render import local_time, redirect, render, render_form

router = APIRouter(include_in_schema=False)
T = TypeVar("T")

PAGE_SIZE = 30
CONSENT_LABELS: Mapping[ConsentField, str] = labels(ConsentField)
COACHING_STEP_LABELS: Mapping[CoachingStep, str] = labels(CoachingStep)
# The statuses "Bắt đầu mở gian hàng" offers, in their order.
SELLER_STARTS = [
    (s.value, SELLER_STATUS_LABELS[s]) for s in SellerStatus if s in seller_rules.STARTS
]
# What a consent changes, in the words a villager is told before agreeing.
CONSEQUENCES: Mapping[ConsentField, tuple[str, str]] = {
    ConsentField.display_name: (
        "Tên sẽ hiện trên thẻ QR và trang công khai của sản phẩm.",
        "Tên sẽ không còn hiện trên trang công khai; trang chỉ ghi loại chủ thể "
        "và xã. Thẻ QR đã in cần in lại.",
    ),
    ConsentField.phone: (
        "Số điện thoại sẽ hiện trên trang công khai của sản phẩm để người mua gọi.",
        "Số điện thoại sẽ không còn hiện trên trang công khai.",
    ),
    ConsentField.photo: (
        "Ảnh có chủ thể được phép đưa lên trang công khai của sản phẩm.",
        "Ảnh có chủ thể không được đưa lên trang công khai nữa.",
    ),
}
# Tri-state filters of the list: "" all, "yes", "no".


READ_ONLY = "Vai trò của bạn chỉ được xem, không được sửa chủ thể."


def _hamlet_options(
    session: Session, user: User, current: AdminUnit | None = None
) -> list[AdminUnit]:
    """The hamlets a producer may be put in, with its own even beyond the first 200."""
    hamlets = list(area_views.hamlet_choices(session, user, limit=CHOICE_LIMIT))
    if current is not None and all(h.id != current.id for h in hamlets):
        hamlets.insert(0, current)
    return hamlets


# --- the list ------------------------------------------------------------------------


def _kind_of(raw: str) -> ProducerKind | None:
    return ProducerKind(raw) if raw in ProducerKind.__members__ else None


def _int_or_none(raw: str) -> int | None:
    return int(raw) if raw.isdigit() and len(raw) < 12 else None


@router.get("/producers")
def list_producers(
    request: Request,
    session: SessionDep,
    principal: CurrentPrincipal,
    q: Search = "",
    kind: Annotated[str, Query(max_length=30)] = "",
    hamlet_id: Annotated[str, Query(max_length=12)] = "",
    payment: Annotated[str, Query(max_length=3)] = "",
    consent: Annotated[str, Query(max_length=3)] = "",
    offset: Offset = 0,
) -> Response:
    """The producers of one's area: search (without diacritics too), filters, pages."""
    user = principal.user
    filters = {
        "q": q.strip(),
        "kind": kind if _kind_of(kind) else "",
        "hamlet_id": hamlet_id if _int_or_none(hamlet_id) else "",
        "payment": payment if payment in YES_NO else "",
        "consent": consent if consent in YES_NO else "",
    }
    views, total = producer_views.list_producers(
        session,
        user,
        area_id=_int_or_none(hamlet_id),
        kind=_kind_of(kind),
        q=filters["q"] or None,
        has_payment=YES_NO.get(payment),
        has_consent=YES_NO.get(consent),
        limit=PAGE_SIZE,
        offset=offset,
    )
    kept = {k: v for k, v in filters.items() if v}
    hamlets = area_views.hamlet_choices(session, user, limit=CHOICE_LIMIT)
    return render(
        request,
        "producers/list.html",
        {
            "rows": views,
            **paging(
                "/producers", kept, total=total, offset=offset, page_size=PAGE_SIZE
            ),
            "filters": filters,
            "filtered": bool(kept),
            "export_url": export_url(kept),
            "hamlets": hamlets if len(hamlets) > 1 else [],
            "hamlet_names": producer_views.hamlet_names(session, views),
            "accounts": producer_views.payment_accounts(session, views),
            "kinds": PRODUCER_KIND_LABELS,
            "consent_labels": CONSENT_LABELS,
            "summary": producer_views.payment_summary,
            "may_write": may_write(user),
        },
        principal,
    )


# --- a producer's page ---------------------------------------------------------------


def _detail_page(
    request: Request,
    session: Session,
    principal: Principal,
    producer: Producer,
    refused: Refused | None = None,
) -> Response:
    user = principal.user
    view = producer_views.view(session, producer)
    hamlet = area_views.get(session, producer.hamlet_id)
    products = producer_views.products(session, user, producer)
    states = onboarding_worklist.states_of_products(
        session, user, [p.id for p in products]
    )
    current = producer_views.current_consents(session, producer)
    history = producer_views.consent_history(session, user, producer)
    accounts = producer_views.accounts_of(session, user, producer)
    people = user_views.display_names(
        session, [c.recorded_by_id for c in current.values() if c is not None]
    )
    shops = _shops(session, user, producer)
    latest = seller_views.latest_activity(session, [s for _, s in shops if s])
    return render_forms(
        request,
        "producers/detail.html",
        {
            "producer": view,
            "kind_label": PRODUCER_KIND_LABELS[view.kind],
            "hamlet": hamlet,
            "places": list(reversed(area_views.ancestors(session, hamlet))),
            "phone": display_vn,
            "products": products,
            "product_kinds": PRODUCT_KIND_LABELS,
            "states": states,
            "state_words": state_words,
            "current": current,
            "history": history,
            "people": people,
            "consent_labels": CONSENT_LABELS,
            "consequences": CONSEQUENCES,
            "accounts": accounts,
            "mask": producer_views.mask,
            "providers": producer_views.payment_providers(session),
            "payment_kinds": PAYMENT_KIND_LABELS,
            "payment_statuses": PAYMENT_STATUS_LABELS,
            "mobile_money": PaymentKind.mobile_money,
            "shops": shops,
            "seller_statuses": SELLER_STATUS_LABELS,
            "seller_starts": SELLER_STARTS,
            "seller_progress": seller_views.progress,
            "latest_activity": latest,
            "household_link": household_views.link_state(session, producer),
            "payout": lambda shop: payout_label(accounts, shop.payout_account_id),
            "claim_words": claim_words,
            "rejection": rejection,
            "when": local_time,
            "may_write": may_write(user),
            "trained_at": training_views.producer_sessions(session, producer),
            "visits": training_views.producer_visits(session, producer),
            "coaching_steps": COACHING_STEP_LABELS,
            "today": clock.today().isoformat(),
        },
        principal,
        refused,
    )


def _detail_form(
    request: Request,
    session: Session,
    principal: Principal,
    producer_id: int,
    which: str,
    values: Mapping[str, str],
    command: Callable[[], T],
    done: Callable[[T], str],
) -> Response:
    """Run one of the forms of a producer's page; a refusal shows the page again
    with the form ``which`` open and its typed ``values``."""

    def again(error: AppError) -> Response:
        producer = producer_views.get_producer(session, principal.user, producer_id)
        return _detail_page(
            request, session, principal, producer, Refused(error, values, which)
        )

    return submit(session, command, again=again, done=done)


def _add_to_producer(
    request: Request,
    session: Session,
    principal: Principal,
    producer_id: int,
    which: str,
    form: PostedForm,
    add: Callable[..., T],
    done: Callable[[T], str],
) -> Response:
    """One of a producer's page's forms adding to the producer (an e-payment
    account, a coaching visit, a shop): ``add(session, user, producer,
    **form.service_args())``, run as ``_detail_form`` runs it."""
    user = principal.user
    producer = producer_views.get_producer(session, user, producer_id)
    return _detail_form(
        request,
        session,
        principal,
        producer_id,
        which,
        form.typed(),
        lambda: add(session, user, producer, **form.service_args()),
        done,
    )


def _shops(
    session: Session, user: User, producer: Producer
) -> list[tuple[Marketplace, SellerAccountRead | None]]:
    """Each active marketplace with the producer's account there, if any (and
    an account on a marketplace since retired)."""
    accounts = {
        a.marketplace_id: a for a in seller_views.accounts_of(session, user, producer)
    }
    return [
        (market, accounts.get(market.id))
        for market, _ in marketplaces.list_marketplaces(session)
        if market.is_active or market.id in accounts
    ]


@router.get("/producers/new")
def new_producer(
    request: Request, session: SessionDep, principal: CurrentPrincipal
) -> Response:
    """The form to register a producer in a hamlet of one's area."""
    require_writer(principal.user, READ_ONLY)
    return _form_page(request, session, principal, None, values={"kind": "household"})


@router.post("/producers/new")
def create_producer(
    request: Request,
    session: SessionDep,
    principal: CurrentPrincipal,
    form: Annotated[ProducerForm, Form()],
) -> Response:
    """Register a producer, then open its page."""
    return submit(
        session,
        lambda: producer_service.create_producer(
            session, principal.user, **form.service_args()
        ),
        again=lambda error: _form_page(
            request, session, principal, None, values=form.typed(), refused=error
        ),
        done=lambda producer: f"/producers/{producer.id}?done=producer_created",
    )


@router.get("/producers/{producer_id}")
def producer_page(
    request: Request, session: SessionDep, principal: CurrentPrincipal, producer_id: int
) -> Response:
    """A producer: details, products on each marketplace, consents, e-payment."""
    producer = producer_views.get_producer(session, principal.user, producer_id)
    return _detail_page(request, session, principal, producer)


# --- edit ------------------------------------------------------------------------------


def _values_of(producer: Producer) -> dict[str, str]:
    return {
        "hamlet_id": str(producer.hamlet_id),
        "kind": producer.kind.value,
        "name": producer.name,
        "representative": producer.representative or "",
        "phone": display_vn(producer.phone),
        "tax_code": producer.tax_code or "",
        "version": str(producer.version),
    }


def _squeezed(value: str) -> str:
    """A value without spaces, so "0912 345 678" and "0912345678" compare equal."""
    return "".join(value.split())


def _form_page(
    request: Request,
    session: Session,
    principal: Principal,
    producer: Producer | None,
    *,
    values: Mapping[str, str],
    refused: AppError | None = None,
) -> Response:
    """The add or edit form; after a stale edit, the values as they are now beside."""
    user = principal.user
    here = area_views.get(session, producer.hamlet_id) if producer else None
    hamlets = _hamlet_options(session, user, here)
    current: dict[str, str] = {}
    if producer is not None and here is not None and isinstance(refused, StaleVersion):
        now = _values_of(producer)
        # The next save, made knowing the current values, goes over them.
        values = {**values, "version": now["version"]}
        shown = {
            **now,
            "kind": PRODUCER_KIND_LABELS[producer.kind],
            "hamlet_id": here.name,
        }
        current = {
            k: shown[k]
            for k, v in now.items()
            if k != "version" and _squeezed(v) != _squeezed(values.get(k, ""))
        }
    return render_form(
        request,
        "producers/form.html",
        {
            "producer": producer,
            "values": values,
            "current": current,
            "stale": isinstance(refused, StaleVersion),
            "hamlets": hamlets,
            "kinds": PRODUCER_KIND_LABELS,
        },
        principal,
        refused,
    )


@router.get("/producers/{producer_id}/edit")
def edit_producer(
    request: Request, session: SessionDep, principal: CurrentPrincipal, producer_id: int
) -> Response:
    """The edit form, holding the version read so no newer edit is overwritten."""
    producer = producer_views.get_producer(session, principal.user, producer_id)
    require_writer(principal.user, READ_ONLY)
    return _form_page(
        request, session, principal, producer, values=_values_of(producer)
    )


@router.post("/producers/{producer_id}/edit")
def update_producer(
    request: Request,
    session: SessionDep,
    principal: CurrentPrincipal,
    producer_id: int,
    form: Annotated[ProducerEdit, Form()],
) -> Response:
    """Save the producer; someone else's newer edit is shown, not overwritten."""
    user = principal.user
    producer_views.get_producer(session, user, producer_id)  # out of scope: 404
    return submit(
        session,
        lambda: producer_service.update_producer(
            session, user, producer_id, **form.service_args()
        ),
        again=lambda error: _form_page(
            request,
            session,
            principal,
            producer_views.get_producer(session, user, producer_id),
            values=form.typed(),
            refused=error,
        ),
        done=lambda _: f"/producers/{producer_id}?done=producer_saved",
    )


# --- consent and e-payment ---------------------------------------------------------


@router.post("/producers/{producer_id}/consents")
def record_consent(
    request: Request,
    session: SessionDep,
    principal: CurrentPrincipal,
    producer_id: int,
    field: Annotated[ConsentField, Form()],
    granted: Annotated[bool, Form()],
    note: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    """Give (with a note: who agreed, how) or withdraw consent for one public field."""
    user = principal.user
    producer = producer_views.get_producer(session, user, producer_id)
    done = "consent_granted" if granted else "consent_withdrawn"
    return _detail_form(
        request,
        session,
        principal,
        producer_id,
        f"consent-{field.value}",
        {"note": note},
        lambda: producer_service.record_consent(
            session, user, producer, field=field, granted=granted, note=note
        ),
        # The notice before the fragment, so the page opens at the consent changed.
        lambda _: f"/producers/{producer_id}?done={done}#consent-{field.value}",
    )


@router.post("/producers/{producer_id}/payment-accounts")
def add_payment_account(
    request: Request,
    session: SessionDep,
    principal: CurrentPrincipal,
    producer_id: int,
    form: Annotated[PaymentAccountForm, Form()],
) -> Response:
    """Record one more e-payment account: provider, status, the last 4 only."""
    return _add_to_producer(
        request,
        session,
        principal,
        producer_id,
        "account-new",
        form,
        producer_service.add_payment_account,
        lambda account: (
            f"/producers/{producer_id}?done=account_saved#account-{account.id}"
        ),
    )


@router.post("/producers/{producer_id}/coaching-visits")
def record_coaching_visit(
    request: Request,
    session: SessionDep,
    principal: CurrentPrincipal,
    producer_id: int,
    form: Annotated[CoachingVisitForm, Form()],
) -> Response:
    """Record a coaching visit at the producer's."""
    return _add_to_producer(
        request,
        session,
        principal,
        producer_id,
        "visit-new",
        form,
        training_service.record_visit,
        lambda visit: f"/producers/{producer_id}?done=visit_saved#visit-{visit.id}",
    )


@router.post("/coaching-visits/{visit_id}/delete")
def delete_coaching_visit(
    session: SessionDep, principal: CurrentPrincipal, visit_id: int
) -> Response:
    """Remove a coaching visit recorded by mistake."""
    visit = training_views.get_visit(session, principal.user, visit_id)
    producer_id = visit.producer_id
    training_service.delete_visit(session, principal.user, visit)
    return redirect(f"/producers/{producer_id}?done=visit_deleted#training")


@router.post("/payment-accounts/{account_id}")
def update_payment_account(
    request: Request,
    session: SessionDep,
    principal: CurrentPrincipal,
    account_id: int,
    form: Annotated[PaymentAccountForm, Form()],
) -> Response:
    """Change one e-payment account read at its version."""
    user = principal.user
    account = producer_views.get_payment_account(session, user, account_id)
    producer_id = account.producer_id
    return _detail_form(
        request,
        session,
        principal,
        producer_id,
        f"account-{account_id}",
        form.typed(),
        lambda: producer_service.update_payment_account(
            session, user, account, version=form.version or 0, **form.service_args()
        ),
        lambda _: f"/producers/{producer_id}?done=account_saved#account-{account_id}",
    )


# --- seller accounts -----------------------------------------------------------------


@router.post("/producers/{producer_id}/seller-accounts")
def start_seller_account(
    request: Request,
    session: SessionDep,
    principal: CurrentPrincipal,
    producer_id: int,
    form: Annotated[SellerStartForm, Form()],
) -> Response:
    """ "Bắt đầu mở gian hàng" on one marketplace, then open the account's page."""
    return _add_to_producer(
        request,
        session,
        principal,
        producer_id,
        f"seller-new-{form.marketplace_id}",
        form,
        seller_service.create_account,
        lambda account: f"/seller-accounts/{account.id}?done=seller_started",
    )
