"""Downloads from the worklist and the producers' list (issue #15 item 5): the
links carry the filters on screen; the files (XLSX read back with openpyxl, CSV
with the csv module) hold only those rows, in the reader's area, with Vietnamese
headers and words, dates as dd/mm/yyyy, and producers' personal fields only for
a reader whose area covers them; each download is audited."""

import csv
import datetime as dt
import html
import io
import re

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from sqlalchemy import select
from sqlalchemy.orm import Session

from ocop_tracker.audit.models import AuditEvent
from ocop_tracker.core import clock
from ocop_tracker.core.labels import label
from ocop_tracker.core.phone import display_vn
from ocop_tracker.exports import service as export_service
from ocop_tracker.onboarding.models import ListingStatus
from ocop_tracker.producers.models import ProducerKind
from ocop_tracker.products.rules import CertificateStatus
from ocop_tracker.users.models import Role, User
from tests.conftest import SignIn
from tests.factories import (
    make_certificate,
    make_listing,
    make_producer,
    make_product,
    pilot_hamlet,
)

HTML = {"accept": "text/html"}
PHONE_IN, PHONE_OUT = "+84912000111", "+84912000999"
EXPIRES = clock.today() + dt.timedelta(days=40)


def _world(session: Session) -> None:
    session.commit()
    khom3, an_thuong = (
        pilot_hamlet(session, "Khóm 3"),
        pilot_hamlet(session, "Ấp An Thường"),
    )
    coop = make_producer(
        session,
        khom3,
        kind=ProducerKind.cooperative,
        name="HTX Bánh pía Zyxw Khóm Ba",
        representative="Trần Thị Canary",
        phone=PHONE_IN,
        tax_code="2200111222",
    )
    pia = make_product(session, coop, name="Bánh pía Zyxw sầu riêng")
    make_certificate(session, pia, number="EXP-1/QĐ", expires_on=EXPIRES)
    make_listing(session, pia, "voso")
    home = make_producer(
        session, khom3, name="Hộ mắm Zyxw Khóm Ba", phone="+84912000222"
    )
    make_product(session, home, name="Mắm cá linh Zyxw")
    far = make_producer(
        session, an_thuong, name="Hộ bánh pía Zyxw An Thường", phone=PHONE_OUT
    )
    make_product(session, far, name="Bánh pía Zyxw An Thường")
    session.commit()


def _links(page: str) -> dict[str, str]:
    """Each download link by its path and format."""
    found = {}
    for href in re.findall(r'href="(/exports/[^"]+)"', page):
        url = html.unescape(href)
        dataset = url.split("?")[0].rsplit("/", 1)[1]
        fmt = re.search(r"format=(\w+)", url)
        assert fmt is not None
        found[f"{dataset}.{fmt.group(1)}"] = url
    return found


def _xlsx(client: TestClient, url: str) -> list[list[object]]:
    response = client.get(url)
    assert response.status_code == 200, response.text
    assert response.headers["cache-control"] == "no-store"
    name = response.headers["content-disposition"]
    assert re.fullmatch(
        r"attachment; filename\*=UTF-8''ocop-[a-z]+-\d{4}-\d{2}-\d{2}\.xlsx", name
    )
    sheet = load_workbook(io.BytesIO(response.content)).worksheets[0]
    rows = list(sheet.iter_rows())
    for row in rows[1:]:
        for cell in row:
            if isinstance(cell.value, dt.datetime):
                assert cell.number_format == "DD/MM/YYYY"
    return [[c.value for c in row] for row in rows]


def _csv(client: TestClient, url: str) -> list[list[str]]:
    response = client.get(url)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))


def test_worklist_downloads_carry_the_search_and_hold_only_its_rows(
    sign_in: SignIn, session: Session
) -> None:
    _world(session)
    member = sign_in("thanhvien.khom3")
    page = member.get("/worklist", params={"q": "banh pia zyxw"}, headers=HTML)
    assert page.status_code == 200
    links = _links(page.text)
    assert set(links) == {
        f"{d}.{f}"
        for d in ("products", "certificates", "listings")
        for f in ("xlsx", "csv")
    }
    assert "q=banh+pia+zyxw" in links["products.xlsx"]

    products = _xlsx(member, links["products.xlsx"])
    assert products[0][:3] == ["Mã công khai", "Tên sản phẩm", "Loại"]
    assert [r[1] for r in products[1:]] == [
        "Bánh pía Zyxw sầu riêng"
    ]  # not Mắm, not An Thường
    ours = dict(zip(products[0], products[1], strict=True))
    assert ours["Tình trạng chứng nhận"] == label(CertificateStatus.expiring)
    assert ours["Loại hình chủ thể"] == label(ProducerKind.cooperative)
    assert ours["Hết hạn"] == dt.datetime.combine(EXPIRES, dt.time())
    assert "Khóm 3" in str(ours["Địa bàn"])

    certificates = _csv(member, links["certificates.csv"])
    assert certificates[0][:3] == ["Sản phẩm", "Số quyết định", "Ngày quyết định"]
    assert [r[0] for r in certificates[1:]] == ["Bánh pía Zyxw sầu riêng"]
    cert = dict(zip(certificates[0], certificates[1], strict=True))
    assert cert["Hết hạn"] == EXPIRES.strftime("%d/%m/%Y")
    assert re.fullmatch(r"\d{2}/\d{2}/\d{4}", cert["Ngày quyết định"])

    listings = _csv(member, links["listings.csv"])
    assert [r[0] for r in listings[1:]] == ["Bánh pía Zyxw sầu riêng"]
    assert listings[1][3] == label(ListingStatus.listed)

    event = session.scalars(
        select(AuditEvent)
        .where(AuditEvent.action == "export")
        .order_by(AuditEvent.id.desc())
    ).first()
    assert event is not None
    assert "q=banh pia zyxw" in (event.detail or "")
    assert "rows=1" in (event.detail or "")


