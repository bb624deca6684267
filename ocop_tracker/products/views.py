"""Reads of products, their OCOP certificates and the OCOP groups.

What routers and pages show: the product and certificate views, lists, and
reads ``as_of`` a past day. Those follow the rule of ``history.records_as_of``:
a certificate's dates and stars apply on the dates they name (as coverage counts
them), the rest is replayed from the audit trail, and a product entered after
the day is answered with its first values and ``recorded_on`` when one of its
certificates was decided by then.
"""

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from ocop_tracker.auth.scope import ensure_visible, visible
from ocop_tracker.core import clock, query
from ocop_tracker.core.errors import InvalidInput, NotFound
from ocop_tracker.core.text import fold
from ocop_tracker.history import service as history
from ocop_tracker.producers.models import Producer
from ocop_tracker.products import repository, rules
from ocop_tracker.products.models import (
    Certificate,
    CertLevel,
    OcopGroup,
    OcopSubgroup,
    Product,
    ProductKind,
)
from ocop_tracker.products.repository import ProductFilters
from ocop_tracker.products.rules import CertificateStatus
from ocop_tracker.users.models import User


@dataclass(frozen=True)
class CertificateView:
    """A certificate now, or as it stood at the end of ``as_of``, with its status."""

    id: int
    product_id: int
    stars: int
    score: int | None
    decision_number: str
    decision_date: dt.date
    authority: str
    level: CertLevel
    expires_on: dt.date
    revoked_on: dt.date | None
    revoke_reason: str | None
    status: CertificateStatus
    version: int | None
    created_at: dt.datetime
    updated_at: dt.datetime | None
    as_of: dt.date | None = None
    recorded_on: dt.date | None = None  # entered after ``as_of`` (first values)


@dataclass(frozen=True)
class ProductView:
    """A product now, or as it stood at the end of ``as_of``, with its standing."""

    id: int
    producer_id: int
    producer_name: str
    hamlet_id: int
    name: str
    kind: ProductKind
    group_id: int | None
    subgroup_id: int | None
    unit: str | None
    price: int | None
    description: str | None
    gtin: str | None
    public_code: str
    search_key: str
    stars: int | None
    certificate_status: CertificateStatus | None
    certificate_expires_on: dt.date | None
    version: int | None
    created_at: dt.datetime
    updated_at: dt.datetime | None
    as_of: dt.date | None = None
    recorded_on: dt.date | None = None  # entered after ``as_of`` (first values)


# --- views -----------------------------------------------------------------------


def _date(value: Any) -> dt.date:
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value))


def _opt_date(value: Any) -> dt.date | None:
    return None if value is None else _date(value)


def _moment(value: Any) -> dt.datetime:
    if isinstance(value, dt.datetime):
        return value
    return dt.datetime.fromisoformat(str(value))


def _opt_int(value: Any) -> int | None:
    return None if value is None else int(value)


def certificate_view(cert: Certificate, on: dt.date) -> CertificateView:
    """A stored certificate with its status on ``on``."""
    return CertificateView(
        id=cert.id,
        product_id=cert.product_id,
        stars=cert.stars,
        score=cert.score,
        decision_number=cert.decision_number,
        decision_date=cert.decision_date,
        authority=cert.authority,
        level=cert.level,
        expires_on=cert.expires_on,
        revoked_on=cert.revoked_on,
        revoke_reason=cert.revoke_reason,
        status=rules.status_of(cert, on),
        version=cert.version,
        created_at=cert.created_at,
        updated_at=cert.updated_at,
    )


