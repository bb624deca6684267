"""Every SQL statement about producers, consents and payment accounts."""

import datetime as dt
from collections.abc import Iterable, Sequence

from sqlalchemy import Exists, Select, and_, exists, func, or_, select
from sqlalchemy.orm import Session, aliased

from ocop_tracker.areas import repository as area_repository
from ocop_tracker.areas.models import AdminUnit
from ocop_tracker.auth.scope import scope_to_user
from ocop_tracker.core import query
from ocop_tracker.core.search import like_words
from ocop_tracker.producers.models import (
    Consent,
    ConsentField,
    PaymentAccount,
    PaymentProvider,
    PaymentStatus,
    Producer,
    ProducerKind,
)
from ocop_tracker.products.models import Certificate, Product
from ocop_tracker.users.models import User


def get(session: Session, producer_id: int) -> Producer | None:
    """One producer by id."""
    return session.get(Producer, producer_id)


def same_name(
    session: Session, hamlet_id: int, name: str, *, exclude_id: int | None = None
) -> Producer | None:
    """A producer of the hamlet with this name, ignoring case."""
    return query.same_name_key(
        session, Producer, Producer.hamlet_id, hamlet_id, name, exclude_id=exclude_id
    )


def list_statement(
    actor: User,
    *,
    day: dt.date,
    area_id: int | None = None,
    kind: ProducerKind | None = None,
    q: str | None = None,
    has_payment: bool | None = None,
    has_consent: bool | None = None,
) -> Select[Producer]:
    """Producers inside the actor's area matching the filters (``q`` folded).

    ``has_payment``: with (or without) an open e-payment account;
    ``has_consent``: agreeing (or not) to show at least one field publicly now.
    """
    stmt = scope_to_user(select(Producer), actor, Producer.hamlet_id)
    if area_id is not None:
        stmt = stmt.where(
            Producer.hamlet_id.in_(area_repository.subtree_ids(area_id, day=day))
        )
    if kind is not None:
        stmt = stmt.where(Producer.kind == kind)
    if q:
        stmt = stmt.where(*like_words(Producer.search_key, q))
    if has_payment is not None:
        opened = exists().where(
            PaymentAccount.producer_id == Producer.id,
            PaymentAccount.status == PaymentStatus.open,
        )
        stmt = stmt.where(opened if has_payment else ~opened)
    if has_consent is not None:
        granted = _granted_now()
        stmt = stmt.where(granted if has_consent else ~granted)
    return stmt


def _granted_now() -> Exists:
    """A producer's newest record of some field is a grant (correlated EXISTS)."""
    newer = aliased(Consent)
    superseded = exists().where(
        newer.producer_id == Consent.producer_id,
        newer.field == Consent.field,
        or_(
            newer.recorded_at > Consent.recorded_at,
            and_(newer.recorded_at == Consent.recorded_at, newer.id > Consent.id),
        ),
    )
    return exists().where(
        Consent.producer_id == Producer.id, Consent.granted.is_(True), ~superseded
    )


def hamlet_names(session: Session, hamlet_ids: Iterable[int]) -> dict[int, str]:
    """Names of hamlets by id."""
    return query.names_by_id(session, AdminUnit.id, AdminUnit.name, hamlet_ids)


def consent_history(
    session: Session, producer_id: int, *, before: dt.datetime | None = None
) -> Sequence[tuple[Consent, str | None]]:
    """A producer's consent records with the recorder's name, newest first."""
    stmt = (
        select(Consent, User.display_name)
        .outerjoin(User, User.id == Consent.recorded_by_id)
        .where(Consent.producer_id == producer_id)
        .order_by(Consent.recorded_at.desc(), Consent.id.desc())
    )
    if before is not None:
        stmt = stmt.where(Consent.recorded_at < before)
    return [(row[0], row[1]) for row in session.execute(stmt)]


def latest_consents(
    session: Session, producer_ids: Iterable[int], *, before: dt.datetime | None = None
) -> dict[int, dict[ConsentField, Consent]]:
    """For each producer, the newest record of each field (the one that counts)."""
    ids = list(producer_ids)
    result: dict[int, dict[ConsentField, Consent]] = {i: {} for i in ids}
    if not ids:
        return result
    stmt = (
        select(Consent)
        .where(Consent.producer_id.in_(ids))
        .order_by(Consent.recorded_at, Consent.id)
    )
    if before is not None:
        stmt = stmt.where(Consent.recorded_at < before)
    for consent in session.scalars(stmt):
        result[consent.producer_id][consent.field] = consent
    return result


def consents_of(session: Session, producer_id: int) -> Sequence[Consent]:
    """Every consent row of a producer."""
    return session.scalars(
        select(Consent).where(Consent.producer_id == producer_id)
    ).all()


def payment_provider(session: Session, code: str) -> PaymentProvider | None:
    """A payment provider by its code."""
    return session.scalar(select(PaymentProvider).where(PaymentProvider.code == code))


def payment_providers(session: Session) -> Sequence[PaymentProvider]:
    """Every payment provider, in the order they are offered."""
    stmt = select(PaymentProvider).order_by(
        PaymentProvider.position, PaymentProvider.id
    )
    return session.scalars(stmt).all()


def next_provider_position(session: Session) -> int:
    """Where a new provider goes: after the last one."""
    last = session.scalar(select(func.max(PaymentProvider.position)))
    return (last or 0) + 10


def get_payment_account(session: Session, account_id: int) -> PaymentAccount | None:
    """One payment account by id."""
    return session.get(PaymentAccount, account_id)


def payment_accounts(
    session: Session, producer_ids: Iterable[int]
) -> dict[int, list[PaymentAccount]]:
    """Each producer's payment accounts, in the order recorded, in one statement."""
    found: dict[int, list[PaymentAccount]] = {}
    stmt = select(PaymentAccount).order_by(PaymentAccount.id)
    for account in query.all_in(
        session, stmt, PaymentAccount.producer_id, producer_ids
    ):
        found.setdefault(account.producer_id, []).append(account)
    return found


def products_of(session: Session, producer_id: int) -> Sequence[Product]:
    """The producer's products (to follow a move or a new name)."""
    return session.scalars(
        select(Product).where(Product.producer_id == producer_id)
    ).all()


def certificates_of_products(
    session: Session, product_ids: Iterable[int]
) -> Sequence[Certificate]:
    """Certificates of the given products."""
    return query.all_in(
        session, select(Certificate), Certificate.product_id, product_ids
    )


def first_decision_date(session: Session, producer_id: int) -> dt.date | None:
    """The earliest decision date of the producer's products' certificates."""
    stmt = (
        select(func.min(Certificate.decision_date))
        .join(Product, Product.id == Certificate.product_id)
        .where(Product.producer_id == producer_id)
    )
    return session.scalar(stmt)
