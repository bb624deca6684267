"""Importing the official OCOP list: validate every row first, then write all or nothing.

Phase 1 (``dry_run``) checks every row and writes nothing; phase 2 writes the
whole file in one transaction or, at the first problem, nothing. Rows are matched
to what exists — producer by (hamlet, name), product by (producer, name),
certificate by (product, decision number) — so importing a file again changes
nothing. A row outside the importer's area refuses the whole file.
"""

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from ocop_tracker.areas import repository as area_repository
from ocop_tracker.areas import service as area_service
from ocop_tracker.areas.models import AdminUnit, Level
from ocop_tracker.audit.listener import record
from ocop_tracker.auth.scope import covers
from ocop_tracker.core.errors import AppError, Forbidden, InvalidInput
from ocop_tracker.core.phone import normalize_vn
from ocop_tracker.core.text import fold, normalize
from ocop_tracker.imports.reader import Row, parse_date
from ocop_tracker.producers import service as producer_service
from ocop_tracker.producers.models import Producer, ProducerKind
from ocop_tracker.products import certificates as certificate_service
from ocop_tracker.products import rules as product_rules
from ocop_tracker.products import service as product_service
from ocop_tracker.products.models import (
    Certificate,
    CertLevel,
    OcopGroup,
    Product,
    ProductKind,
)
from ocop_tracker.users.models import Role, User

IMPORTERS = frozenset({Role.admin, Role.department, Role.official})
KIND_WORDS: dict[str, ProducerKind] = {
    "ho": ProducerKind.household,
    "ho san xuat kinh doanh": ProducerKind.household,
    "ho kinh doanh": ProducerKind.household,
    "hop tac xa": ProducerKind.cooperative,
    "htx": ProducerKind.cooperative,
    "to hop tac": ProducerKind.cooperative_group,
    "doanh nghiep": ProducerKind.enterprise,
    "cong ty": ProducerKind.enterprise,
}
LEVEL_WORDS: dict[str, CertLevel] = {
    "huyen": CertLevel.district,
    "cap huyen": CertLevel.district,
    "tinh": CertLevel.province,
    "cap tinh": CertLevel.province,
    "trung uong": CertLevel.central,
    "cap trung uong": CertLevel.central,
}


@dataclass
class RowProblem:
    """What is wrong with one row (row 1 is the header)."""

    row: int
    message: str


@dataclass
class ImportReport:
    """What an import found or did."""

    rows: int = 0
    producers_new: int = 0
    products_new: int = 0
    certificates_new: int = 0
    unchanged: int = 0
    problems: list[RowProblem] = field(default_factory=list)
    written: bool = False


class ImportRefused(InvalidInput):
    """The file has problems: nothing was written; every problem is listed."""

    def __init__(self, report: ImportReport) -> None:
        first = "; ".join(f"dòng {p.row}: {p.message}" for p in report.problems[:10])
        super().__init__(f"Tệp có {len(report.problems)} lỗi, chưa ghi gì. {first}")
        self.report = report
        self.errors = report.problems


@dataclass
class _Planned:
    row: int
    hamlet: AdminUnit
    producer_name: str
    producer_kind: ProducerKind
    representative: str | None
    phone: str | None
    product_name: str
    product_kind: ProductKind
    group_id: int | None
    gtin: str | None
    stars: int
    score: int | None
    decision_number: str
    decision_date: dt.date
    authority: str
    level: CertLevel


def _text(row: Row, key: str) -> str | None:
    value = row.values.get(key)
    if value is None:
        return None
    clean = normalize(str(value))
    return clean or None


def _hamlet(
    session: Session,
    actor: User,
    row: Row,
    cache: dict[tuple[str, str], AdminUnit | None],
) -> AdminUnit:
    code, name = _text(row, "commune_code"), _text(row, "hamlet")
    if not code or not name:
        raise InvalidInput("thiếu mã xã hoặc tên khóm/ấp.")
    key = (code, name.casefold())
    if key not in cache:
        found = None
        for commune in area_repository.communes_with_code(session, code):
            hamlet = area_repository.sibling_named(session, commune.id, name)
            if hamlet is not None and hamlet.level is Level.hamlet:
                found = hamlet
                break
        cache[key] = found
    hamlet = cache[key]
    if hamlet is None:
        raise InvalidInput(
            f"không có khóm/ấp '{name}' ở xã mã {code} (thêm khóm/ấp trước)."
        )
    if not covers(session, actor, hamlet.id):
        raise InvalidInput(f"'{name}' (xã mã {code}) nằm ngoài địa bàn của bạn.")
    return hamlet


