"""CSV and XLSX files that spreadsheets cannot turn into formulas (SECURITY.md T35).

Rows are written as they come (an iterable, read chunk by chunk by the caller)
into a binary file, so a big area never sits in memory as one list; dates are
written the Vietnamese way, dd/mm/yyyy.
"""

import csv
import datetime as dt
import io
from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import IO
from zipfile import ZIP_DEFLATED, ZipFile

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.worksheet._write_only import WriteOnlyWorksheet
from openpyxl.writer.excel import ExcelWriter

Cell = str | int | Decimal | dt.date | None
# A cell a spreadsheet would read as a formula or a control sequence.
DANGEROUS = ("=", "+", "-", "@", "\t", "\r", "\x00")
DATE_FORMAT = "%d/%m/%Y"
XLSX_DATE_FORMAT = "DD/MM/YYYY"


def safe(value: Cell) -> Cell:
    """Text that starts like a formula gets a leading apostrophe."""
    if isinstance(value, str) and value.startswith(DANGEROUS):
        return "'" + value
    return value


def _csv_cell(value: Cell) -> Cell:
    if value is None:
        return ""
    if isinstance(value, dt.date):
        return value.strftime(DATE_FORMAT)
    return safe(value)


def write_csv(
    out: IO[bytes], header: Sequence[str], rows: Iterable[Sequence[Cell]]
) -> int:
    """RFC 4180 CSV in UTF-8 with a BOM (so Excel reads Vietnamese correctly);
    returns the number of data rows."""
    text = io.TextIOWrapper(out, encoding="utf-8-sig", newline="", write_through=True)
    writer = csv.writer(text, lineterminator="\r\n")
    writer.writerow(header)
    count = 0
    for row in rows:
        writer.writerow([_csv_cell(v) for v in row])
        count += 1
    text.detach()
    return count


def _xlsx_cell(sheet: WriteOnlyWorksheet, value: Cell) -> object:
    if isinstance(value, dt.date):
        moment = (
            dt.datetime.combine(value, dt.time())
            if not isinstance(value, dt.datetime)
            else value
        )
        cell = WriteOnlyCell(sheet, value=moment)
        cell.number_format = XLSX_DATE_FORMAT
        return cell
    return safe(value)


def save_xlsx(book: Workbook, out: IO[bytes], made: dt.date) -> None:
    """Write ``book`` dated ``made`` (the day the figures are of).

    openpyxl's own ``save`` stamps the current second into the file's
    properties, so the same rows asked twice (a HEAD, then the GET) could differ
    in size when the second turned between them; here the file's created and
    modified dates are the given day, so the same rows give the same length.
    """
    moment = dt.datetime.combine(made, dt.time())
    book.properties.created = moment
    book.properties.modified = moment
    if book.write_only and not book.worksheets:
        book.create_sheet()
    with ZipFile(out, "w", ZIP_DEFLATED, allowZip64=True) as archive:
        ExcelWriter(book, archive).write_data()


def write_xlsx(
    out: IO[bytes],
    sheet_name: str,
    header: Sequence[str],
    rows: Iterable[Sequence[Cell]],
    *,
    made: dt.date,
) -> int:
    """One sheet, header first; every text cell stays text, dates read dd/mm/yyyy;
    returns the number of data rows."""
    book = Workbook(write_only=True)
    sheet = book.create_sheet(sheet_name[:31])
    sheet.append(list(header))
    count = 0
    for row in rows:
        sheet.append([_xlsx_cell(sheet, v) for v in row])
        count += 1
    save_xlsx(book, out, made)
    return count


def to_csv(header: Sequence[str], rows: Iterable[Sequence[Cell]]) -> bytes:
    """The whole CSV as bytes (small files)."""
    out = io.BytesIO()
    write_csv(out, header, rows)
    return out.getvalue()


def to_xlsx(
    sheet_name: str,
    header: Sequence[str],
    rows: Iterable[Sequence[Cell]],
    *,
    made: dt.date,
) -> bytes:
    """The whole XLSX as bytes (small files: the import template)."""
    out = io.BytesIO()
    write_xlsx(out, sheet_name, header, rows, made=made)
    return out.getvalue()