def _certificate_from_state(
    state: Mapping[str, Any], day: dt.date, recorded_on: dt.date | None = None
) -> CertificateView:
    decision = _date(state["decision_date"])
    expires = _date(state["expires_on"])
    revoked = _opt_date(state.get("revoked_on"))
    return CertificateView(
        id=int(state["id"]),
        product_id=int(state["product_id"]),
        stars=int(state["stars"]),
        score=_opt_int(state.get("score")),
        decision_number=str(state["decision_number"]),
        decision_date=decision,
        authority=str(state["authority"]),
        level=CertLevel(state["level"]),
        expires_on=expires,
        revoked_on=revoked,
        revoke_reason=state.get("revoke_reason"),
        status=rules.certificate_status(
            decision_date=decision, expires_on=expires, revoked_on=revoked, on=day
        ),
        version=None,
        created_at=_moment(state["created_at"]),
        updated_at=None,
        as_of=day,
        recorded_on=recorded_on,
    )


def _product_view(
    product: Product,
    producer_name: str,
    certs: Iterable[CertificateView],
    on: dt.date,
) -> ProductView:
    current, status = rules.standing(certs, on)
    in_force = status in rules.IN_FORCE
    return ProductView(
        id=product.id,
        producer_id=product.producer_id,
        producer_name=producer_name,
        hamlet_id=product.hamlet_id,
        name=product.name,
        kind=product.kind,
        group_id=product.group_id,
        subgroup_id=product.subgroup_id,
        unit=product.unit,
        price=_opt_int(product.price),
        description=product.description,
        gtin=product.gtin,
        public_code=product.public_code,
        search_key=product.search_key,
        stars=current.stars if current is not None and in_force else None,
        certificate_status=status,
        certificate_expires_on=current.expires_on if current is not None else None,
        version=product.version,
        created_at=product.created_at,
        updated_at=product.updated_at,
    )


def _views(session: Session, products: Sequence[Product]) -> list[ProductView]:
    today = clock.today()
    names = repository.producer_names(session, {p.producer_id for p in products})
    certs = repository.certificates_by_product(session, [p.id for p in products])
    return [
        _product_view(
            p,
            names.get(p.producer_id, ""),
            [certificate_view(c, today) for c in certs[p.id]],
            today,
        )
        for p in products
    ]


def view(session: Session, product: Product) -> ProductView:
    """The product now, with the standing of its certificates today."""
    return _views(session, [product])[0]


def _first_decisions(
    facts: Mapping[int, Sequence[Mapping[str, Any]]],
) -> dict[int, dt.date]:
    """Per product, the earliest decision date of its certificates."""
    return {
        pid: min(f["decision_date"] for f in certs)
        for pid, certs in facts.items()
        if certs
    }


def _dated_on(facts: Mapping[str, Any], day: dt.date) -> dict[str, Any]:
    """A certificate's dated facts as they stand on ``day``: a revocation dated
    later has not happened yet."""
    out = {k: v for k, v in facts.items() if k != "id"}
    if out["revoked_on"] is not None and out["revoked_on"] > day:
        out.update(revoked_on=None, revoke_reason=None)
    return out


def _certificates_as_of(
    session: Session,
    facts: Mapping[int, Sequence[Mapping[str, Any]]],
    day: dt.date,
) -> dict[int, list[CertificateView]]:
    """Per product, its certificates as of ``day`` (``history.records_as_of``)."""
    dated = {f["id"]: _dated_on(f, day) for certs in facts.values() for f in certs}
    records = history.records_as_of(
        session,
        Certificate.__tablename__,
        sorted(dated),
        day,
        valid_from={i: f["decision_date"] for i, f in dated.items()},
        dated=dated,
    )
    certs: dict[int, list[CertificateView]] = {pid: [] for pid in facts}
    for record in records.values():
        cert = _certificate_from_state(record.state, day, record.recorded_on)
        certs.setdefault(cert.product_id, []).append(cert)
    return certs


