"""Official lists naming communes without codes, and rows without a hamlet
(issue #15 item 5): matched by folded names; placed in the commune's
"Chưa xếp ấp"; no match or several listed for a person, nothing written."""

import io
from typing import Any

from fastapi.testclient import TestClient
from openpyxl import load_workbook
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ocop_tracker.areas.models import AdminUnit
from ocop_tracker.imports.places import UNPLACED
from ocop_tracker.imports.reader import COLUMNS, HEADERS, read_rows
from ocop_tracker.producers import service as producer_service
from ocop_tracker.producers.models import Producer
from ocop_tracker.products.models import Certificate, Product
from tests.conftest import SignIn
from tests.factories import make_actor, pilot_hamlet
from tests.imports.test_service import xlsx

HEADER = ["Tên sản phẩm", "Chủ thể", "Tỉnh", "Huyện", "Xã", "Khóm/Ấp", "Số sao"]
HEADER += ["Số quyết định", "Ngày quyết định", "Cấp công nhận", "Giá", "Mã số thuế"]


def _row(
    product: str,
    producer: str,
    *,
    province: str = "",
    district: str = "",
    commune: str = "",
    hamlet: str = "",
    number: str = "501/QĐ-UBND",
) -> list[Any]:
    tail = ["10/03/2024", "huyện", "85.000", "2200999888"]
    return [product, producer, province, district, commune, hamlet, 3, number, *tail]


def _import(client: TestClient, data: bytes, *, dry_run: bool) -> Any:
    return client.post(
        "/api/v1/imports/ocop-list",
        params={"dry_run": str(dry_run).lower()},
        files={"file": ("ds.xlsx", data)},
    )


def _counts(session: Session) -> tuple[int, ...]:
    return tuple(
        session.scalar(select(func.count()).select_from(m)) or 0
        for m in (Producer, Product, Certificate, AdminUnit)
    )


def _producer(session: Session, name: str) -> Producer:
    session.expire_all()
    found = session.scalar(select(Producer).where(Producer.name == name))
    assert found is not None
    return found


def test_a_commune_and_hamlet_named_without_codes_diacritics_or_type_words(
    sign_in: SignIn, session: Session
) -> None:
    department = sign_in("sct.soctrang")
    data = xlsx(
        [
            _row(
                "Mè láo",
                "Hộ bà Chín",
                province="TP Can Tho",
                commune="phuong soc trang",
                hamlet="khom 3",
            )
        ],
        HEADER,
    )
    done = _import(department, data, dry_run=False)
    assert done.status_code == 201, done.text
    producer = _producer(session, "Hộ bà Chín")
    assert producer.hamlet_id == pilot_hamlet(session, "Khóm 3").id
    assert producer.tax_code == "2200999888"
    product = session.scalar(select(Product).where(Product.producer_id == producer.id))
    assert product is not None
    assert product.price == 85000


def test_a_row_without_a_hamlet_goes_to_the_communes_unplaced_hamlet(
    sign_in: SignIn, session: Session
) -> None:
    department = sign_in("sct.soctrang")
    data = xlsx([_row("Khô cá lóc", "Hộ ông Tám", commune="Xã An Thạnh")], HEADER)
    before = _counts(session)

    dry = _import(department, data, dry_run=True)
    assert dry.status_code == 200, dry.text
    assert dry.json()["producers_new"] == 1
    assert _counts(session) == before  # not even the "Chưa xếp ấp" hamlet

    assert (dry.json()["unplaced"], dry.json()["hamlets_new"]) == (1, 1)
    done = _import(department, data, dry_run=False)
    assert done.status_code == 201, done.text
    assert (done.json()["unplaced"], done.json()["hamlets_new"]) == (1, 1)
    an_thuong = pilot_hamlet(session, "Ấp An Thường")
    producer = _producer(session, "Hộ ông Tám")
    unplaced = session.get(AdminUnit, producer.hamlet_id)
    assert unplaced is not None
    assert unplaced.name == UNPLACED
    assert unplaced.parent_id == an_thuong.parent_id  # Xã An Thạnh
    assert _counts(session) == (
        before[0] + 1,
        before[1] + 1,
        before[2] + 1,
        before[3] + 1,
    )

    # Placed by a person, the producer is found there when the list comes again.
    producer_service.update_producer(
        session,
        make_actor(session),
        producer.id,
        hamlet_id=an_thuong.id,
        version=producer.version,
    )
    session.commit()
    again = _import(department, data, dry_run=False)
    assert again.status_code == 201, again.text
    assert again.json()["unchanged"] == 1
    assert _producer(session, "Hộ ông Tám").hamlet_id == an_thuong.id
    assert _counts(session)[:3] == (before[0] + 1, before[1] + 1, before[2] + 1)


