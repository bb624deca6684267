"""Reading the official OCOP list from XLSX or CSV, with Vietnamese headers.

Only reading and shaping happen here: every value stays a string (or a date
for XLSX date cells) keyed by a canonical column name, with its row number, so
that validation can name the row and the column of each problem.
"""

import contextlib
import csv
import datetime as dt
import io
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass

from openpyxl import load_workbook

from ocop_tracker.core.errors import InvalidInput
from ocop_tracker.core.text import fold

MAX_BYTES = 10 * 1024 * 1024
MAX_ROWS = 25_000

# Canonical column → its header in the template, then the other spellings
# accepted (compared folded: no diacritics, lower case). These are exactly the
# columns the importer reads (``imports/service.py``), in the template's order.
COLUMNS: dict[str, tuple[str, ...]] = {
    "product_name": ("Tên sản phẩm", "san pham", "product name", "product"),
    "producer_name": ("Chủ thể", "ten chu the", "chu the ocop", "producer"),
    "producer_kind": ("Loại hình chủ thể", "loai hinh", "producer kind"),
    "representative": ("Người đại diện", "dai dien", "representative"),
    "phone": ("Số điện thoại", "dien thoai", "phone"),
    "tax_code": ("Mã số thuế", "ma so doanh nghiep", "tax code"),
    "province": ("Tỉnh", "tinh thanh pho", "tinh thanh", "province"),
    "district": ("Huyện", "quan huyen", "huyen thi xa", "district"),
    "commune": ("Xã", "ten xa", "xa phuong", "xa phuong thi tran", "commune"),
    "commune_code": ("Mã xã", "ma xa phuong", "commune code"),
    "hamlet": ("Khóm/Ấp", "ap khom", "ap", "khom", "hamlet"),
    "group": ("Nhóm sản phẩm", "nhom", "group"),
    "unit": ("Đơn vị tính", "don vi", "unit"),
    "price": ("Giá", "gia ban", "price"),
    "gtin": ("Mã GTIN", "gtin", "ma vach"),
    "stars": ("Số sao", "hang sao", "stars"),
    "score": ("Điểm", "diem danh gia", "score"),
    "decision_number": ("Số quyết định", "quyet dinh so", "decision number"),
    "decision_date": ("Ngày quyết định", "ngay cong nhan", "decision date"),
    "authority": ("Cơ quan công nhận", "co quan ban hanh", "authority"),
    "level": ("Cấp công nhận", "cap", "level"),
}
HEADERS: dict[str, str] = {column: names[0] for column, names in COLUMNS.items()}
REQUIRED = (
    "product_name",
    "producer_name",
    "stars",
    "decision_number",
    "decision_date",
)
# Where a row is: the commune's code, or its name (with its district and province
# to tell communes of the same name apart); the hamlet is optional.
PLACE_COLUMNS = ("commune_code", "commune")
# The template's example row, one value per column (a commune named, no code).
EXAMPLE: dict[str, str] = {
    "product_name": "Bánh pía sầu riêng trứng muối",
    "producer_name": "Cơ sở bánh pía Tân Huê Viên",
    "producer_kind": "Doanh nghiệp",
    "representative": "Nguyễn Văn A",
    "phone": "0912 345 678",
    "tax_code": "2200123456",
    "province": "Sóc Trăng",
    "district": "Châu Thành",
    "commune": "Phú Tân",
    "commune_code": "",
    "hamlet": "Ấp Phú Hòa",
    "group": "Thực phẩm",
    "unit": "hộp 500 g",
    "price": "85.000",
    "gtin": "",
    "stars": "4",
    "score": "82",
    "decision_number": "1234/QĐ-UBND",
    "decision_date": "15/04/2024",
    "authority": "UBND tỉnh Sóc Trăng",
    "level": "tỉnh",
}


def _folded_header(text: str) -> str:
    folded = re.sub(r"[^a-z0-9 ]", " ", fold(text)).strip()
    return re.sub(r"\s+", " ", folded)


SPELLINGS: dict[str, str] = {
    _folded_header(spelling): column
    for column, names in COLUMNS.items()
    for spelling in names
}