def _views_as_of(
    session: Session, product_ids: Sequence[int], day: dt.date
) -> list[ProductView]:
    """Products as of the end of ``day`` (those answered then, ``history.records_as_of``)."""
    facts = repository.certificate_facts(session, product_ids)
    records = history.records_as_of(
        session,
        Product.__tablename__,
        product_ids,
        day,
        valid_from=_first_decisions(facts),
    )
    certs = _certificates_as_of(
        session, {pid: facts.get(pid, []) for pid in records}, day
    )
    producer_ids = sorted({int(r.state["producer_id"]) for r in records.values()})
    # A product answered as of the day answers its producer too (rule 3).
    producers = history.records_as_of(
        session,
        Producer.__tablename__,
        producer_ids,
        day,
        valid_from=dict.fromkeys(producer_ids, day),
    )
    views: list[ProductView] = []
    for product_id in product_ids:
        record = records.get(product_id)
        if record is None:
            continue
        state = record.state
        producer = producers.get(int(state["producer_id"]))
        current, status = rules.standing(certs.get(product_id, []), day)
        in_force = status in rules.IN_FORCE
        views.append(
            ProductView(
                id=product_id,
                producer_id=int(state["producer_id"]),
                producer_name=str(producer.state.get("name", "")) if producer else "",
                hamlet_id=int(state["hamlet_id"]),
                name=str(state["name"]),
                kind=ProductKind(state["kind"]),
                group_id=_opt_int(state.get("group_id")),
                subgroup_id=_opt_int(state.get("subgroup_id")),
                unit=state.get("unit"),
                price=_opt_int(state.get("price")),
                description=state.get("description"),
                gtin=state.get("gtin"),
                public_code=str(state["public_code"]),
                search_key=str(state.get("search_key") or ""),
                stars=current.stars if current is not None and in_force else None,
                certificate_status=status,
                certificate_expires_on=current.expires_on if current else None,
                version=None,
                created_at=_moment(state["created_at"]),
                updated_at=None,
                as_of=day,
                recorded_on=record.recorded_on,
            )
        )
    return views


# --- products ------------------------------------------------------------------------


def get_product(session: Session, actor: User, product_id: int) -> Product:
    """A product the actor may see (404 otherwise)."""
    return visible(session, actor, repository.get(session, product_id), "sản phẩm")


def by_public_code(session: Session, code: str) -> Product | None:
    """The product a QR card points to (no access check: callers decide what to show)."""
    return repository.by_public_code(session, code)


def product_as_of(
    session: Session, actor: User, product_id: int, day: dt.date
) -> ProductView:
    """The product as of the end of ``day`` (404 if it did not exist yet then, by
    the rule of ``history.records_as_of``)."""
    clock.check_as_of(day)
    product = get_product(session, actor, product_id)
    views = _views_as_of(session, [product.id], day)
    if not views:
        raise NotFound(f"Sản phẩm này chưa có vào ngày {day:%d/%m/%Y}.")
    return views[0]


_SORT_KEYS = ("name", "created_at", "updated_at")
_STANDINGS = frozenset({*rules.IN_FORCE, "expired", "revoked", "none"})


def list_products(
    session: Session,
    actor: User,
    *,
    area_id: int | None = None,
    kind: ProductKind | None = None,
    group_id: int | None = None,
    stars: int | None = None,
    certificate: str | None = None,
    q: str | None = None,
    sort: str = "name",
    order: str = "asc",
    limit: int = 50,
    offset: int = 0,
    as_of: dt.date | None = None,
) -> tuple[list[ProductView], int]:
    """Products inside the actor's area, filtered, searched, sorted, one page.

    ``stars`` are those of the certificate in force; ``certificate`` filters on
    the standing (valid, expiring, expired, revoked, none). With ``as_of`` the
    products, their certificates and the area tree are taken as they stood then.
    """
    if stars is not None:
        rules.check_stars(stars)
    if certificate is not None and certificate not in _STANDINGS:
        raise InvalidInput(
            "Chỉ lọc theo valid, expiring, expired, revoked hoặc none.",
            field="certificate_status",
        )
    if sort not in _SORT_KEYS:
        raise InvalidInput(
            "Chỉ sắp xếp theo name, created_at hoặc updated_at.", field="sort"
        )
    filters = ProductFilters(
        area_id=area_id,
        kind=kind,
        group_id=group_id,
        stars=stars,
        certificate=certificate,
        q=fold(q) if q else None,
    )
    if as_of is not None:
        return _list_as_of(
            session,
            actor,
            filters,
            day=as_of,
            sort=sort,
            order=order,
            limit=limit,
            offset=offset,
        )
    stmt = repository.list_statement(actor, filters, day=clock.today())
    order_by = query.list_order(Product, sort, order)
    rows, total = query.page_by_ids(
        session,
        stmt,
        Product.id,
        order_by=order_by,
        limit=limit,
        offset=offset,
        one_pass=filters.reads_each_row,
    )
    return _views(session, rows), total


