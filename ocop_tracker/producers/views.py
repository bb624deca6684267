"""Reads of producers: one or a list, as of a past day, consents, payment account.

What routers and pages show; scope is checked through ``auth/scope.py``
(``ensure_visible`` for one, ``scope_to_user`` in the repository for lists)
and lists are read in a fixed number of statements. Commands are in
``producers/service.py``.
"""

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

from sqlalchemy.orm import Session

from ocop_tracker.auth.scope import ensure_visible, visible
from ocop_tracker.core import clock, query
from ocop_tracker.core.errors import NotFound
from ocop_tracker.core.text import fold
from ocop_tracker.history import service as history
from ocop_tracker.producers import repository
from ocop_tracker.producers.models import (
    Consent,
    ConsentField,
    PaymentAccount,
    PaymentProvider,
    PaymentStatus,
    Producer,
    ProducerKind,
)
from ocop_tracker.products.models import Product
from ocop_tracker.users.models import User


@dataclass(frozen=True)
class ProducerView:
    """A producer now, or as it stood at the end of ``as_of``."""

    id: int
    hamlet_id: int
    kind: ProducerKind
    name: str
    representative: str | None
    phone: str | None
    tax_code: str | None
    consents: Mapping[ConsentField, bool]
    version: int | None
    created_at: dt.datetime
    updated_at: dt.datetime | None
    as_of: dt.date | None = None
    recorded_on: dt.date | None = None  # entered after ``as_of`` (first values)


def get_producer(session: Session, actor: User, producer_id: int) -> Producer:
    """A producer the actor may see (404 otherwise)."""
    return visible(session, actor, repository.get(session, producer_id), "chủ thể")


def same_name(
    session: Session, actor: User, hamlet_id: int, name: str
) -> Producer | None:
    """The producer of a hamlet the actor may see with this name (case ignored).

    What a refused "this producer already exists" offers to continue with.
    """
    ensure_visible(session, actor, hamlet_id, "khóm/ấp")
    return repository.same_name(session, hamlet_id, name.strip())


def list_producers(
    session: Session,
    actor: User,
    *,
    area_id: int | None = None,
    kind: ProducerKind | None = None,
    q: str | None = None,
    has_payment: bool | None = None,
    has_consent: bool | None = None,
    sort: str = "name",
    order: str = "asc",
    limit: int = 50,
    offset: int = 0,
) -> tuple[list[ProducerView], int]:
    """Producers inside the actor's area; ``area_id`` narrows to a subtree.

    ``has_payment`` keeps those with (or without) an opened e-payment account,
    ``has_consent`` those agreeing (or not) to show some field publicly now.
    """
    stmt = repository.list_statement(
        actor,
        day=clock.today(),
        area_id=area_id,
        kind=kind,
        q=fold(q) if q else None,
        has_payment=has_payment,
        has_consent=has_consent,
    )
    order_by = query.list_order(Producer, sort, order)
    # A filter that reads each producer (its kind, words, accounts, consents)
    # counts in the page's own pass; the area alone counts from its index.
    narrowed = any(v is not None for v in (kind, q or None, has_payment, has_consent))
    rows, total = query.page_by_ids(
        session,
        stmt,
        Producer.id,
        order_by=order_by,
        limit=limit,
        offset=offset,
        one_pass=narrowed,
    )
    consents = repository.latest_consents(session, [p.id for p in rows])
    return [_view(p, consents[p.id]) for p in rows], total


def _granted(latest: Mapping[ConsentField, Consent]) -> dict[ConsentField, bool]:
    return {f: bool(latest.get(f) and latest[f].granted) for f in ConsentField}


def _view(producer: Producer, latest: Mapping[ConsentField, Consent]) -> ProducerView:
    return ProducerView(
        id=producer.id,
        hamlet_id=producer.hamlet_id,
        kind=producer.kind,
        name=producer.name,
        representative=producer.representative,
        phone=producer.phone,
        tax_code=producer.tax_code,
        consents=_granted(latest),
        version=producer.version,
        created_at=producer.created_at,
        updated_at=producer.updated_at,
    )


def view(session: Session, producer: Producer) -> ProducerView:
    """The producer now, with its current consents."""
    return _view(
        producer, repository.latest_consents(session, [producer.id])[producer.id]
    )


