"""A producer's seller account on one marketplace as a page: its details, the
edit form (a status move with its day, the shop, the masked login), the
checklist of what the marketplace asks, each item a small form, and "Báo gian
hàng đã mở", the claim an official verifies on ``/verify``.

Reads come from ``sellers/views.py``, commands from ``sellers/service.py``;
every form posts, then redirects, and a refusal shows the page again with the
refused form's typed values and each message beside its field.
"""

from collections.abc import Callable, Mapping, Sequence
from functools import partial
from typing import Annotated

from fastapi import APIRouter, Form, Request
from sqlalchemy.orm import Session
from starlette.responses import Response

from ocop_tracker.auth.deps import CurrentPrincipal, Principal
from ocop_tracker.core.db import SessionDep
from ocop_tracker.core.labels import labels
from ocop_tracker.onboarding import marketplaces
from ocop_tracker.producers import views as producer_views
from ocop_tracker.producers.models import PaymentAccount, PaymentStatus
from ocop_tracker.sellers import rules as seller_rules
from ocop_tracker.sellers import service as seller_service
from ocop_tracker.sellers import views as seller_views
from ocop_tracker.sellers.models import ClaimStatus, SellerStatus
from ocop_tracker.sellers.schemas import SellerAccountRead
from ocop_tracker.users import views as user_views
from ocop_tracker.web.forms import (
    PAYMENT_STATUS_LABELS,
    SELLER_STATUS_LABELS,
    ChecklistForm,
    OpenClaimForm,
    SellerAccountEdit,
    may_write,
)
from ocop_tracker.web.refused import (
    PostedForm,
    Refused,
    render_forms,
    submit,
)
from ocop_tracker.web.render import local_time

router = APIRouter(include_in_schema=False)

CLAIM_LABELS: Mapping[ClaimStatus, str] = labels(ClaimStatus)


def status_choices(current: SellerStatus) -> list[tuple[str, str]]:
    """The statuses the edit form offers: the current one and the moves
    ``sellers.rules.MOVES`` allows by hand (never "open": a claim does that)."""
    allowed = seller_rules.MOVES[current] - {SellerStatus.open}
    return [
        (s.value, SELLER_STATUS_LABELS[s])
        for s in SellerStatus
        if s is current or s in allowed
    ]


def claim_words(read: SellerAccountRead) -> str | None:
    """Where the team's "open" claim stands, in the team's words."""
    if read.claim_status is ClaimStatus.pending:
        return "Đã báo mở, chờ cán bộ xác minh"
    if read.claim_status is ClaimStatus.rejected:
        return "Cán bộ chưa duyệt việc mở gian hàng"
    if read.claim_status is ClaimStatus.approved:
        return "Cán bộ đã xác minh gian hàng đang mở"
    return None


def rejection(read: SellerAccountRead) -> str | None:
    """The official's comment on the last rejected claim, while it stands."""
    if read.claim_status is not ClaimStatus.rejected:
        return None
    last = next((v for v in read.verifications if v.comment), None)
    return last.comment if last else None


def _payment_words(account: PaymentAccount) -> str:
    words = producer_views.mask(account) or account.provider_info.name
    if account.status is PaymentStatus.open:
        return words
    return f"{words} ({PAYMENT_STATUS_LABELS[account.status].lower()})"


def payout_label(accounts: Sequence[PaymentAccount], chosen: int | None) -> str | None:
    """The e-payment account the shop's sales are paid into, in words."""
    found = next((a for a in accounts if a.id == chosen), None)
    return _payment_words(found) if found is not None else None


def payout_options(
    accounts: Sequence[PaymentAccount], chosen: int | None
) -> list[tuple[str, str]]:
    """The producer's accounts the payout may point to (closed ones only if chosen)."""
    return [("", "Chưa chọn")] + [
        (str(a.id), _payment_words(a))
        for a in accounts
        if a.status is not PaymentStatus.closed or a.id == chosen
    ]


def _people(session: Session, read: SellerAccountRead) -> dict[int, str]:
    ids = [
        read.claimed_by_id,
        read.verified_by_id,
        *(item.done_by_id for item in read.checklist),
        *(v.decided_by_id for v in read.verifications),
    ]
    return user_views.display_names(session, ids)


