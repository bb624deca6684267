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
from collections.abc import Iterator
from dataclasses import dataclass

from openpyxl import load_workbook

from ocop_tracker.core.errors import InvalidInput
from ocop_tracker.core.text import fold

MAX_BYTES = 10 * 1024 * 1024
MAX_ROWS = 25_000

# Canonical column → header spellings accepted (compared folded: no diacritics, lower case).
COLUMNS: dict[str, tuple[str, ...]] = {
    "product_name": ("ten san pham", "san pham", "product name", "product"),
    "product_kind": ("loai san pham", "product kind"),
    "producer_name": ("chu the", "ten chu the", "chu the ocop", "producer"),
    "producer_kind": ("loai hinh chu the", "loai hinh", "producer kind"),
    "representative": ("nguoi dai dien", "dai dien", "representative"),
    "phone": ("so dien thoai", "dien thoai", "phone"),
    "tax_code": ("ma so thue", "ma so doanh nghiep", "tax code"),
    "commune_code": ("ma xa", "ma xa phuong", "commune code"),
    "hamlet": ("khom ap", "ap khom", "ap", "khom", "hamlet"),
    "group": ("nhom san pham", "nhom", "group"),
    "unit": ("don vi tinh", "don vi", "unit"),
    "price": ("gia", "gia ban", "price"),
    "gtin": ("ma gtin", "gtin", "ma vach"),
    "stars": ("so sao", "hang sao", "stars"),
    "score": ("diem", "diem danh gia", "score"),
    "decision_number": ("so quyet dinh", "quyet dinh so", "decision number"),
    "decision_date": ("ngay quyet dinh", "ngay cong nhan", "decision date"),
    "authority": ("co quan cong nhan", "co quan ban hanh", "authority"),
    "level": ("cap cong nhan", "cap", "level"),
}
REQUIRED = (
    "product_name",
    "producer_name",
    "commune_code",
    "hamlet",
    "stars",
    "decision_number",
    "decision_date",
)


@dataclass(frozen=True)
class Row:
    """One data row: its number in the file (header = 1) and its values."""

    number: int
    values: dict[str, str | dt.date | None]


def _key(header: object) -> str | None:
    folded = re.sub(r"[^a-z0-9 ]", " ", fold(str(header or ""))).strip()
    folded = re.sub(r"\s+", " ", folded)
    for column, spellings in COLUMNS.items():
        if folded in spellings:
            return column
    return None


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
    if len(data) > MAX_BYTES:
        raise InvalidInput("Tệp lớn quá 10 MB.", status_code=413)
    table = _table(data, filename)
    header = next(table, None)
    if header is None:
        raise InvalidInput("Tệp trống.")
    keys = [_key(h) for h in header]
    missing = [c for c in REQUIRED if c not in keys]
    if missing:
        raise InvalidInput("Thiếu cột: " + ", ".join(missing) + ".")
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