@dataclass(frozen=True)
class Row:
    """One data row: its number in the file (header = 1) and its values."""

    number: int
    values: dict[str, str | dt.date | None]


def _cell(value: object) -> str | dt.date | None:
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    text = str(value).strip()
    return text or None


def _table(data: bytes, filename: str) -> Iterator[list[object]]:
    name = filename.lower()
    if name.endswith((".xlsx", ".xlsm")) or data[:4] == b"PK\x03\x04":
        try:
            book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        except Exception:  # openpyxl raises many types for a damaged file
            raise InvalidInput(
                "Không đọc được tệp Excel (.xlsx); hãy lưu lại và thử lại."
            ) from None
        sheet = book.worksheets[0]
        for values in sheet.iter_rows(values_only=True):
            yield list(values)
        book.close()
        return
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InvalidInput("Tệp CSV phải mã hóa UTF-8.") from None
    dialect: type[csv.Dialect] | csv.Dialect = csv.excel
    with contextlib.suppress(csv.Error):
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
    # newline="": a bare CR ends a line too, as the csv module expects.
    reader = csv.reader(io.StringIO(text, newline=""), dialect)
    try:
        yield from reader
    except csv.Error:
        raise InvalidInput(
            f"Tệp CSV hỏng ở dòng {reader.line_num}; hãy lưu lại từ Excel "
            "(CSV UTF-8) và thử lại."
        ) from None


def read_rows(data: bytes, filename: str) -> list[Row]:
    """The rows of the first sheet (XLSX) or of the CSV, by canonical column."""

    def missing(keys: Sequence[str | None]) -> list[str]:
        absent = [HEADERS[c] for c in REQUIRED if c not in keys]
        if not any(c in keys for c in PLACE_COLUMNS):
            absent.append(f"{HEADERS['commune_code']} hoặc {HEADERS['commune']}")
        return absent

    return read_table(data, filename, SPELLINGS, missing)


def spellings_of(columns: Mapping[str, Sequence[str]]) -> dict[str, str]:
    """Each accepted header, folded, to its canonical column."""
    return {
        _folded_header(spelling): column
        for column, names in columns.items()
        for spelling in names
    }


def read_table(
    data: bytes,
    filename: str,
    spellings: Mapping[str, str],
    missing: Callable[[Sequence[str | None]], list[str]],
) -> list[Row]:
    """The rows of a sheet whose headers ``spellings`` knows; ``missing`` names
    the required columns a header lacks (the file is refused when it names any)."""
    if len(data) > MAX_BYTES:
        raise InvalidInput("Tệp lớn quá 10 MB.", status_code=413)
    table = _table(data, filename)
    header = next(table, None)
    if header is None:
        raise InvalidInput("Tệp trống.")
    keys = [spellings.get(_folded_header(str(h or ""))) for h in header]
    absent = missing(keys)
    if absent:
        raise InvalidInput("Thiếu cột: " + ", ".join(absent) + ".")
    rows: list[Row] = []
    for number, values in enumerate(table, start=2):
        cells = {
            k: _cell(v) for k, v in zip(keys, values, strict=False) if k is not None
        }
        if not any(v not in (None, "") for v in cells.values()):
            continue
        if len(rows) >= MAX_ROWS:
            raise InvalidInput(
                f"Tệp có quá {MAX_ROWS} dòng; hãy chia nhỏ.", status_code=413
            )
        rows.append(Row(number=number, values=cells))
    return rows


def parse_date(value: str | dt.date | None) -> dt.date:
    """31/12/2024, 31-12-2024 or 2024-12-31 (or an Excel date)."""
    if isinstance(value, dt.date):
        return value
    if not value:
        raise ValueError("trống")
    text = value.strip()
    for pattern in ("%d/%m/%Y", "%d-%m-%Y", "%Y-%m-%d", "%d.%m.%Y"):
        try:
            return dt.datetime.strptime(text, pattern).date()
        except ValueError:
            continue
    raise ValueError(f"'{text}' không phải ngày (dd/mm/yyyy)")