def _plan_row(
    session: Session,
    actor: User,
    row: Row,
    groups: dict[str, int],
    cache: dict[tuple[str, str], AdminUnit | None],
    today: dt.date,
) -> _Planned:
    hamlet = _hamlet(session, actor, row, cache)
    producer_name = _text(row, "producer_name")
    product_name = _text(row, "product_name")
    if not producer_name or not product_name:
        raise InvalidInput("thiếu tên chủ thể hoặc tên sản phẩm.")
    kind_text = fold(_text(row, "producer_kind") or "")
    producer_kind = KIND_WORDS.get(kind_text) or _guess_kind(producer_name)
    try:
        stars = int(str(row.values.get("stars") or "").strip())
    except ValueError:
        raise InvalidInput("số sao phải là 3, 4 hoặc 5.") from None
    product_rules.check_stars(stars)
    score_text = _text(row, "score")
    score = (
        int(float(score_text))
        if score_text and score_text.replace(".", "", 1).isdigit()
        else None
    )
    try:
        decision_date = parse_date(row.values.get("decision_date"))
    except ValueError as exc:
        raise InvalidInput(f"ngày quyết định: {exc}.") from None
    product_rules.check_decision_date(decision_date, today)
    level_text = fold(_text(row, "level") or "")
    level = LEVEL_WORDS.get(level_text)
    if level is None:
        allowed = sorted(product_rules.allowed_levels(stars, decision_date))
        if len(allowed) != 1:
            raise InvalidInput("thiếu cấp công nhận (huyện/tỉnh/trung ương).")
        level = allowed[0]
    product_rules.check_level(stars, decision_date, level)
    product_rules.check_score(stars, score)
    gtin = _text(row, "gtin")
    if gtin:
        gtin = product_rules.clean_gtin(gtin)
    phone = _text(row, "phone")
    if phone:
        phone = normalize_vn(phone)
    group_text = fold(_text(row, "group") or "")
    return _Planned(
        row=row.number,
        hamlet=hamlet,
        producer_name=producer_name,
        producer_kind=producer_kind,
        representative=_text(row, "representative"),
        phone=phone,
        product_name=product_name,
        product_kind=ProductKind.ocop,
        group_id=groups.get(group_text),
        gtin=gtin,
        stars=stars,
        score=score,
        decision_number=product_rules.clean_decision_number(
            _text(row, "decision_number") or ""
        ),
        decision_date=decision_date,
        authority=_text(row, "authority")
        or f"UBND {('tỉnh' if level is CertLevel.province else 'huyện')}",
        level=level,
    )


def _guess_kind(name: str) -> ProducerKind:
    folded = fold(name)
    for word, kind in sorted(KIND_WORDS.items(), key=lambda kv: -len(kv[0])):
        if folded.startswith(word + " "):
            return kind
    return ProducerKind.household


def import_rows(
    session: Session, actor: User, rows: Sequence[Row], *, dry_run: bool
) -> ImportReport:
    """Check every row; unless ``dry_run``, write them all (or raise, writing nothing)."""
    if actor.role not in IMPORTERS:
        raise Forbidden(
            "Chỉ Sở Công Thương, cán bộ xã/huyện hoặc quản trị viên được nhập danh sách OCOP."
        )
    report = ImportReport(rows=len(rows))
    today = area_service.today()
    groups = {fold(g.name): g.id for g in session.scalars(select(OcopGroup))}
    groups.update({fold(g.code): g.id for g in session.scalars(select(OcopGroup))})
    cache: dict[tuple[str, str], AdminUnit | None] = {}
    planned: list[_Planned] = []
    seen: set[tuple[int, str, str]] = set()
    for row in rows:
        try:
            item = _plan_row(session, actor, row, groups, cache, today)
            key = (
                item.hamlet.id,
                fold(item.product_name),
                item.decision_number.casefold(),
            )
            if key in seen:
                raise InvalidInput("trùng với một dòng trước trong tệp.")
            seen.add(key)
            planned.append(item)
        except AppError as exc:
            report.problems.append(RowProblem(row.number, exc.message))
    if report.problems:
        raise ImportRefused(report)
    nested = session.begin_nested()
    try:
        for item in planned:
            _apply(session, actor, item, report)
    except AppError as exc:
        nested.rollback()
        report.problems.append(RowProblem(item.row, exc.message))
        raise ImportRefused(report) from None
    if dry_run:
        nested.rollback()
        return report
    nested.commit()
    report.written = True
    record(
        session,
        "import_ocop_list",
        area_id=actor.area_id,
        detail=f"rows={report.rows} producers+={report.producers_new} products+={report.products_new} certificates+={report.certificates_new}",
    )
    return report


def _apply(session: Session, actor: User, item: _Planned, report: ImportReport) -> None:
    producer = session.scalar(
        select(Producer).where(
            Producer.hamlet_id == item.hamlet.id, Producer.name == item.producer_name
        )
    )
    changed = False
    if producer is None:
        producer = producer_service.create_producer(
            session,
            actor,
            hamlet_id=item.hamlet.id,
            kind=item.producer_kind,
            name=item.producer_name,
            representative=item.representative,
            phone=item.phone,
            roles=IMPORTERS,
        )
        report.producers_new += 1
        changed = True
    product = session.scalar(
        select(Product).where(
            Product.producer_id == producer.id, Product.name == item.product_name
        )
    )
    if product is None:
        product = product_service.create_product(
            session,
            actor,
            producer_id=producer.id,
            name=item.product_name,
            kind=item.product_kind,
            group_id=item.group_id,
            gtin=item.gtin,
            roles=IMPORTERS,
        )
        report.products_new += 1
        changed = True
    certificate = session.scalar(
        select(Certificate).where(
            Certificate.product_id == product.id,
            Certificate.decision_number == item.decision_number,
        )
    )
    if certificate is None:
        certificate_service.add_certificate(
            session,
            actor,
            product,
            stars=item.stars,
            decision_number=item.decision_number,
            decision_date=item.decision_date,
            authority=item.authority,
            level=item.level,
            score=item.score,
            roles=IMPORTERS,
        )
        report.certificates_new += 1
        changed = True
    if not changed:
        report.unchanged += 1
