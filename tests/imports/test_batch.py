"""The list import checks a whole file before writing it (issue #18 item 2): the
dry run gives the import's own report and writes nothing, every refused row is
listed, and what is written keeps its audit events, public codes and the
coverage ledger exact."""

import datetime as dt
from decimal import Decimal
from enum import Enum
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ocop_tracker.areas.models import AdminUnit
from ocop_tracker.audit.models import AuditEvent
from ocop_tracker.core import clock
from ocop_tracker.imports import service as import_service
from ocop_tracker.imports.places import UNPLACED
from ocop_tracker.imports.reader import read_rows
from ocop_tracker.producers.models import Producer
from ocop_tracker.products.models import Certificate, Product, ProductKind
from ocop_tracker.products.rules import gtin_is_valid
from ocop_tracker.reports import views
from ocop_tracker.reports.models import NATION, ReportSegment
from tests.factories import (
    make_actor,
    make_certificate,
    make_hamlet,
    make_producer,
    make_product,
    pilot_hamlet,
)
from tests.imports.test_service import xlsx
from tests.reports.naive import recount

HEADER = ["Tên sản phẩm", "Chủ thể", "Mã xã", "Xã", "Khóm/Ấp", "Số sao"]
HEADER += ["Số quyết định", "Ngày quyết định", "Cấp công nhận", "Mã GTIN"]
TABLES = (Producer, Product, Certificate, AdminUnit, AuditEvent, ReportSegment)


def _gtin(body: str) -> str:
    """``body`` (12 digits) with its check digit: a valid GTIN-13."""
    for digit in "0123456789":
        if gtin_is_valid(body + digit):
            return body + digit
    raise AssertionError(body)  # pragma: no cover


def _row(
    product: str,
    producer: str,
    code: str,
    hamlet: str,
    number: str,
    gtin: str = "",
    *,
    commune: str = "",
) -> list[Any]:
    """A row placed by its commune's ``code`` (or its name, ``commune``)."""
    tail = [3, number, "10/03/2024", "huyện", gtin]
    return [product, producer, code, commune, hamlet, *tail]


def _counts(session: Session) -> tuple[int, ...]:
    session.expire_all()
    return tuple(
        session.scalar(select(func.count()).select_from(t)) or 0 for t in TABLES
    )


def _commune_code(session: Session, hamlet: AdminUnit) -> str:
    commune = session.get(AdminUnit, hamlet.parent_id)
    assert commune is not None
    assert commune.code is not None
    return commune.code


def _import(session: Session, rows: list[list[Any]], *, dry_run: bool) -> Any:
    read = read_rows(xlsx(rows, HEADER), "ds.xlsx")
    report = import_service.import_rows(
        session, make_actor(session), read, dry_run=dry_run
    )
    session.commit()
    return report


