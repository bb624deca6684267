"""JSON API of producers, their consents and payment accounts."""

from typing import Annotated, Any

from fastapi import APIRouter, Query, status
from fastapi.responses import JSONResponse
from sqlalchemy.orm import Session

from ocop_tracker.auth.deps import CurrentPrincipal
from ocop_tracker.core.db import SessionDep
from ocop_tracker.core.phone import display_vn
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
from ocop_tracker.core.versions import StaleVersion, stale_response
from ocop_tracker.producers import service as producer_service
from ocop_tracker.producers import views as producer_views
from ocop_tracker.producers.models import (
    PaymentAccount,
    PaymentStatus,
    Producer,
    ProducerKind,
)
from ocop_tracker.producers.schemas import (
    ConsentChange,
    ConsentOverview,
    ConsentRecord,
    ConsentState,
    PaymentAccountRead,
    PaymentAccountWrite,
    ProducerCreate,
    ProducerRead,
    ProducerUpdate,
    SortField,
)
from ocop_tracker.producers.views import ProducerView

# Every route documents the 409 of a stale write, which carries the record as it is now.
router = APIRouter(tags=["producers"], responses=STALE_RESPONSES)


def to_read(session: Session, views: list[ProducerView]) -> list[ProducerRead]:
    """API models of producer views, with their hamlet names."""
    names = producer_views.hamlet_names(session, views)
    return [
        ProducerRead.from_object(
            v,
            hamlet_name=names.get(v.hamlet_id, ""),
            phone_display=display_vn(v.phone) or None,
            consents=dict(v.consents),
        )
        for v in views
    ]


def _producer_now(session: Session, producer: Producer) -> ProducerRead:
    return to_read(session, [producer_views.view(session, producer)])[0]


def account_read(
    producer_id: int, account: PaymentAccount | None
) -> PaymentAccountRead:
    """The masked account; "none" when nothing was recorded yet."""
    if account is None:
        return PaymentAccountRead(
            producer_id=producer_id,
            provider=None,
            status=PaymentStatus.none,
            last4=None,
            masked=None,
            version=None,
            updated_at=None,
        )
    return PaymentAccountRead.from_object(
        account, producer_id=producer_id, masked=producer_service.mask(account)
    )


@router.get("/producers")
def list_producers(
    session: SessionDep,
    principal: CurrentPrincipal,
    area_id: Annotated[
        WholeNumber | None, Query(description="Only producers under this area")
    ] = None,
    kind: ProducerKind | None = None,
    q: SearchText = None,
    sort: SortField = SortField.name,
    order: SortOrder = SortOrder.asc,
    limit: Limit = 50,
    offset: Offset = 0,
) -> Page[ProducerRead]:
    """Producers inside the caller's area, filtered, searched and sorted."""
    views, total = producer_views.list_producers(
        session,
        principal.user,
        area_id=area_id,
        kind=kind,
        q=q,
        sort=sort.value,
        order=order.value,
        limit=limit,
        offset=offset,
    )
    return Page[ProducerRead](
        items=to_read(session, views), total=total, limit=limit, offset=offset
    )


@router.post("/producers", status_code=status.HTTP_201_CREATED)
def create_producer(
    session: SessionDep, principal: CurrentPrincipal, body: ProducerCreate
) -> ProducerRead:
    """Register a producer in a hamlet of the caller's area."""
    producer = producer_service.create_producer(
        session, principal.user, **body.model_dump()
    )
    return _producer_now(session, producer)


@router.get("/producers/{producer_id}")
def get_producer(
    session: SessionDep,
    principal: CurrentPrincipal,
    producer_id: int,
    as_of: AsOf = None,
) -> ProducerRead:
    """One producer, now or as it stood at the end of ``as_of``."""
    if as_of is not None:
        view = producer_views.producer_as_of(
            session, principal.user, producer_id, as_of
        )
    else:
        producer = producer_views.get_producer(session, principal.user, producer_id)
        view = producer_views.view(session, producer)
    return to_read(session, [view])[0]


@router.patch("/producers/{producer_id}", response_model=ProducerRead)
def update_producer(
    session: SessionDep,
    principal: CurrentPrincipal,
    producer_id: int,
    body: ProducerUpdate,
) -> ProducerRead | JSONResponse:
    """Change a producer; send the ``version`` you read (409 with the current one)."""
    try:
        producer = producer_service.update_producer(
            session,
            principal.user,
            producer_id,
            **body.model_dump(exclude_unset=True),
        )
    except StaleVersion as exc:
        return stale_response(session, exc, lambda p: _producer_now(session, p))
    return _producer_now(session, producer)


@router.get("/producers/{producer_id}/consents")
def get_consents(
    session: SessionDep, principal: CurrentPrincipal, producer_id: int
) -> ConsentOverview:
    """Which fields may be public now, and every consent record, newest first."""
    producer = producer_views.get_producer(session, principal.user, producer_id)
    rows = producer_views.consent_history(session, principal.user, producer)
    current = producer_views.current_consents(session, producer)
    return ConsentOverview(
        current={
            field: ConsentState(
                granted=bool(c and c.granted),
                recorded_at=c.recorded_at if c else None,
                recorded_by_id=c.recorded_by_id if c else None,
            )
            for field, c in current.items()
        },
        history=[_consent_read(c, name) for c, name in rows],
    )


def _consent_read(consent: Any, recorder: str | None) -> ConsentRecord:
    return ConsentRecord.from_object(consent, recorded_by_name=recorder)


@router.post("/producers/{producer_id}/consents", status_code=status.HTTP_201_CREATED)
def change_consent(
    session: SessionDep,
    principal: CurrentPrincipal,
    producer_id: int,
    body: ConsentChange,
) -> ConsentRecord:
    """Record a consent given or withdrawn for one public field."""
    producer = producer_views.get_producer(session, principal.user, producer_id)
    consent = producer_service.record_consent(
        session, principal.user, producer, **body.model_dump()
    )
    return _consent_read(consent, principal.user.display_name)


@router.get("/producers/{producer_id}/payment-account")
def get_payment_account(
    session: SessionDep, principal: CurrentPrincipal, producer_id: int
) -> PaymentAccountRead:
    """The producer's e-payment account: provider, status and last 4 characters."""
    producer = producer_views.get_producer(session, principal.user, producer_id)
    account = producer_views.get_payment_account(session, principal.user, producer)
    return account_read(producer.id, account)


@router.put(
    "/producers/{producer_id}/payment-account", response_model=PaymentAccountRead
)
def set_payment_account(
    session: SessionDep,
    principal: CurrentPrincipal,
    producer_id: int,
    body: PaymentAccountWrite,
) -> PaymentAccountRead | JSONResponse:
    """Set the account; a full number is accepted but only its last 4 are kept."""
    producer = producer_views.get_producer(session, principal.user, producer_id)
    number = body.account_number.get_secret_value() if body.account_number else None
    try:
        account = producer_service.set_payment_account(
            session,
            principal.user,
            producer,
            provider=body.provider,
            status=body.status,
            account_number=number,
            version=body.version,
        )
    except StaleVersion as exc:
        return stale_response(session, exc, lambda a: account_read(producer_id, a))
    return account_read(producer.id, account)
