"""Reading the official list from real XLSX and CSV files with Vietnamese headers."""

import datetime as dt
import io
from typing import Any

import pytest
from openpyxl import Workbook

from ocop_tracker.core.errors import InvalidInput
from ocop_tracker.imports.reader import parse_date, read_rows

HEADER = [
    "STT",
    "Tên sản phẩm",
    "Chủ thể",
    "Mã xã",
    "Khóm/Ấp",
    "Số sao",
    "Số quyết định",
    "Ngày quyết định",
]


def xlsx(rows: list[list[Any]]) -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_xlsx_with_vietnamese_headers_and_date_cells() -> None:
    data = xlsx(
        [
            HEADER,
            [
                1,
                "Gạo ST25",
                "HTX Hòa Lợi",
                "31477",
                "Ấp Hòa Lợi",
                5,
                "123/QĐ-UBND",
                dt.datetime(2024, 3, 1),
            ],
            [],
            [
                2,
                "Bánh pía",
                "Cơ sở Tân Huê Viên",
                31498,
                "Ấp Phước Thuận",
                4.0,
                "45/QĐ",
                "01/02/2023",
            ],
        ]
    )
    rows = read_rows(data, "danh-sach.xlsx")
    assert [r.number for r in rows] == [
        2,
        4,
    ]  # the empty row 3 is skipped, numbers kept
    assert rows[0].values["product_name"] == "Gạo ST25"
    assert rows[0].values["decision_date"] == dt.date(2024, 3, 1)
    assert rows[1].values["commune_code"] == "31498"
    assert rows[1].values["stars"] == "4"
    assert "STT" not in rows[0].values


def test_csv_with_semicolons_and_headers_without_diacritics() -> None:
    text = "ten san pham;chu the;ma xa;khom ap;so sao;so quyet dinh;ngay quyet dinh\nHành tím;Tổ hợp tác Vĩnh Hiệp;31522;Ấp Huỳnh Kỳ;3;9/QĐ;15/08/2023\n"
    rows = read_rows(text.encode("utf-8-sig"), "ds.csv")
    assert rows[0].values["producer_name"] == "Tổ hợp tác Vĩnh Hiệp"
    assert parse_date(rows[0].values["decision_date"]) == dt.date(2023, 8, 15)


def test_missing_columns_are_named_in_the_files_words() -> None:
    with pytest.raises(InvalidInput, match=r"Thiếu cột: Số sao\.$") as caught:
        read_rows(
            "Tên sản phẩm,Chủ thể,Mã xã,Khóm/Ấp,Số quyết định,Ngày quyết định\n".encode(),
            "x.csv",
        )
    assert "stars" not in caught.value.message


def test_a_place_needs_a_commune_code_or_name_but_no_hamlet() -> None:
    header = "Tên sản phẩm,Chủ thể,Số sao,Số quyết định,Ngày quyết định"
    with pytest.raises(InvalidInput, match="Mã xã hoặc Xã"):
        read_rows(f"{header},Khóm/Ấp\n".encode(), "x.csv")
    rows = read_rows(
        f"{header},Xã,Huyện,Tỉnh\nMắm,Hộ Tư,3,1/QĐ,01/02/2024,xã phú tân,"
        "Châu Thành,Sóc Trăng\n".encode(),
        "x.csv",
    )
    assert rows[0].values["commune"] == "xã phú tân"
    assert rows[0].values["district"] == "Châu Thành"
    assert "hamlet" not in rows[0].values


@pytest.mark.parametrize(
    ("data", "name"),
    [
        (b"PK\x03\x04 not really a zip", "x.xlsx"),
        (b"", "x.csv"),
        ("Tên".encode("utf-16"), "x.csv"),
    ],
)
def test_unreadable_files_are_refused_clearly(data: bytes, name: str) -> None:
    with pytest.raises(InvalidInput):
        read_rows(data, name)


def test_size_limits() -> None:
    with pytest.raises(InvalidInput) as caught:
        read_rows(b"x" * (10 * 1024 * 1024 + 1), "x.csv")
    assert caught.value.status_code == 413
    body = ",".join(HEADER[1:]) + "\n" + "a,b,1,c,3,d,01/01/2024\n" * 25_001
    with pytest.raises(InvalidInput, match="25000"):
        read_rows(body.encode(), "big.csv")


@pytest.mark.parametrize("bad", ["", "32/01/2024", "hôm qua", "2024/13/01"])
def test_bad_dates(bad: str) -> None:
    with pytest.raises(ValueError, match=r"trống|không phải ngày"):
        parse_date(bad)


def test_csv_with_carriage_returns_only() -> None:
    """Old Mac line endings (a bare CR) read like any other."""
    text = "ten san pham,chu the,ma xa,khom ap,so sao,so quyet dinh,ngay quyet dinh\rHành tím,Tổ hợp tác Vĩnh Hiệp,31522,Ấp Huỳnh Kỳ,3,9/QĐ,15/08/2023\r"
    rows = read_rows(text.encode(), "ds.csv")
    assert [r.values["product_name"] for r in rows] == ["Hành tím"]


def test_a_stray_carriage_return_is_a_clear_refusal() -> None:
    """Found by the API fuzz: a CR inside a field gave a 500."""
    with pytest.raises(InvalidInput, match="Thiếu cột"):
        read_rows(b"\r0\r\n", "file")