def test_the_dry_run_reports_what_the_import_writes_and_writes_nothing(
    session: Session,
) -> None:
    khom3 = pilot_hamlet(session, "Khóm 3")
    an_thuong = pilot_hamlet(session, "Ấp An Thường")
    k3 = _commune_code(session, khom3)
    producer = make_producer(session, khom3, name="Hộ bà Tư Bánh Pía")
    pia = make_product(session, producer, name="Bánh pía")
    make_certificate(session, pia, number="1/QĐ-UBND", stars=3)
    session.commit()
    unplaced_before = session.scalar(
        select(func.count())
        .select_from(AdminUnit)
        .where(AdminUnit.parent_id == an_thuong.parent_id, AdminUnit.name == UNPLACED)
    )
    rows = [
        _row("Bánh pía", "Hộ bà Tư Bánh Pía", k3, "Khóm 3", "1/QĐ-UBND"),
        _row("Bánh pía", "Hộ bà Tư Bánh Pía", k3, "Khóm 3", "9/QĐ-UBND"),
        _row("Kẹo dừa", "Hộ bà Tư Bánh Pía", k3, "Khóm 3", "9/QĐ-UBND"),
        _row(
            "Mắm cá linh", "Hộ ông Chín", k3, "Khóm 3", "10/QĐ", _gtin("893400000001")
        ),
        _row("Mắm cá sặc", "Hộ ông Chín", k3, "Khóm 3", "10/QĐ", _gtin("893400000002")),
        _row("Khô cá lóc", "Hộ bà Mười", "", "", "11/QĐ", commune="Xã An Thạnh"),
    ]
    before = _counts(session)

    dry = _import(session, rows, dry_run=True)

    assert _counts(session) == before
    assert dry.written is False
    assert (dry.producers_new, dry.products_new, dry.certificates_new) == (2, 4, 5)
    assert (dry.unchanged, dry.unplaced) == (1, 1)
    assert dry.hamlets_new == (0 if unplaced_before else 1)

    last_event = session.scalar(select(func.max(AuditEvent.id))) or 0
    last_product = session.scalar(select(func.max(Product.id))) or 0
    done = _import(session, rows, dry_run=False)

    assert done.written is True
    for name in ("producers_new", "products_new", "certificates_new", "unchanged"):
        assert getattr(done, name) == getattr(dry, name), name
    assert (done.unplaced, done.hamlets_new) == (dry.unplaced, dry.hamlets_new)
    after = _counts(session)
    assert after[:4] == (
        before[0] + 2,
        before[1] + 4,
        before[2] + 5,
        before[3] + dry.hamlets_new,
    )
    # One audit event per record written, as a form writes them.
    made = dict(
        session.execute(
            select(AuditEvent.object_type, func.count())
            .where(AuditEvent.action == "create", AuditEvent.id > last_event)
            .group_by(AuditEvent.object_type)
        ).all()
    )
    assert (made["producers"], made["products"], made["certificates"]) == (2, 4, 5)
    # Every new product has a public code of its own.
    codes = session.scalars(
        select(Product.public_code).where(Product.id > last_product)
    ).all()
    assert len(codes) == 4
    assert len(set(codes)) == 4
    assert all(codes)
    # Their ids are the database's own (drawn at once on PostgreSQL): each
    # product's event names it, and a product a form adds next takes a later id.
    new_ids = set(session.scalars(select(Product.id).where(Product.id > last_product)))
    events_for = session.scalars(
        select(AuditEvent.object_id).where(
            AuditEvent.id > last_event, AuditEvent.object_type == "products"
        )
    )
    assert {int(i or 0) for i in events_for} == new_ids
    later = make_product(session, producer, name="Bánh in")
    assert later.id > max(new_ids)
    # The coverage ledger, refreshed once at commit, equals a recount.
    conn = session.connection()
    areas = [khom3.id, khom3.parent_id, an_thuong.parent_id, NATION]
    kept, _ = views.read(conn, [a for a in areas if a is not None], clock.today())
    for area in areas:
        assert area is not None
        got = {k: v for k, v in kept[area].items() if v}
        assert got == recount(session, area, clock.today()), area