def producer_as_of(
    session: Session, actor: User, producer_id: int, day: dt.date
) -> ProducerView:
    """The producer as of the end of ``day`` (404 if it did not exist yet then,
    by the rule of ``history.records_as_of``: one of its products' certificates
    decided by then answers it with its first recorded values)."""
    clock.check_as_of(day)
    producer = get_producer(session, actor, producer_id)
    first = repository.first_decision_date(session, producer.id)
    record = history.records_as_of(
        session,
        Producer.__tablename__,
        [producer.id],
        day,
        valid_from={producer.id: first} if first is not None else None,
    ).get(producer.id)
    if record is None:
        raise NotFound(f"Chủ thể này chưa có vào ngày {day:%d/%m/%Y}.")
    state = record.state
    latest = repository.latest_consents(
        session, [producer.id], before=clock.end_of_day(day)
    )[producer.id]
    return ProducerView(
        id=producer.id,
        hamlet_id=int(state["hamlet_id"]),
        kind=ProducerKind(state["kind"]),
        name=str(state["name"]),
        representative=state.get("representative"),
        phone=state.get("phone"),
        tax_code=state.get("tax_code"),
        consents=_granted(latest),
        version=None,
        created_at=dt.datetime.fromisoformat(str(state["created_at"])),
        updated_at=None,
        as_of=day,
        recorded_on=record.recorded_on,
    )


class InHamlet(Protocol):
    """Anything read with the hamlet it lies in (a producer, a product)."""

    @property
    def hamlet_id(self) -> int: ...


def hamlet_names(session: Session, views: Sequence[InHamlet]) -> dict[int, str]:
    """Names of the hamlets of these producers (or products), in one statement."""
    return repository.hamlet_names(session, {v.hamlet_id for v in views})


def current_consents(
    session: Session, producer: Producer, *, on: dt.date | None = None
) -> dict[ConsentField, Consent | None]:
    """The record that counts for each field (None: never asked, so not public)."""
    before = clock.end_of_day(on) if on is not None else None
    latest = repository.latest_consents(session, [producer.id], before=before)
    return {f: latest[producer.id].get(f) for f in ConsentField}


def public_fields(session: Session, producer: Producer) -> frozenset[ConsentField]:
    """Fields the producer currently agrees to show on public pages."""
    return frozenset(
        f for f, c in current_consents(session, producer).items() if c and c.granted
    )


def consent_history(
    session: Session, actor: User, producer: Producer
) -> Sequence[tuple[Consent, str | None]]:
    """Every consent record of the producer, newest first, with who recorded it."""
    ensure_visible(session, actor, producer.hamlet_id, "chủ thể")
    return repository.consent_history(session, producer.id)


def get_payment_account(
    session: Session, actor: User, account_id: int
) -> PaymentAccount:
    """One payment account the actor may see (404 otherwise)."""
    account = repository.get_payment_account(session, account_id)
    return visible(session, actor, account, "tài khoản thanh toán")


def accounts_of(
    session: Session, actor: User, producer: Producer
) -> Sequence[PaymentAccount]:
    """The producer's payment accounts, in the order recorded."""
    ensure_visible(session, actor, producer.hamlet_id, "chủ thể")
    return repository.payment_accounts(session, [producer.id]).get(producer.id, [])


def payment_accounts(
    session: Session, views: Sequence[ProducerView]
) -> dict[int, list[PaymentAccount]]:
    """The payment accounts of these producers (read in scope), in one statement."""
    return repository.payment_accounts(session, [v.id for v in views])


def payment_providers(session: Session) -> Sequence[PaymentProvider]:
    """The wallets, Mobile Money services and banks to choose from."""
    return repository.payment_providers(session)


def mask(account: PaymentAccount) -> str | None:
    """``Viettel Money ••••6789``: the only form an account number is ever shown in."""
    if account.last4 is None:
        return None
    return f"{account.provider_info.name} ••••{account.last4}"


def payment_summary(accounts: Sequence[PaymentAccount]) -> str | None:
    """The producer's open accounts in a line (masked), or None if none is open."""
    shown = [
        mask(a) or a.provider_info.name
        for a in accounts
        if a.status is PaymentStatus.open
    ]
    return ", ".join(shown) or None


def has_open_payment(accounts: Sequence[PaymentAccount]) -> bool:
    """A producer "has e-payment" while one of its accounts is open."""
    return any(a.status is PaymentStatus.open for a in accounts)


def products(session: Session, actor: User, producer: Producer) -> Sequence[Product]:
    """The producer's products, by name (they lie in its hamlet, so in scope)."""
    ensure_visible(session, actor, producer.hamlet_id, "chủ thể")
    return sorted(
        repository.products_of(session, producer.id), key=lambda p: (p.name, p.id)
    )