def test_rows_of_one_file_see_what_the_rows_before_them_made(
    sign_in: SignIn, session: Session
) -> None:
    """A producer named twice is made once, in the hamlet its first row names,
    and found there by a later row that names only its commune; importing again
    with a new decision adds that certificate alone."""
    department = sign_in("sct.soctrang")
    placed = {"commune": "Xã An Thạnh", "hamlet": "Ấp An Thường"}
    first = _row("Khô cá lóc", "Hộ bà Năm", **placed, number="1/QĐ-UBND")
    second = _row("Mắm cá lóc", "Hộ bà Năm", commune="Xã An Thạnh", number="2/QĐ")
    before = _counts(session)
    done = _import(department, xlsx([first, second], HEADER), dry_run=False)
    assert done.status_code == 201, done.text
    body = done.json()
    assert (body["producers_new"], body["products_new"]) == (1, 2)
    assert (body["unplaced"], body["hamlets_new"]) == (0, 0)
    assert _producer(session, "Hộ bà Năm").hamlet_id == (
        pilot_hamlet(session, "Ấp An Thường").id
    )
    renewed = _row("Khô cá lóc", "Hộ bà Năm", **placed, number="3/QĐ-UBND")
    again = _import(department, xlsx([first, renewed, second], HEADER), dry_run=False)
    assert again.status_code == 201, again.text
    body = again.json()
    assert (body["unchanged"], body["certificates_new"]) == (2, 1)
    assert (body["producers_new"], body["products_new"]) == (0, 0)
    assert _counts(session) == (
        before[0] + 1,
        before[1] + 2,
        before[2] + 3,
        before[3],
    )


def test_ambiguous_or_unknown_communes_are_listed_for_a_person_and_nothing_is_written(
    sign_in: SignIn, session: Session
) -> None:
    department = sign_in("sct.soctrang")
    rows = [
        _row("Bánh pía", "Hộ A", commune="Xã An Thạnh"),  # fine alone
        _row("Lạp xưởng", "Hộ B", commune="Phường 1", number="502/QĐ"),  # several
        _row("Tôm khô", "Hộ C", commune="Xã Không Có Thật", number="503/QĐ"),
        _row(
            "Hành tím", "Hộ D", commune="Xã An Thạnh", hamlet="Ấp Mơ", number="504/QĐ"
        ),
    ]
    before = _counts(session)
    response = _import(department, xlsx(rows, HEADER), dry_run=False)
    assert response.status_code == 422
    listed = {r["row"]: r for r in response.json()["rows"]}
    assert sorted(listed) == [3, 4, 5]
    assert "khớp" in listed[3]["message"]
    assert "Phường 1" in listed[3]["message"]
    assert "không tìm thấy" in listed[4]["message"]
    assert "Ấp Mơ" in listed[5]["message"]
    assert _counts(session) == before

    page = department.post(
        "/imports",
        data={"csrf_token": department.headers["X-CSRF-Token"], "mode": "write"},
        files={"file": ("ds.xlsx", xlsx(rows, HEADER))},
        headers={"accept": "text/html"},
    )
    assert page.status_code == 422
    assert "Dòng cần người xếp địa bàn" in page.text
    assert "Dòng 3" in page.text and "Dòng 5" in page.text  # noqa: PT018
    assert "to_place" not in page.text
    assert _counts(session) == before


def test_a_district_tells_namesakes_apart(sign_in: SignIn, session: Session) -> None:
    admin = sign_in("admin")
    rows = [_row("Bánh in", "Hộ E", district="TP. Sóc Trăng", commune="Phường 1")]
    rows[0][3] = "Thành phố Sóc Trăng"
    dry = _import(admin, xlsx(rows, HEADER), dry_run=True)
    assert dry.status_code == 200, dry.text
    assert dry.json()["producers_new"] == 1


def test_the_template_has_exactly_the_columns_the_importer_reads(
    sign_in: SignIn,
) -> None:
    official = sign_in("canbo.khom3")
    page = official.get("/imports", headers={"accept": "text/html"})
    assert 'href="/imports/template.xlsx"' in page.text
    assert "Tải mẫu XLSX" in page.text
    response = official.get("/imports/template.xlsx")
    assert response.status_code == 200
    assert response.headers["content-disposition"] == (
        'attachment; filename="mau-danh-sach-ocop.xlsx"'
    )
    sheet = load_workbook(io.BytesIO(response.content)).worksheets[0]
    values = [[c.value for c in row] for row in sheet.iter_rows()]
    assert values[0] == [HEADERS[c] for c in COLUMNS]
    assert len(values) == 2  # one example row
    rows = read_rows(response.content, "mau.xlsx")
    assert set(rows[0].values) == set(COLUMNS)
    assert rows[0].values["commune"] == "Phú Tân"
    assert sign_in("thanhvien.khom3").get("/imports/template.xlsx").status_code == 403