def _as_json(value: Any) -> Any:
    """A stored value as the trail's JSON holds it."""
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, Decimal):
        return int(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def _created(session: Session, table: str, object_id: int) -> dict[str, Any]:
    """What the trail says a record was made with."""
    after = session.scalar(
        select(AuditEvent.after).where(
            AuditEvent.action == "create",
            AuditEvent.object_type == table,
            AuditEvent.object_id == str(object_id),
        )
    )
    assert isinstance(after, dict)
    return after


def test_an_imported_record_reads_in_the_trail_as_one_a_form_made(
    session: Session,
) -> None:
    """The import inserts without the ORM: each record's event still holds every
    audited column as stored (times, version and name key included), the same
    columns as the event of a record a form adds."""
    khom3 = pilot_hamlet(session, "Khóm 3")
    by_form = make_product(session, make_producer(session, khom3), stars=4)
    session.commit()
    k3 = _commune_code(session, khom3)
    last_product = session.scalar(select(func.max(Product.id))) or 0
    _import(
        session,
        [
            _row(
                "Mứt gừng",
                "Hộ ông Năm Gừng",
                k3,
                "Khóm 3",
                "31/QĐ",
                _gtin("893400000031"),
            )
        ],
        dry_run=False,
    )
    product = session.scalars(select(Product).where(Product.id > last_product)).one()
    certificate = session.scalars(
        select(Certificate).where(Certificate.product_id == product.id)
    ).one()
    form_certificate = session.scalars(
        select(Certificate).where(Certificate.product_id == by_form.id)
    ).one()
    imported_producer = session.get(Producer, product.producer_id)
    form_producer = session.get(Producer, by_form.producer_id)
    assert imported_producer is not None
    assert form_producer is not None
    records: list[tuple[Producer | Product | Certificate, Any]] = [
        (imported_producer, form_producer),
        (product, by_form),
        (certificate, form_certificate),
    ]
    for record, form_made in records:
        table = type(record).__tablename__
        imported = _created(session, table, record.id)
        assert imported.keys() == _created(session, table, form_made.id).keys()
        stored = {key: _as_json(getattr(record, key)) for key in imported}
        assert imported == stored, table
        assert imported["version"] == 1
        assert imported["created_at"] is not None


@pytest.mark.parametrize("dry_run", [True, False])
def test_every_refused_row_is_listed_and_nothing_is_written(
    session: Session, dry_run: bool
) -> None:
    khom3 = pilot_hamlet(session, "Khóm 3")
    k3 = _commune_code(session, khom3)
    held = _gtin("893400000011")
    twice = _gtin("893400000012")
    producer = make_producer(session, khom3, name="Hộ ông Năm Gạo")
    make_product(session, producer, name="Bánh pía nhân đậu", gtin=held)
    make_product(session, producer, name="Gạo thơm", kind=ProductKind.agricultural)
    session.commit()
    name = "Hộ ông Năm Gạo"
    rows = [
        _row("BÁNH PÍA NHÂN ĐẬU", name, k3, "Khóm 3", "20/QĐ"),  # 2: namesake
        _row("Kẹo mè", name, k3, "Khóm 3", "21/QĐ", held),  # 3: GTIN held
        _row("Kẹo đậu phộng", name, k3, "Khóm 3", "22/QĐ", twice),  # 4: fine
        _row("Kẹo gừng", name, k3, "Khóm 3", "23/QĐ", "0" + twice),  # 5: row 4's
        _row("Gạo thơm", name, k3, "Khóm 3", "24/QĐ"),  # 6: not an OCOP product
        _row("Kẹo dừa", name, k3, "Khóm 3", "25/QĐ"),  # 7: fine
        _row("Kẹo lạc", name, k3, "Ấp Không Có", "26/QĐ"),  # 8: no such hamlet
    ]
    before = _counts(session)

    with pytest.raises(import_service.ImportRefused) as refused:
        _import(session, rows, dry_run=dry_run)

    session.rollback()
    problems = {p.row: p.message for p in refused.value.report.problems}
    # A row refused on its own (8) and rows refused against the whole file
    # (2, 3, 5, 6) come back together, in row order.
    assert [p.row for p in refused.value.report.problems] == [2, 3, 5, 6, 8]
    assert "đã có sản phẩm tên 'Bánh pía nhân đậu'" in problems[2]
    assert "GTIN" in problems[3]
    assert "GTIN" in problems[5]
    assert "OCOP" in problems[6]
    assert "Ấp Không Có" in problems[8]
    # The summary lists them as one sentence: no message's full stop before a ";".
    summary = refused.value.message
    assert summary.startswith("Tệp có 5 lỗi, chưa ghi gì — dòng 2: "), summary
    assert ".;" not in summary, summary
    assert summary.endswith("."), summary
    assert "dòng 8: " in summary, summary
    assert _counts(session) == before


def test_a_row_naming_no_hamlet_finds_its_producer_in_a_hamlet_only_once(
    session: Session,
) -> None:
    """Two hamlets of one commune each hold a producer of the row's name: the
    row is refused, not guessed."""
    an_thuong = pilot_hamlet(session, "Ấp An Thường")
    commune = session.get(AdminUnit, an_thuong.parent_id)
    assert commune is not None
    for hamlet in (an_thuong, make_hamlet(session, commune)):
        make_producer(session, hamlet, name="Hộ bà Hai")
    session.commit()
    before = _counts(session)
    with pytest.raises(import_service.ImportRefused) as refused:
        _import(
            session,
            [_row("Bánh bò", "Hộ bà Hai", "", "", "30/QĐ", commune="Xã An Thạnh")],
            dry_run=True,
        )
    session.rollback()
    [problem] = refused.value.report.problems
    assert problem.row == 2
    assert "có 2 chủ thể tên 'Hộ bà Hai'" in problem.message
    assert _counts(session) == before
