"""Exports: only what the user may see, formula-safe, audited and rate-limited (T35)."""

import csv
import datetime as dt
import io

import time_machine
from openpyxl import load_workbook
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ocop_tracker.areas.models import AdminUnit, Edition, Level
from ocop_tracker.audit.models import AuditEvent
from ocop_tracker.core import clock
from ocop_tracker.products.models import Product
from tests.conftest import SignIn
from tests.factories import make_certificate, make_producer, make_product, unit


def _product(session: Session, hamlet: AdminUnit, name: str, code: str) -> Product:
    """A product with a phone on its producer and a certificate expiring in 40 days."""
    product = make_product(
        session,
        make_producer(session, hamlet, name=f"Hộ {code}", phone=PHONE),
        name=name,
    )
    make_certificate(
        session,
        product,
        number=f"EX-{code}",
        expires_on=clock.today() + dt.timedelta(days=40),
    )
    session.commit()
    return product


FORMULA = '=HYPERLINK("http://evil.example","bấm")'
PHONE = "+84912345678"


def _world(session: Session) -> None:
    _product(
        session,
        unit(session, "Khóm 3", edition=Edition.e2025, level=Level.hamlet),
        FORMULA,
        "in",
    )
    _product(
        session,
        unit(session, "Ấp An Thường", edition=Edition.e2025, level=Level.hamlet),
        "Khô cá kèo",
        "out",
    )


def test_csv_holds_only_rows_in_area_and_escapes_formulas(
    sign_in: SignIn, session: Session
) -> None:
    _world(session)
    member = sign_in("thanhvien.khom3")
    response = member.get("/api/v1/exports/products", params={"format": "csv"})
    assert response.status_code == 200
    assert response.headers["content-disposition"].startswith(
        "attachment; filename*=UTF-8''ocop-products-"
    )
    assert response.headers["cache-control"] == "no-store"
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0][:2] == ["Mã công khai", "Tên sản phẩm"]
    names = [r[1] for r in rows[1:]]
    assert f"'{FORMULA}" in names
    assert not [n for n in names if n.startswith("=")]
    assert "Khô cá kèo" not in response.text
    assert "0912345678" not in response.text and "+84912345678" not in response.text  # noqa: PT018
    ours = next(r for r in rows if r[1] == f"'{FORMULA}")
    assert ours[7] == "Sắp hết hạn"  # expires in 40 days, within 90 (its label)


def test_xlsx_is_readable_and_keeps_text_as_text(
    sign_in: SignIn, session: Session
) -> None:
    _world(session)
    department = sign_in("sct.soctrang")
    response = department.get("/api/v1/exports/certificates", params={"format": "xlsx"})
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).worksheets[0]
    values = [[c.value for c in row] for row in sheet.iter_rows()]
    assert values[0][1] == "Số quyết định"
    decisions = {row[1] for row in values[1:]}
    assert {"EX-IN", "EX-OUT"} <= decisions  # decision numbers are upper-cased
    assert all(cell.data_type != "f" for row in sheet.iter_rows() for cell in row)


def test_the_same_rows_a_second_later_give_a_file_of_the_same_length(
    sign_in: SignIn, session: Session
) -> None:
    """A HEAD and its GET build the file twice; the second may turn between them."""
    _world(session)
    department = sign_in("sct.soctrang")
    # Around the minute now (the session stays fresh): 0, 1 and 59 seconds past.
    minute = dt.datetime.now(dt.UTC).replace(second=0, microsecond=0)
    lengths = set()
    for second in (0, 1, 59):
        with time_machine.travel(minute + dt.timedelta(seconds=second), tick=False):
            response = department.get(
                "/api/v1/exports/products", params={"format": "xlsx"}
            )
            made = dt.datetime.combine(clock.today(), dt.time())
        assert response.status_code == 200
        lengths.add(len(response.content))
        properties = load_workbook(io.BytesIO(response.content)).properties
        # Dated the day of the figures, whatever the second.
        assert (properties.created, properties.modified) == (made, made)
    assert len(lengths) == 1


def test_exports_are_audited_and_limited_to_ten_an_hour(
    sign_in: SignIn, session: Session
) -> None:
    official = sign_in("canbo.khom3")
    before = (
        session.scalar(
            select(func.count())
            .select_from(AuditEvent)
            .where(AuditEvent.action == "export")
        )
        or 0
    )
    for _ in range(10):
        assert official.get("/api/v1/exports/listings").status_code == 200
    limited = official.get("/api/v1/exports/listings")
    assert limited.status_code == 429
    assert limited.headers["retry-after"]
    after = (
        session.scalar(
            select(func.count())
            .select_from(AuditEvent)
            .where(AuditEvent.action == "export")
        )
        or 0
    )
    assert after == before + 10
    event = session.scalars(
        select(AuditEvent)
        .where(AuditEvent.action == "export")
        .order_by(AuditEvent.id.desc())
    ).first()
    assert event is not None
    assert "rows=" in (event.detail or "")


def test_a_foreign_area_filter_never_widens_the_export(
    sign_in: SignIn, session: Session
) -> None:
    _world(session)
    member = sign_in("thanhvien.khom3")
    an_thuong = unit(session, "Ấp An Thường", edition=Edition.e2025, level=Level.hamlet)
    assert (
        member.get(
            "/api/v1/exports/products", params={"area_id": an_thuong.id}
        ).status_code
        == 404
    )
