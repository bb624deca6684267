"""CSV and XLSX files that spreadsheets cannot turn into formulas (SECURITY.md T35)."""

import csv
import datetime as dt
import io
from collections.abc import Sequence
from decimal import Decimal

from openpyxl import Workbook

Cell = str | int | Decimal | dt.date | None
# A cell a spreadsheet would read as a formula or a control sequence.
DANGEROUS = ("=", "+", "-", "@", "\t", "\r", "\x00")


def safe(value: Cell) -> Cell:
    """Text that starts like a formula gets a leading apostrophe."""
    if isinstance(value, str) and value.startswith(DANGEROUS):
        return "'" + value
    return value


def to_csv(header: Sequence[str], rows: Sequence[Sequence[Cell]]) -> bytes:
    """RFC 4180 CSV in UTF-8 with a BOM (so Excel reads Vietnamese correctly)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow(["" if v is None else safe(v) for v in row])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def to_xlsx(
    sheet_name: str, header: Sequence[str], rows: Sequence[Sequence[Cell]]
) -> bytes:
    """One sheet, header first; every text cell stays text."""
    book = Workbook(write_only=True)
    sheet = book.create_sheet(sheet_name[:31])
    sheet.append(list(header))
    for row in rows:
        sheet.append([safe(v) for v in row])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
