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
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, fields

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ocop_tracker.audit.listener import record
from ocop_tracker.auth.scope import covered_ids
from ocop_tracker.core import clock
from ocop_tracker.core.errors import AppError, Conflict, Forbidden, InvalidInput
from ocop_tracker.core.phone import normalize_vn
from ocop_tracker.core.text import fold, normalize
from ocop_tracker.imports.batch import Added, Batch, Planned
from ocop_tracker.imports.places import Finder, Place, Unplaceable
from ocop_tracker.imports.reader import Row, parse_date
from ocop_tracker.producers.models import ProducerKind
from ocop_tracker.products import rules as product_rules
from ocop_tracker.products.models import (
    CertLevel,
    OcopGroup,
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
class ImportReport(Added):
    """What an import found or did: what its rows add (``Added``), and more."""

    rows: int = 0
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
        super().__init__(
            refusal(
                len(report.problems),
                (f"dòng {p.row}: {p.message}" for p in report.problems[:10]),
            )
        )
        self.report = report
        self.errors = report.problems


def refusal(count: int, problems: Iterable[str]) -> str:
    """A refused file's summary: how many problems, then the first ones, each
    without its closing full stop ("…, chưa ghi gì — dòng 3: …; dòng 5: …")."""
    listed = "; ".join(p.rstrip(". ") for p in problems)
    return f"Tệp có {count} lỗi, chưa ghi gì — {listed}."


def _text(row: Row, key: str) -> str | None:
    value = row.values.get(key)
    if value is None:
        return None
    clean = normalize(str(value))
    return clean or None


def _place(row: Row, finder: Finder) -> Place:
    return finder.place(
        code=_text(row, "commune_code"),
        commune=_text(row, "commune"),
        district=_text(row, "district"),
        province=_text(row, "province"),
        hamlet=_text(row, "hamlet"),
    )


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
    row: Row, place: Place, groups: dict[str, int], today: dt.date
) -> Planned:
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
    return Planned(
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
    """Check every row; unless ``dry_run``, write them all (or raise, writing nothing).

    A dry run reads and writes nothing more than checking needs: it gives the
    same report as the import would, without a savepoint to roll back."""
    if actor.role not in IMPORTERS:
        raise Forbidden(
            "Chỉ Sở Công Thương, cán bộ xã/huyện hoặc quản trị viên được nhập danh sách OCOP."
        )
    report = ImportReport(rows=len(rows))
    planned = _plan_rows(session, actor, rows, report)
    # The rows that pass on their own are checked as a whole too, so that a
    # file comes back with every problem at once, not one round per stage.
    batch = Batch(session)
    counts = batch.plan(planned)
    del planned  # the batch holds what it needs of each row
    if report.problems or counts.problems:
        found = [RowProblem(row, message) for row, message in counts.problems]
        report.problems = sorted([*report.problems, *found], key=lambda p: p.row)
        raise ImportRefused(report)
    for added in fields(Added):
        setattr(report, added.name, getattr(counts, added.name))
    if dry_run:
        return report
    nested = session.begin_nested()
    try:
        batch.write()
    except (AppError, IntegrityError):
        # Checked a moment ago: someone wrote the same record meanwhile.
        nested.rollback()
        raise Conflict(
            "Trong lúc nhập, một bản ghi của tệp vừa được người khác ghi; "
            "chưa ghi gì, hãy nhập lại tệp."
        ) from None
    nested.commit()
    report.written = True
    record(
        session,
        "import_ocop_list",
        area_id=actor.area_id,
        detail=f"rows={report.rows} producers+={report.producers_new} products+={report.products_new} certificates+={report.certificates_new} unplaced={report.unplaced}",
    )
    return report


def _plan_rows(
    session: Session, actor: User, rows: Sequence[Row], report: ImportReport
) -> list[Planned]:
    """Each row read, placed and checked on its own; its problem kept in ``report``.

    The file's communes and hamlets are read in a few queries, and whether the
    importer's area covers each place in one."""
    today = clock.today()
    groups = {fold(g.name): g.id for g in session.scalars(select(OcopGroup))}
    groups.update({fold(g.code): g.id for g in session.scalars(select(OcopGroup))})
    finder = Finder(session)
    finder.prefetch(
        (c for row in rows if (c := _text(row, "commune_code"))),
        (h for row in rows if (h := _text(row, "hamlet"))),
    )
    places: dict[int, Place | AppError] = {}
    for row in rows:
        try:
            places[row.number] = _place(row, finder)
        except AppError as exc:
            places[row.number] = exc
    inside = covered_ids(
        session,
        actor,
        {(p.hamlet or p.commune).id for p in places.values() if isinstance(p, Place)},
    )
    planned: list[Planned] = []
    seen: set[tuple[int, int, str, str]] = set()
    for row in rows:
        try:
            place = places[row.number]
            if isinstance(place, AppError):
                raise place
            area = place.hamlet or place.commune
            if area.id not in inside:
                raise InvalidInput(f"'{area.name}' nằm ngoài địa bàn của bạn.")
            item = _plan_row(row, place, groups, today)
            key = (
                place.commune.id,
                place.hamlet.id if place.hamlet else 0,
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
    return planned
