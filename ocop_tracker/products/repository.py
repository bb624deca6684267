"""Every SQL statement about products, certificates and OCOP groups."""

import datetime as dt
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, case, exists, or_, select
from sqlalchemy.orm import Session, aliased

from ocop_tracker.areas import repository as area_repository
from ocop_tracker.auth.scope import scope_to_user
from ocop_tracker.core import query
from ocop_tracker.core.search import like_words
from ocop_tracker.producers.models import Producer
from ocop_tracker.products import rules
from ocop_tracker.products.models import (
    Certificate,
    OcopGroup,
    OcopSubgroup,
    Product,
    ProductKind,
)
from ocop_tracker.products.rules import CertificateStatus
from ocop_tracker.users.models import User

# --- products ----------------------------------------------------------------------


def get(session: Session, product_id: int) -> Product | None:
    """One product by id."""
    return session.get(Product, product_id)


def by_public_code(session: Session, code: str) -> Product | None:
    """The product a QR card points to."""
    return session.scalar(select(Product).where(Product.public_code == code))


def public_code_taken(session: Session, code: str) -> bool:
    """True if a product already carries this public code."""
    return (
        session.scalar(select(Product.id).where(Product.public_code == code))
        is not None
    )


def public_codes_taken(session: Session, codes: Sequence[str]) -> set[str]:
    """Which of ``codes`` a product already carries."""
    stmt = select(Product.public_code)
    return {
        c for (c,) in query.rows_in_chunks(session, stmt, Product.public_code, codes)
    }


def gtins_held(session: Session, variants: Sequence[str]) -> set[str]:
    """Which of these GTINs (any length) a product already carries."""
    stmt = select(Product.gtin)
    return {g for (g,) in query.rows_in_chunks(session, stmt, Product.gtin, variants)}


def gtin_holder(
    session: Session, variants: Sequence[str], *, exclude_id: int | None = None
) -> Product | None:
    """A product carrying this GTIN, written in any of its lengths."""
    stmt = select(Product).where(Product.gtin.in_(variants))
    if exclude_id is not None:
        stmt = stmt.where(Product.id != exclude_id)
    return session.scalar(stmt.limit(1))


def same_name(
    session: Session, producer_id: int, name: str, *, exclude_id: int | None = None
) -> Product | None:
    """A product of the producer with this name, ignoring case."""
    return query.same_name_key(
        session, Product, Product.producer_id, producer_id, name, exclude_id=exclude_id
    )


def producer_names(session: Session, producer_ids: Iterable[int]) -> dict[int, str]:
    """Names of producers by id."""
    return query.names_by_id(session, Producer.id, Producer.name, producer_ids)


def _in_force(cert: Any, day: dt.date) -> ColumnElement[bool]:
    """Same rule as ``rules.status_of`` in {valid, expiring}."""
    return and_(
        cert.decision_date <= day,
        cert.expires_on >= day,
        or_(cert.revoked_on.is_(None), cert.revoked_on > day),
    )


def _newest(
    column: Callable[[Any], ColumnElement[Any]], day: dt.date, *, in_force: bool
) -> Any:
    """``column`` of a product's newest certificate (in force, or decided) on
    ``day``; NULL when it has none.

    A scalar read per product, served by the index on (product, decision day):
    the planners of both databases run it as a seek for each product of the
    area, where joining on the newest certificate's id made PostgreSQL hash
    every certificate in the country.
    """
    inner = aliased(Certificate)
    condition = _in_force(inner, day) if in_force else inner.decision_date <= day
    return (
        select(column(inner))
        .where(inner.product_id == Product.id, condition)
        .order_by(inner.decision_date.desc(), inner.id.desc())
        .limit(1)
        .correlate(Product)
        .scalar_subquery()
    )


@dataclass(frozen=True)
class ProductFilters:
    """What a list of products is narrowed on; ``q`` is already folded.

    ``stars`` are those of the certificate in force; ``certificate`` is the
    standing of ``rules.standing``: valid, expiring, expired, revoked or none.
    """

    area_id: int | None = None
    kind: ProductKind | None = None
    group_id: int | None = None
    stars: int | None = None
    certificate: str | None = None
    q: str | None = None

    @property
    def reads_each_row(self) -> bool:
        """Whether a filter must read each product (not only its hamlet's index)."""
        return any(
            v is not None
            for v in (self.kind, self.group_id, self.stars, self.certificate, self.q)
        )


