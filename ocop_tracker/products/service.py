"""Rules about products, their OCOP certificates and the OCOP groups.

Services never commit; the request (or command) owns the transaction. Reads
``as_of`` a past day follow the rule of ``history.records_as_of``: a
certificate's dates and stars apply on the dates they name (as coverage counts
them), the rest is replayed from the audit trail, and a product entered after
the day is answered with its first values and ``recorded_on`` when one of its
certificates was decided by then.
"""

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from sqlalchemy import ColumnElement, inspect
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from ocop_tracker.auth.scope import check_writer, ensure_visible
from ocop_tracker.core import clock
from ocop_tracker.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from ocop_tracker.core.text import clean_text, fold
from ocop_tracker.core.versions import UNSET, Unset, check_version, flush_versioned
from ocop_tracker.history import service as history
from ocop_tracker.producers import service as producer_service
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
from ocop_tracker.products.rules import CertificateStatus
from ocop_tracker.users.models import WRITERS, Role, User

MAX_PRICE = 10**14 - 1  # Numeric(14, 0): whole đồng
REPLAY_CHUNK = 500
PUBLIC_CODE_ATTEMPTS = 5


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


def _records(
    session: Session,
    object_type: str,
    ids: Sequence[int],
    day: dt.date,
    *,
    valid_from: Mapping[int, dt.date] | None = None,
    dated: Mapping[int, Mapping[str, Any]] | None = None,
) -> dict[int, history.Recorded]:
    records: dict[int, history.Recorded] = {}
    for start in range(0, len(ids), REPLAY_CHUNK):
        chunk = ids[start : start + REPLAY_CHUNK]
        records.update(
            history.records_as_of(
                session, object_type, chunk, day, valid_from=valid_from, dated=dated
            )
        )
    return records


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
    records = _records(
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
    records = _records(
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
    producers = _records(
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
    product = repository.get(session, product_id)
    if product is None:
        raise NotFound("Không tìm thấy sản phẩm này.")
    ensure_visible(session, actor, product.hamlet_id, "sản phẩm")
    return product


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


def _clean_price(price: int | None) -> int | None:
    if price is None:
        return None
    if price < 0:
        raise InvalidInput("price: Giá không được âm.")
    if price > MAX_PRICE:
        raise InvalidInput("price: Giá quá lớn.")
    return price


def _set_price(product: Product, price: int | None) -> None:
    """Prices are whole đồng, held as int in Python.

    The audit trail is JSON, which cannot hold the Decimal the column loads;
    the stored value is made an int too, so the "before" of a change is one.
    """
    if inspect(product).persistent and product.price is not None:
        set_committed_value(product, "price", int(product.price))
    product.price = price  # type: ignore[assignment]


def _clean_gtin(
    session: Session, raw: str | None, exclude_id: int | None = None
) -> str | None:
    if raw is None or not raw.strip():
        return None
    code = rules.clean_gtin(raw)
    if repository.gtin_holder(
        session, rules.gtin_variants(code), exclude_id=exclude_id
    ):
        # The holder may lie outside the caller's area: do not name it.
        raise Conflict("gtin: Mã GTIN này đã được dùng cho một sản phẩm khác.")
    return code


def _groups(
    session: Session,
    group_id: int | None,
    subgroup_id: int | None,
    *,
    subgroup_given: bool = True,
) -> tuple[int | None, int | None]:
    """A consistent (group, subgroup) pair; a subgroup alone implies its group."""
    if group_id is not None and repository.get_group(session, group_id) is None:
        raise InvalidInput("group_id: Không có nhóm sản phẩm OCOP này.")
    if subgroup_id is None:
        return group_id, None
    subgroup = repository.get_subgroup(session, subgroup_id)
    if subgroup is None:
        raise InvalidInput("subgroup_id: Không có phân nhóm sản phẩm này.")
    if group_id is None:
        return subgroup.group_id, subgroup.id
    if subgroup.group_id != group_id:
        if not subgroup_given:
            return group_id, None  # the group changed: the old subgroup goes
        raise InvalidInput("subgroup_id: Phân nhóm không thuộc nhóm đã chọn.")
    return group_id, subgroup.id


def _new_public_code(session: Session) -> str:
    for _ in range(PUBLIC_CODE_ATTEMPTS):
        code = rules.new_public_code()
        if not repository.public_code_taken(session, code):
            return code
    raise Conflict("Không tạo được mã công khai, hãy thử lại.")  # pragma: no cover


def _check_unique_name(
    session: Session, producer_id: int, name: str, exclude_id: int | None = None
) -> None:
    clash = repository.same_name(session, producer_id, name, exclude_id=exclude_id)
    if clash is not None:
        raise Conflict(f"name: Chủ thể này đã có sản phẩm tên '{clash.name}'.")


def create_product(
    session: Session,
    actor: User,
    *,
    producer_id: int,
    name: str,
    kind: ProductKind,
    group_id: int | None = None,
    subgroup_id: int | None = None,
    unit: str | None = None,
    price: int | None = None,
    description: str | None = None,
    gtin: str | None = None,
    roles: frozenset[Role] = WRITERS,
) -> Product:
    """Register a product of a producer in the actor's area; its public code is new."""
    producer = producer_service.get_producer(session, actor, producer_id)
    check_writer(session, actor, producer.hamlet_id, "chủ thể", roles)
    clean_name = clean_text(
        name, field="name", label="Tên sản phẩm", max_len=200, required=True
    )
    assert clean_name is not None
    group, subgroup = _groups(session, group_id, subgroup_id)
    clean_unit = clean_text(unit, field="unit", label="Đơn vị tính", max_len=40)
    clean_desc = clean_text(
        description,
        field="description",
        label="Mô tả",
        max_len=2000,
        multiline=True,
    )
    clean_price = _clean_price(price)
    code = _clean_gtin(session, gtin)
    _check_unique_name(session, producer.id, clean_name)
    product = Product(
        producer_id=producer.id,
        hamlet_id=producer.hamlet_id,
        name=clean_name,
        kind=kind,
        group_id=group,
        subgroup_id=subgroup,
        unit=clean_unit,
        description=clean_desc,
        gtin=code,
        public_code=_new_public_code(session),
        search_key=rules.product_search_key(clean_name, producer.name),
    )
    _set_price(product, clean_price)
    session.add(product)
    session.flush()
    return product


def update_product(
    session: Session,
    actor: User,
    product_id: int,
    *,
    version: int,
    producer_id: int | Unset | None = UNSET,
    name: str | Unset | None = UNSET,
    kind: ProductKind | Unset | None = UNSET,
    group_id: int | Unset | None = UNSET,
    subgroup_id: int | Unset | None = UNSET,
    unit: str | Unset | None = UNSET,
    price: int | Unset | None = UNSET,
    description: str | Unset | None = UNSET,
    gtin: str | Unset | None = UNSET,
) -> Product:
    """Change a product; a stale ``version`` is refused with 409 and the current record.

    The public code never changes. Moving to another producer (also in the
    actor's area) moves the product and its certificates to that hamlet.
    """
    product = get_product(session, actor, product_id)
    check_writer(session, actor, product.hamlet_id, "sản phẩm")
    check_version(product, version, "Sản phẩm")
    producer = producer_service.get_producer(session, actor, product.producer_id)
    if not isinstance(producer_id, Unset) and producer_id != product.producer_id:
        if producer_id is None:
            raise InvalidInput("producer_id: Sản phẩm phải thuộc một chủ thể.")
        producer = producer_service.get_producer(session, actor, producer_id)
        check_writer(session, actor, producer.hamlet_id, "chủ thể")
    new_name = product.name
    if not isinstance(name, Unset):
        cleaned = clean_text(
            name, field="name", label="Tên sản phẩm", max_len=200, required=True
        )
        assert cleaned is not None
        new_name = cleaned
    if new_name != product.name or producer.id != product.producer_id:
        _check_unique_name(session, producer.id, new_name, exclude_id=product.id)
    if not isinstance(kind, Unset):
        if kind is None:
            raise InvalidInput("kind: Hãy chọn loại sản phẩm.")
        if kind is not ProductKind.ocop and repository.certificates_of(
            session, product.id
        ):
            raise InvalidInput(
                "kind: Sản phẩm đã có giấy chứng nhận OCOP nên phải là loại OCOP."
            )
        product.kind = kind
    if not isinstance(group_id, Unset) or not isinstance(subgroup_id, Unset):
        group, subgroup = _groups(
            session,
            product.group_id if isinstance(group_id, Unset) else group_id,
            product.subgroup_id if isinstance(subgroup_id, Unset) else subgroup_id,
            subgroup_given=not isinstance(subgroup_id, Unset),
        )
        product.group_id, product.subgroup_id = group, subgroup
    if not isinstance(unit, Unset):
        product.unit = clean_text(unit, field="unit", label="Đơn vị tính", max_len=40)
    if not isinstance(description, Unset):
        product.description = clean_text(
            description,
            field="description",
            label="Mô tả",
            max_len=2000,
            multiline=True,
        )
    if not isinstance(price, Unset):
        _set_price(product, _clean_price(price))
    if not isinstance(gtin, Unset):
        product.gtin = _clean_gtin(session, gtin, exclude_id=product.id)
    product.name = new_name
    product.search_key = rules.product_search_key(new_name, producer.name)
    if producer.id != product.producer_id:
        product.producer_id = producer.id
        if producer.hamlet_id != product.hamlet_id:
            product.hamlet_id = producer.hamlet_id
            for cert in repository.certificates_of(session, product.id):
                cert.hamlet_id = producer.hamlet_id
    flush_versioned(session, "Sản phẩm")
    return product


_SORT_KEYS = ("name", "created_at", "updated_at")
_STANDINGS = frozenset({*rules.IN_FORCE, "expired", "revoked", "none"})


def _order_by(sort: str, order: str) -> list[ColumnElement[Any]]:
    column: Any = {
        "name": Product.search_key,
        "created_at": Product.created_at,
        "updated_at": Product.updated_at,
    }[sort]
    if order == "desc":
        return [column.desc(), Product.id.desc()]
    return [column.asc(), Product.id.asc()]


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
            "certificate_status: Chỉ lọc theo valid, expiring, expired, revoked hoặc none."
        )
    if sort not in _SORT_KEYS:
        raise InvalidInput("sort: Chỉ sắp xếp theo name, created_at hoặc updated_at.")
    folded = fold(q) if q else None
    if as_of is not None:
        return _list_as_of(
            session,
            actor,
            day=as_of,
            area_id=area_id,
            kind=kind,
            group_id=group_id,
            stars=stars,
            certificate=certificate,
            q=folded,
            sort=sort,
            order=order,
            limit=limit,
            offset=offset,
        )
    stmt = repository.list_statement(
        actor,
        day=clock.today(),
        area_id=area_id,
        kind=kind,
        group_id=group_id,
        stars=stars,
        certificate=certificate,
        q=folded,
    )
    rows, total = repository.page(
        session, stmt, order_by=_order_by(sort, order), limit=limit, offset=offset
    )
    return _views(session, rows), total


def _matches(
    v: ProductView,
    *,
    hamlets: set[int] | None,
    kind: ProductKind | None,
    group_id: int | None,
    stars: int | None,
    certificate: str | None,
    q: str | None,
) -> bool:
    if hamlets is not None and v.hamlet_id not in hamlets:
        return False
    if kind is not None and v.kind is not kind:
        return False
    if group_id is not None and v.group_id != group_id:
        return False
    if stars is not None and v.stars != stars:
        return False
    if certificate is not None and (v.certificate_status or "none") != certificate:
        return False
    return not q or all(word in v.search_key for word in q.split())


def _list_as_of(
    session: Session,
    actor: User,
    *,
    day: dt.date,
    area_id: int | None,
    kind: ProductKind | None,
    group_id: int | None,
    stars: int | None,
    certificate: str | None,
    q: str | None,
    sort: str,
    order: str,
    limit: int,
    offset: int,
) -> tuple[list[ProductView], int]:
    clock.check_as_of(day)
    if sort == "updated_at":
        raise InvalidInput(
            "sort: Khi xem lại một ngày đã qua, chỉ sắp xếp theo name hoặc created_at."
        )
    ids = repository.ids_answered_on(session, actor, clock.end_of_day(day), day)
    hamlets = (
        repository.ids_in_subtree(session, area_id, day=day)
        if area_id is not None
        else None
    )
    views = [
        v
        for v in _views_as_of(session, ids, day)
        if _matches(
            v,
            hamlets=hamlets,
            kind=kind,
            group_id=group_id,
            stars=stars,
            certificate=certificate,
            q=q,
        )
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
    answered = _records(
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


@dataclass(frozen=True)
class _CertFields:
    stars: int
    score: int | None
    decision_number: str
    decision_date: dt.date
    authority: str
    level: CertLevel
    expires_on: dt.date


def _check_certificate(
    session: Session, product: Product, fields: _CertFields, exclude_id: int | None
) -> _CertFields:
    """Every rule of a certificate, in the order a person fills the form."""
    rules.check_stars(fields.stars)
    rules.check_score(fields.stars, fields.score)
    number = clean_text(
        fields.decision_number,
        field="decision_number",
        label="Số quyết định",
        max_len=60,
        required=True,
    )
    assert number is not None
    number = rules.clean_decision_number(number)
    rules.check_decision_date(fields.decision_date, clock.today())
    authority = clean_text(
        fields.authority,
        field="authority",
        label="Cơ quan công nhận",
        max_len=200,
        required=True,
    )
    assert authority is not None
    rules.check_level(fields.stars, fields.decision_date, fields.level)
    rules.check_expiry(fields.decision_date, fields.expires_on)
    clash = repository.certificate_numbered(
        session, product.id, number, exclude_id=exclude_id
    )
    if clash is not None:
        raise Conflict(
            f"decision_number: Sản phẩm đã có giấy chứng nhận theo quyết định {number}."
        )
    return replace(fields, decision_number=number, authority=authority)


def add_certificate(
    session: Session,
    actor: User,
    product: Product,
    *,
    stars: int,
    decision_number: str,
    decision_date: dt.date,
    authority: str,
    level: CertLevel,
    score: int | None = None,
    expires_on: dt.date | None = None,
    roles: frozenset[Role] = WRITERS,
) -> Certificate:
    """Record a recognition decision; expiry defaults to the date + 36 months."""
    check_writer(session, actor, product.hamlet_id, "sản phẩm", roles)
    if product.kind is not ProductKind.ocop:
        raise InvalidInput(
            "kind: Chỉ sản phẩm loại OCOP mới có giấy chứng nhận; hãy đổi loại sản phẩm trước."
        )
    fields = _check_certificate(
        session,
        product,
        _CertFields(
            stars=stars,
            score=score,
            decision_number=decision_number,
            decision_date=decision_date,
            authority=authority,
            level=level,
            expires_on=expires_on or rules.default_expiry(decision_date),
        ),
        None,
    )
    cert = Certificate(
        product_id=product.id,
        hamlet_id=product.hamlet_id,
        stars=fields.stars,
        score=fields.score,
        decision_number=fields.decision_number,
        decision_date=fields.decision_date,
        authority=fields.authority,
        level=fields.level,
        expires_on=fields.expires_on,
    )
    session.add(cert)
    session.flush()
    return cert


def _or_current(value: Any, current: Any) -> Any:
    """The value sent, or the stored one when the field was left out."""
    return current if isinstance(value, Unset) else value


def update_certificate(
    session: Session,
    actor: User,
    product: Product,
    certificate_id: int,
    *,
    version: int,
    stars: int | Unset | None = UNSET,
    score: int | Unset | None = UNSET,
    decision_number: str | Unset | None = UNSET,
    decision_date: dt.date | Unset | None = UNSET,
    authority: str | Unset | None = UNSET,
    level: CertLevel | Unset | None = UNSET,
    expires_on: dt.date | Unset | None = UNSET,
) -> Certificate:
    """Correct a certificate; every rule is checked again on the result.

    A new decision date moves a default expiry along with it; an expiry that
    was set by hand stays unless a new one is sent.
    """
    cert = get_certificate(session, actor, product, certificate_id)
    check_writer(session, actor, cert.hamlet_id, "giấy chứng nhận")
    check_version(cert, version, "Giấy chứng nhận")
    for field, value in (
        ("stars", stars),
        ("decision_number", decision_number),
        ("decision_date", decision_date),
        ("authority", authority),
        ("level", level),
    ):
        if value is None:
            raise InvalidInput(f"{field}: Trường này không được để trống.")
    new_date = cert.decision_date if isinstance(decision_date, Unset) else decision_date
    assert new_date is not None
    if not isinstance(expires_on, Unset) and expires_on is not None:
        new_expiry = expires_on
    elif cert.expires_on == rules.default_expiry(cert.decision_date) or not isinstance(
        expires_on, Unset
    ):
        new_expiry = rules.default_expiry(new_date)
    else:
        new_expiry = cert.expires_on

    fields = _check_certificate(
        session,
        product,
        _CertFields(
            stars=_or_current(stars, cert.stars),
            score=_or_current(score, cert.score),
            decision_number=_or_current(decision_number, cert.decision_number),
            decision_date=new_date,
            authority=_or_current(authority, cert.authority),
            level=_or_current(level, cert.level),
            expires_on=new_expiry,
        ),
        cert.id,
    )
    if cert.revoked_on is not None and cert.revoked_on < fields.decision_date:
        raise InvalidInput(
            "decision_date: Ngày quyết định không được sau ngày thu hồi giấy chứng nhận."
        )
    cert.stars = fields.stars
    cert.score = fields.score
    cert.decision_number = fields.decision_number
    cert.decision_date = fields.decision_date
    cert.authority = fields.authority
    cert.level = fields.level
    cert.expires_on = fields.expires_on
    flush_versioned(session, "Giấy chứng nhận")
    return cert


def revoke_certificate(
    session: Session,
    actor: User,
    product: Product,
    certificate_id: int,
    *,
    revoked_on: dt.date,
    reason: str,
    version: int,
) -> Certificate:
    """Revoke a certificate from a date (not in the future), for a reason."""
    cert = get_certificate(session, actor, product, certificate_id)
    check_writer(session, actor, cert.hamlet_id, "giấy chứng nhận")
    check_version(cert, version, "Giấy chứng nhận")
    if cert.revoked_on is not None:
        raise Conflict(
            f"revoked_on: Giấy chứng nhận đã bị thu hồi từ ngày {cert.revoked_on:%d/%m/%Y}."
        )
    if revoked_on > clock.today():
        raise InvalidInput("revoked_on: Ngày thu hồi không được sau ngày hôm nay.")
    if revoked_on < cert.decision_date:
        raise InvalidInput("revoked_on: Ngày thu hồi không được trước ngày quyết định.")
    cert.revoke_reason = clean_text(
        reason,
        field="reason",
        label="Lý do thu hồi",
        max_len=300,
        required=True,
        multiline=True,
    )
    cert.revoked_on = revoked_on
    flush_versioned(session, "Giấy chứng nhận")
    return cert


# --- OCOP groups ---------------------------------------------------------------------


def list_groups(
    session: Session,
) -> list[tuple[OcopGroup, list[OcopSubgroup]]]:
    """The six OCOP groups with their subgroups."""
    subs: dict[int, list[OcopSubgroup]] = {}
    for sub in repository.subgroups(session):
        subs.setdefault(sub.group_id, []).append(sub)
    return [(g, subs.get(g.id, [])) for g in repository.groups(session)]


def add_subgroup(
    session: Session, actor: User, group_id: int, *, name: str
) -> OcopSubgroup:
    """Add a subgroup to a group (admin only: reference data for everyone)."""
    if actor.role is not Role.admin:
        raise Forbidden("Chỉ quản trị hệ thống được sửa danh mục nhóm sản phẩm OCOP.")
    if repository.get_group(session, group_id) is None:
        raise NotFound("Không tìm thấy nhóm sản phẩm OCOP này.")
    clean = clean_text(
        name, field="name", label="Tên phân nhóm", max_len=200, required=True
    )
    assert clean is not None
    clash = repository.subgroup_named(session, group_id, clean)
    if clash is not None:
        raise Conflict(f"name: Nhóm này đã có phân nhóm '{clash.name}'.")
    sub = OcopSubgroup(group_id=group_id, name=clean)
    session.add(sub)
    session.flush()
    return sub