def _page(
    request: Request,
    session: Session,
    principal: Principal,
    account_id: int,
    refused: Refused | None = None,
) -> Response:
    user = principal.user
    account = seller_views.get_account(session, user, account_id)
    read = seller_views.read(session, account)
    producer = producer_views.get_producer(session, user, read.producer_id)
    market = marketplaces.get(session, read.marketplace_id)
    writer = may_write(user)
    done, total = seller_views.progress(read)
    payments = producer_views.accounts_of(session, user, producer)
    choices = seller_views.url_choices(session, read)
    picked = request.query_params.get("shop_url")
    return render_forms(
        request,
        "sellers/detail.html",
        {
            "account": read,
            "producer": producer,
            "market": market,
            "status_label": SELLER_STATUS_LABELS[read.status],
            "status_options": status_choices(read.status),
            "claim_words": claim_words(read),
            "claim_labels": CLAIM_LABELS,
            "rejection": rejection(read),
            "done": done,
            "total": total,
            "missing": seller_views.missing_required(read.checklist),
            "people": _people(session, read),
            "payout": payout_label(payments, read.payout_account_id),
            "payout_options": payout_options(payments, read.payout_account_id),
            "url_choices": choices,
            "picked_url": picked if picked in choices else None,
            "when": local_time,
            "may_write": writer,
            "may_claim": writer
            and read.claim_status is not ClaimStatus.pending
            and read.status in seller_rules.CLAIMABLE,
        },
        principal,
        refused,
    )


def _post(
    request: Request,
    session: Session,
    principal: Principal,
    account_id: int,
    which: str,
    form: PostedForm,
    command: Callable[..., object],
    done: str,
) -> Response:
    """Run one of the page's forms on the account: ``command(session, user,
    account, **form.service_args())``; a refusal shows the page again with the
    form ``which`` open."""
    user = principal.user
    account = seller_views.get_account(session, user, account_id)
    return submit(
        session,
        lambda: command(session, user, account, **form.service_args()),
        again=lambda error: _page(
            request, session, principal, account_id, Refused(error, form.typed(), which)
        ),
        done=lambda _: done,
    )


@router.get("/seller-accounts/{account_id}")
def account_page(
    request: Request, session: SessionDep, principal: CurrentPrincipal, account_id: int
) -> Response:
    """A seller account: its shop, status, checklist and the "open" claim."""
    return _page(request, session, principal, account_id)


@router.post("/seller-accounts/{account_id}")
def update_account(
    request: Request,
    session: SessionDep,
    principal: CurrentPrincipal,
    account_id: int,
    form: Annotated[SellerAccountEdit, Form()],
) -> Response:
    """Save the account read at its version: a status move, the shop, the login."""
    return _post(
        request,
        session,
        principal,
        account_id,
        "edit",
        form,
        seller_service.update_account,
        f"/seller-accounts/{account_id}?done=seller_saved",
    )


@router.post("/seller-accounts/{account_id}/checklist/{item_code}")
def set_item(
    request: Request,
    session: SessionDep,
    principal: CurrentPrincipal,
    account_id: int,
    item_code: str,
    form: Annotated[ChecklistForm, Form()],
) -> Response:
    """Tick an item of the checklist (with a note or evidence), or undo it."""
    done = "seller_item_done" if form.done else "seller_item_undone"
    return _post(
        request,
        session,
        principal,
        account_id,
        f"item-{item_code}",
        form,
        partial(seller_service.set_item, item_code=item_code),
        f"/seller-accounts/{account_id}?done={done}#item-{item_code}",
    )


@router.post("/seller-accounts/{account_id}/claim")
def claim_open(
    request: Request,
    session: SessionDep,
    principal: CurrentPrincipal,
    account_id: int,
    form: Annotated[OpenClaimForm, Form()],
) -> Response:
    """Report the shop open with its URL; an official verifies it."""
    return _post(
        request,
        session,
        principal,
        account_id,
        "claim",
        form,
        seller_service.claim_open,
        f"/seller-accounts/{account_id}?done=seller_claimed",
    )