def list_statement(
    actor: User, filters: ProductFilters, *, day: dt.date
) -> Select[Product]:
    """Products inside the actor's area matching ``filters`` on ``day``."""
    stmt = scope_to_user(select(Product), actor, Product.hamlet_id)
    if filters.area_id is not None:
        stmt = stmt.where(
            Product.hamlet_id.in_(area_repository.subtree_ids(filters.area_id, day=day))
        )
    stmt = query.where_equal(
        stmt, (Product.kind, filters.kind), (Product.group_id, filters.group_id)
    )
    if filters.q:
        stmt = stmt.where(*like_words(Product.search_key, filters.q))
    stars, certificate = filters.stars, filters.certificate
    if stars is not None:
        stmt = stmt.where(_newest(lambda c: c.stars, day, in_force=True) == stars)
    if certificate is None:
        return stmt
    # The newest certificate in force: its expiry tells valid from expiring.
    expires = _newest(lambda c: c.expires_on, day, in_force=True)
    soon = day + dt.timedelta(days=rules.EXPIRING_DAYS)
    if certificate == CertificateStatus.valid:
        return stmt.where(expires > soon)
    if certificate == CertificateStatus.expiring:
        return stmt.where(expires <= soon)
    if certificate == "none":
        decided = select(Certificate.id).where(
            Certificate.product_id == Product.id, Certificate.decision_date <= day
        )
        return stmt.where(~exists(decided.correlate(Product)))
    # None in force: the newest decided one says revoked or expired.
    revoked = _newest(
        lambda c: case(
            (and_(c.revoked_on.is_not(None), c.revoked_on <= day), True),
            else_=False,
        ),
        day,
        in_force=False,
    )
    stmt = stmt.where(expires.is_(None))
    return stmt.where(revoked.is_(certificate == CertificateStatus.revoked))


def ids_answered_on(
    session: Session, actor: User, before: dt.datetime, day: dt.date
) -> Sequence[int]:
    """Ids of products in the actor's area a read as of ``day`` may answer:
    created before an instant (the end of ``day``), or holding a certificate
    decided on or before ``day`` (``history.records_as_of``, rule 3)."""
    decided = select(Certificate.product_id).where(Certificate.decision_date <= day)
    stmt = scope_to_user(
        select(Product.id).where(
            or_(Product.created_at < before, Product.id.in_(decided))
        ),
        actor,
        Product.hamlet_id,
    )
    return session.scalars(stmt.order_by(Product.id)).all()


def ids_in_subtree(session: Session, area_id: int, *, day: dt.date) -> set[int]:
    """Every area id under ``area_id`` on ``day`` (itself included)."""
    return set(session.scalars(area_repository.subtree_ids(area_id, day=day)))


# --- certificates -------------------------------------------------------------------


def get_certificate(session: Session, certificate_id: int) -> Certificate | None:
    """One certificate by id."""
    return session.get(Certificate, certificate_id)


def certificates_of(session: Session, product_id: int) -> Sequence[Certificate]:
    """A product's certificates, newest decision first."""
    return session.scalars(
        select(Certificate)
        .where(Certificate.product_id == product_id)
        .order_by(Certificate.decision_date.desc(), Certificate.id.desc())
    ).all()


def certificates_by_product(
    session: Session, product_ids: Iterable[int]
) -> dict[int, list[Certificate]]:
    """Certificates of each product (one query for a page)."""
    return query.grouped_in(
        session, select(Certificate), Certificate.product_id, product_ids
    )


def certificate_facts(
    session: Session, product_ids: Iterable[int]
) -> dict[int, list[dict[str, Any]]]:
    """Each product's certificates' dated facts as last recorded: id, decision
    date, expiry, revocation and stars (what applies on its own date)."""
    ids = list(product_ids)
    result: dict[int, list[dict[str, Any]]] = {i: [] for i in ids}
    if not ids:
        return result
    stmt = select(
        Certificate.product_id,
        Certificate.id,
        Certificate.decision_date,
        Certificate.expires_on,
        Certificate.revoked_on,
        Certificate.revoke_reason,
        Certificate.stars,
    ).where(Certificate.product_id.in_(ids))
    for row in session.execute(stmt):
        facts = row._asdict()
        result[facts.pop("product_id")].append(facts)
    return result


def certificate_numbered(
    session: Session, product_id: int, number: str, *, exclude_id: int | None = None
) -> Certificate | None:
    """The product's certificate with this decision number."""
    stmt = select(Certificate).where(
        Certificate.product_id == product_id, Certificate.decision_number == number
    )
    if exclude_id is not None:
        stmt = stmt.where(Certificate.id != exclude_id)
    return session.scalar(stmt)


# --- OCOP groups ---------------------------------------------------------------------


def groups(session: Session) -> Sequence[OcopGroup]:
    """The OCOP groups in their seeded order."""
    return session.scalars(select(OcopGroup).order_by(OcopGroup.id)).all()


def subgroups(session: Session) -> Sequence[OcopSubgroup]:
    """Every subgroup, by group and then in the order they were added."""
    return session.scalars(
        select(OcopSubgroup).order_by(OcopSubgroup.group_id, OcopSubgroup.id)
    ).all()


def get_group(session: Session, group_id: int) -> OcopGroup | None:
    """One group by id."""
    return session.get(OcopGroup, group_id)


def get_subgroup(session: Session, subgroup_id: int) -> OcopSubgroup | None:
    """One subgroup by id."""
    return session.get(OcopSubgroup, subgroup_id)


def subgroup_named(session: Session, group_id: int, name: str) -> OcopSubgroup | None:
    """A subgroup of the group with this name, ignoring case."""
    stmt = select(OcopSubgroup).where(OcopSubgroup.group_id == group_id)
    return query.first_named(session, stmt, name)