def test_an_official_picks_a_hamlet_and_the_download_keeps_it(
    sign_in: SignIn, session: Session
) -> None:
    _world(session)
    official = sign_in("canbo.khom3")
    khom3 = pilot_hamlet(session, "Khóm 3")
    page = official.get("/worklist", params={"area_id": khom3.id}, headers=HTML)
    links = _links(page.text)
    assert f"area_id={khom3.id}" in links["products.csv"]
    rows = _csv(official, links["products.csv"])[1:]
    names = {r[1] for r in rows}
    assert {"Bánh pía Zyxw sầu riêng", "Mắm cá linh Zyxw"} <= names
    assert "Bánh pía Zyxw An Thường" not in names
    assert all(r[5].startswith("Khóm 3,") for r in rows)
    shown = re.search(r"(\d+) sản phẩm", page.text)
    assert shown is not None
    assert len(rows) == int(shown.group(1))  # the rows the page counts
    other = pilot_hamlet(session, "Ấp An Thường")
    refused = official.get(
        "/exports/products", params={"area_id": other.id}, headers=HTML
    )
    assert refused.status_code == 404


def test_producers_download_keeps_the_filters_and_personal_fields_in_scope(
    sign_in: SignIn, session: Session
) -> None:
    _world(session)
    member = sign_in("thanhvien.khom3")
    page = member.get(
        "/producers", params={"kind": "cooperative", "payment": "no"}, headers=HTML
    )
    links = _links(page.text)
    assert set(links) == {"producers.xlsx", "producers.csv"}
    assert "kind=cooperative" in links["producers.csv"]
    assert "payment=no" in links["producers.csv"]

    rows = _csv(member, links["producers.csv"])
    assert rows[0][:3] == ["Tên chủ thể", "Loại hình chủ thể", "Địa bàn"]
    names = [r[0] for r in rows[1:]]
    assert "HTX Bánh pía Zyxw Khóm Ba" in names
    assert "Hộ mắm Zyxw Khóm Ba" not in names  # the kind kept
    assert {r[1] for r in rows[1:]} == {label(ProducerKind.cooperative)}
    shown = re.search(r"(\d+) chủ thể", page.text)
    assert shown is not None
    assert len(names) == int(shown.group(1))  # the rows the page counts
    ours = dict(
        zip(rows[0], rows[1 + names.index("HTX Bánh pía Zyxw Khóm Ba")], strict=True)
    )
    assert ours["Số điện thoại"] == display_vn(PHONE_IN)  # as on the page
    assert ours["Người đại diện"] == "Trần Thị Canary"
    assert ours["Mã số thuế"] == "2200111222"
    assert re.fullmatch(r"\d{2}/\d{2}/\d{4}", ours["Ngày nhập"])

    everyone = _xlsx(member, "/exports/producers?format=xlsx&q=zyxw")
    assert {r[0] for r in everyone[1:]} == {
        "HTX Bánh pía Zyxw Khóm Ba",
        "Hộ mắm Zyxw Khóm Ba",
    }
    assert display_vn(PHONE_OUT) not in str(everyone)


def test_an_out_of_scope_reader_gets_neither_rows_nor_personal_columns(
    sign_in: SignIn, session: Session
) -> None:
    _world(session)
    khom3 = pilot_hamlet(session, "Khóm 3")
    elsewhere = sign_in("thanhvien.anthuong")
    response = elsewhere.get("/exports/producers", params={"format": "csv"})
    assert response.status_code == 200
    assert display_vn(PHONE_IN) not in response.text
    assert "Trần Thị Canary" not in response.text
    assert "Zyxw Khóm Ba" not in response.text
    assert (
        elsewhere.get(
            "/exports/producers", params={"hamlet_id": khom3.id}, headers=HTML
        ).status_code
        == 404
    )

    session.add(
        User(
            login="xuat.khongdiaban",
            display_name="Không địa bàn",
            search_key="xuat khong dia ban",
            role=Role.official,
            area_id=None,
            password_hash="$argon2id$v=19$m=65536,t=3,p=4$unused$unused",
        )
    )
    session.commit()
    nowhere = sign_in("xuat.khongdiaban")
    rows = _csv(nowhere, "/exports/producers?format=csv")
    assert rows == [
        [
            "Tên chủ thể",
            "Loại hình chủ thể",
            "Địa bàn",
            "Thanh toán điện tử",
            "Đồng ý công khai",
            "Ngày nhập",
        ]
    ]


def test_rows_read_a_chunk_at_a_time_make_the_same_file(
    sign_in: SignIn, session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    _world(session)
    member = sign_in("thanhvien.khom3")
    urls = ["/exports/producers?format=csv&q=zyxw", "/exports/products?format=csv"]
    whole = [_csv(member, url) for url in urls]
    monkeypatch.setattr(export_service, "CHUNK", 1)
    assert [_csv(member, url) for url in urls] == whole
    assert len(whole[0]) == 3  # header and both producers, one statement each


def test_the_eleventh_download_in_an_hour_is_refused_in_words(
    sign_in: SignIn,
) -> None:
    official = sign_in("canbo.khom3")
    for _ in range(10):
        assert official.get("/exports/listings?format=csv").status_code == 200
    refused = official.get("/exports/products", headers=HTML)
    assert refused.status_code == 429
    assert "Mỗi giờ chỉ được xuất tối đa 10 tệp" in refused.text
    assert refused.headers["content-type"].startswith("text/html")
