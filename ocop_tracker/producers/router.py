"""JSON API of producers, their consents and payment accounts."""

from typing import Annotated, Any

from fastapi import APIRouter, Query, status
from fastapi.responses import JSONResponse
from sqlalchemy.orm import Session

from ocop_tracker.auth.deps import CurrentPrincipal
from ocop_tracker.core.answers import written
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
from ocop_tracker.producers import service as producer_service
from ocop_tracker.producers import views as producer_views
from ocop_tracker.producers.models import (
    PaymentAccount,
    Producer,
    ProducerKind,
)
from ocop_tracker.producers.schemas import (
    ConsentChange,
    ConsentOverview,
    ConsentRecord,
    ConsentState,
    PaymentAccountCreate,
    PaymentAccountRead,
    PaymentAccountUpdate,
    PaymentProviderCreate,
    PaymentProviderRead,
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


def account_read(account: PaymentAccount) -> PaymentAccountRead:
    """The masked account."""
    return PaymentAccountRead.from_object(
        account,
        provider_name=account.provider_info.name,
        masked=producer_views.mask(account),
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
    changes = body.model_dump(exclude_unset=True)
    return written(
        session,
        lambda: producer_service.update_producer(
            session, principal.user, producer_id, **changes
        ),
        lambda producer: _producer_now(session, producer),
    )


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


@router.get("/producers/{producer_id}/payment-accounts")
def list_payment_accounts(
    session: SessionDep, principal: CurrentPrincipal, producer_id: int
) -> list[PaymentAccountRead]:
    """The producer's e-payment accounts: provider, kind, status, last 4 characters.

    A producer "has e-payment" while one of them is open.
    """
    producer = producer_views.get_producer(session, principal.user, producer_id)
    accounts = producer_views.accounts_of(session, principal.user, producer)
    return [account_read(a) for a in accounts]


@router.post(
    "/producers/{producer_id}/payment-accounts",
    status_code=status.HTTP_201_CREATED,
)
def add_payment_account(
    session: SessionDep,
    principal: CurrentPrincipal,
    producer_id: int,
    body: PaymentAccountCreate,
) -> PaymentAccountRead:
    """Record one more account; a full number is accepted, only its last 4 are kept."""
    producer = producer_views.get_producer(session, principal.user, producer_id)
    account = producer_service.add_payment_account(
        session, principal.user, producer, **_account_args(body)
    )
    return account_read(account)


@router.get("/payment-accounts/{account_id}")
def get_payment_account(
    session: SessionDep, principal: CurrentPrincipal, account_id: int
) -> PaymentAccountRead:
    """One e-payment account, masked."""
    return account_read(
        producer_views.get_payment_account(session, principal.user, account_id)
    )


@router.put("/payment-accounts/{account_id}", response_model=PaymentAccountRead)
def update_payment_account(
    session: SessionDep,
    principal: CurrentPrincipal,
    account_id: int,
    body: PaymentAccountUpdate,
) -> PaymentAccountRead | JSONResponse:
    """Change an account read at ``version`` (409 with the account as it is now)."""
    account = producer_views.get_payment_account(session, principal.user, account_id)
    return written(
        session,
        lambda: producer_service.update_payment_account(
            session,
            principal.user,
            account,
            version=body.version,
            **_account_args(body),
        ),
        account_read,
    )


@router.get("/payment-providers")
def list_payment_providers(
    session: SessionDep, principal: CurrentPrincipal
) -> list[PaymentProviderRead]:
    """The e-wallets, Mobile Money services and banks an account can be with."""
    return [
        PaymentProviderRead.from_object(p)
        for p in producer_views.payment_providers(session)
    ]


@router.post("/payment-providers", status_code=status.HTTP_201_CREATED)
def add_payment_provider(
    session: SessionDep, principal: CurrentPrincipal, body: PaymentProviderCreate
) -> PaymentProviderRead:
    """Admins add a provider to choose from."""
    provider = producer_service.add_payment_provider(
        session, principal.user, **body.model_dump()
    )
    return PaymentProviderRead.from_object(provider)


def _account_args(body: PaymentAccountCreate) -> dict[str, Any]:
    number = body.account_number.get_secret_value() if body.account_number else None
    return {
        "provider": body.provider,
        "status": body.status,
        "account_number": number,
        "sim_in_holder_name": body.sim_in_holder_name,
    }
