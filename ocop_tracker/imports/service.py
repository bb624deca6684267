"""Importing the official OCOP list: validate every row first, then write all or nothing.

Phase 1 (``dry_run``) checks every row and writes nothing; phase 2 writes the
whole file in one transaction or, at the first problem, nothing. Rows are matched
to what exists — producer by (hamlet, name), product by (producer, name),
certificate by (product, decision number) — so importing a file again changes
nothing. A row outside the importer's area refuses the whole file.

A row lies in a commune named by its official code or by its name (with the
district and province to tell namesakes apart), and in the hamlet it names; a
row naming no hamlet puts its producer in the commune's "Chưa xếp ấp" hamlet
(``imports/places.py``), created on writing, for a person to move later. A row
no commune or hamlet fits, or several do, is never guessed: it is listed apart
(``RowProblem.to_place``) and, like every problem, nothing of the file is written.
"""

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ocop_tracker.areas import repository as area_repository
from ocop_tracker.areas import service as area_service
from ocop_tracker.areas.models import AdminUnit
from ocop_tracker.audit.listener import record
from ocop_tracker.auth.scope import covers
from ocop_tracker.core import clock, query
from ocop_tracker.core.errors import AppError, Forbidden, InvalidInput
from ocop_tracker.core.phone import normalize_vn
from ocop_tracker.core.text import fold, normalize
from ocop_tracker.imports.places import UNPLACED, Finder, Place, Unplaceable
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
    """What is wrong with one row (row 1 is the header); ``to_place``: no commune
    or hamlet fits the row, or several do, and a person must say which."""

    row: int
    message: str
    to_place: bool = False


@dataclass
class ImportReport:
    """What an import found or did."""

    rows: int = 0
    producers_new: int = 0
    products_new: int = 0
    certificates_new: int = 0
    unchanged: int = 0
    unplaced: int = 0  # rows put in their commune's "Chưa xếp ấp"
    hamlets_new: int = 0  # "Chưa xếp ấp" hamlets created
    problems: list[RowProblem] = field(default_factory=list)
    written: bool = False

    @property
    def to_place(self) -> list[RowProblem]:
        """The rows a person must place."""
        return [p for p in self.problems if p.to_place]

    @property
    def other_problems(self) -> list[RowProblem]:
        """The other problems."""
        return [p for p in self.problems if not p.to_place]


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
    place: Place
    producer_name: str
    producer_kind: ProducerKind
    representative: str | None
    phone: str | None
    tax_code: str | None
    product_name: str
    product_kind: ProductKind
    group_id: int | None
    gtin: str | None
    unit: str | None
    price: int | None
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


def _place(session: Session, actor: User, row: Row, finder: Finder) -> Place:
    place = finder.place(
        code=_text(row, "commune_code"),
        commune=_text(row, "commune"),
        district=_text(row, "district"),
        province=_text(row, "province"),
        hamlet=_text(row, "hamlet"),
    )
    area = place.hamlet or place.commune
    if not covers(session, actor, area.id):
        raise InvalidInput(f"'{area.name}' nằm ngoài địa bàn của bạn.")
    return place


def _price(row: Row) -> int | None:
    text = _text(row, "price")
    if not text:
        return None
    digits = fold(text).removesuffix("vnd").removesuffix("dong").rstrip(" d")
    digits = digits.replace(".", "").replace(",", "").replace(" ", "")
    if not digits.isdigit() or len(digits) > 12:
        raise InvalidInput(f"giá '{text}' phải là số đồng (vd 85.000).")
    return int(digits)


def _plan_row(
    session: Session,
    actor: User,
    row: Row,
    groups: dict[str, int],
    finder: Finder,
    today: dt.date,
) -> _Planned:
    place = _place(session, actor, row, finder)
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
        place=place,
        producer_name=producer_name,
        producer_kind=producer_kind,
        representative=_text(row, "representative"),
        phone=phone,
        tax_code=_text(row, "tax_code"),
        product_name=product_name,
        product_kind=ProductKind.ocop,
        group_id=groups.get(group_text),
        gtin=gtin,
        unit=_text(row, "unit"),
        price=_price(row),
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
    today = clock.today()
    groups = {fold(g.name): g.id for g in session.scalars(select(OcopGroup))}
    groups.update({fold(g.code): g.id for g in session.scalars(select(OcopGroup))})
    finder = Finder(session)
    planned: list[_Planned] = []
    seen: set[tuple[int, int, str, str]] = set()
    for row in rows:
        try:
            item = _plan_row(session, actor, row, groups, finder, today)
            key = (
                item.place.commune.id,
                item.place.hamlet.id if item.place.hamlet else 0,
                fold(item.product_name),
                item.decision_number.casefold(),
            )
            if key in seen:
                raise InvalidInput("trùng với một dòng trước trong tệp.")
            seen.add(key)
            planned.append(item)
        except Unplaceable as exc:
            report.problems.append(RowProblem(row.number, exc.message, to_place=True))
        except AppError as exc:
            report.problems.append(RowProblem(row.number, exc.message))
    if report.problems:
        raise ImportRefused(report)
    nested = session.begin_nested()
    unplaced: dict[int, AdminUnit] = {}
    known = _Known(session)
    known.load_hamlets(
        sorted({i.place.hamlet.id for i in planned if i.place.hamlet is not None})
    )
    try:
        for item in planned:
            hamlet = item.place.hamlet
            if hamlet is None:
                hamlet = _placed_before(session, item) or _unplaced(
                    session, item, unplaced, report
                )
            _apply(session, actor, item, hamlet, report, known)
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
        detail=f"rows={report.rows} producers+={report.producers_new} products+={report.products_new} certificates+={report.certificates_new} unplaced={report.unplaced}",
    )
    return report