def _matches(v: ProductView, filters: ProductFilters, hamlets: set[int] | None) -> bool:
    """The rule of ``repository.list_statement``, on a view replayed as of a day."""
    if hamlets is not None and v.hamlet_id not in hamlets:
        return False
    if filters.kind is not None and v.kind is not filters.kind:
        return False
    if filters.group_id is not None and v.group_id != filters.group_id:
        return False
    if filters.stars is not None and v.stars != filters.stars:
        return False
    certificate = filters.certificate
    if certificate is not None and (v.certificate_status or "none") != certificate:
        return False
    q = filters.q
    return not q or all(word in v.search_key for word in q.split())


def _list_as_of(
    session: Session,
    actor: User,
    filters: ProductFilters,
    *,
    day: dt.date,
    sort: str,
    order: str,
    limit: int,
    offset: int,
) -> tuple[list[ProductView], int]:
    clock.check_as_of(day)
    if sort == "updated_at":
        raise InvalidInput(
            "Khi xem lại một ngày đã qua, chỉ sắp xếp theo name hoặc created_at.",
            field="sort",
        )
    ids = repository.ids_answered_on(session, actor, clock.end_of_day(day), day)
    hamlets = (
        repository.ids_in_subtree(session, filters.area_id, day=day)
        if filters.area_id is not None
        else None
    )
    views = [
        v for v in _views_as_of(session, ids, day) if _matches(v, filters, hamlets)
    ]
    views.sort(
        key=lambda v: (
            v.search_key if sort == "name" else v.created_at.isoformat(),
            v.id,
        ),
        reverse=order == "desc",
    )
    return views[offset : offset + limit], len(views)


# --- certificates --------------------------------------------------------------------


def get_certificate(
    session: Session, actor: User, product: Product, certificate_id: int
) -> Certificate:
    """One certificate of a product the actor may see."""
    cert = repository.get_certificate(session, certificate_id)
    if cert is None or cert.product_id != product.id:
        raise NotFound("Không tìm thấy giấy chứng nhận này.")
    ensure_visible(session, actor, cert.hamlet_id, "giấy chứng nhận")
    return cert


def list_certificates(
    session: Session, actor: User, product: Product, *, as_of: dt.date | None = None
) -> list[CertificateView]:
    """A product's certificates, newest decision first, with their status on the day."""
    ensure_visible(session, actor, product.hamlet_id, "sản phẩm")
    if as_of is None:
        today = clock.today()
        return [
            certificate_view(c, today)
            for c in repository.certificates_of(session, product.id)
        ]
    clock.check_as_of(as_of)
    facts = repository.certificate_facts(session, [product.id])
    answered = history.records_as_of(
        session,
        Product.__tablename__,
        [product.id],
        as_of,
        valid_from=_first_decisions(facts),
    )
    if product.id not in answered:
        raise NotFound(f"Sản phẩm này chưa có vào ngày {as_of:%d/%m/%Y}.")
    views = _certificates_as_of(session, facts, as_of)[product.id]
    return sorted(views, key=lambda c: (c.decision_date, c.id), reverse=True)


# --- OCOP groups ---------------------------------------------------------------------


def list_groups(
    session: Session,
) -> list[tuple[OcopGroup, list[OcopSubgroup]]]:
    """The six OCOP groups with their subgroups."""
    subs: dict[int, list[OcopSubgroup]] = {}
    for sub in repository.subgroups(session):
        subs.setdefault(sub.group_id, []).append(sub)
    return [(g, subs.get(g.id, [])) for g in repository.groups(session)]