def _placed_before(session: Session, item: _Planned) -> AdminUnit | None:
    """The hamlet of the commune's producer of that name, if there is one (it may
    have been placed by a person since an earlier import): importing again
    finds it there rather than making a second one in "Chưa xếp ấp"."""
    commune = item.place.commune
    hamlet_ids = session.scalars(
        select(Producer.hamlet_id).where(
            Producer.name == item.producer_name,
            Producer.hamlet_id.in_(
                area_repository.subtree_ids(commune.id, day=clock.today())
            ),
        )
    ).all()
    if len(hamlet_ids) > 1:
        raise InvalidInput(
            f"'{commune.name}' có {len(hamlet_ids)} chủ thể tên '{item.producer_name}' "
            "ở các khóm/ấp khác nhau; hãy ghi khóm/ấp."
        )
    return area_repository.get(session, hamlet_ids[0]) if hamlet_ids else None


def _unplaced(
    session: Session,
    item: _Planned,
    known: dict[int, AdminUnit],
    report: ImportReport,
) -> AdminUnit:
    """The commune's "Chưa xếp ấp" hamlet, created the first time it is needed."""
    commune = item.place.commune
    report.unplaced += 1
    if commune.id not in known:
        found = area_repository.sibling_named(session, commune.id, UNPLACED)
        if found is None:
            found = area_service.add_hamlet(
                session, commune_id=commune.id, name=UNPLACED
            )
            report.hamlets_new += 1
        known[commune.id] = found
    return known[commune.id]


class _Known:
    """The producers, products and certificates the rows may match, read a
    hamlet's worth at a time — the file's hamlets in a few queries up front —
    where each row read all three one by one.

    It holds what the database holds for each hamlet read, and the import adds
    what it creates, so a row matches exactly what a query at its turn would
    (names and decision numbers as stored, to the letter). Every producer it
    returns has its products read, and every product its certificates."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.producers: dict[int, dict[str, Producer]] = {}
        self.products: dict[int, dict[str, Product]] = {}
        self.certificates: dict[int, set[str]] = {}

    def load_hamlets(self, hamlet_ids: Sequence[int]) -> None:
        """Every producer of these hamlets, their products and certificates."""
        wanted = [h for h in hamlet_ids if h not in self.producers]
        for h in wanted:
            self.producers[h] = {}
        producers = self._in(select(Producer), Producer.hamlet_id, wanted)
        for (producer,) in producers:
            self.producers[producer.hamlet_id][producer.name] = producer
            self.products[producer.id] = {}
        ids = [p.id for (p,) in producers]
        products = self._in(select(Product), Product.producer_id, ids)
        for (product,) in products:
            self.products[product.producer_id][product.name] = product
            self.certificates[product.id] = set()
        ids = [p.id for (p,) in products]
        certificates = select(Certificate.product_id, Certificate.decision_number)
        for product_id, number in self._in(certificates, Certificate.product_id, ids):
            self.certificates[product_id].add(number)

    def _in(self, stmt: Any, column: Any, ids: Sequence[int]) -> list[Any]:
        return query.rows_in_chunks(self.session, stmt, column, ids)

    def producer(self, hamlet_id: int, name: str) -> Producer | None:
        """The hamlet's producer of exactly this name."""
        if hamlet_id not in self.producers:
            self.load_hamlets([hamlet_id])
        return self.producers[hamlet_id].get(name)

    def product(self, producer_id: int, name: str) -> Product | None:
        """The (known) producer's product of exactly this name."""
        return self.products[producer_id].get(name)

    def has_certificate(self, product_id: int, number: str) -> bool:
        """Whether the (known) product holds a certificate of this decision number."""
        return number in self.certificates[product_id]

    def made_producer(self, producer: Producer) -> None:
        self.producers[producer.hamlet_id][producer.name] = producer
        self.products[producer.id] = {}

    def made_product(self, product: Product) -> None:
        self.products[product.producer_id][product.name] = product
        self.certificates[product.id] = set()

    def made_certificate(self, product_id: int, number: str) -> None:
        self.certificates[product_id].add(number)


def _apply(
    session: Session,
    actor: User,
    item: _Planned,
    hamlet: AdminUnit,
    report: ImportReport,
    known: _Known,
) -> None:
    producer = known.producer(hamlet.id, item.producer_name)
    changed = False
    if producer is None:
        producer = producer_service.create_producer(
            session,
            actor,
            hamlet_id=hamlet.id,
            kind=item.producer_kind,
            name=item.producer_name,
            representative=item.representative,
            phone=item.phone,
            tax_code=item.tax_code,
            roles=IMPORTERS,
        )
        known.made_producer(producer)
        report.producers_new += 1
        changed = True
    product = known.product(producer.id, item.product_name)
    if product is None:
        product = product_service.create_product(
            session,
            actor,
            producer_id=producer.id,
            name=item.product_name,
            kind=item.product_kind,
            group_id=item.group_id,
            gtin=item.gtin,
            unit=item.unit,
            price=item.price,
            roles=IMPORTERS,
        )
        known.made_product(product)
        report.products_new += 1
        changed = True
    if not known.has_certificate(product.id, item.decision_number):
        certificate = certificate_service.add_certificate(
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
        known.made_certificate(product.id, certificate.decision_number)
        report.certificates_new += 1
        changed = True
    if not changed:
        report.unchanged += 1
