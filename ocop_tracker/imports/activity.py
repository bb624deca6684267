"""Importing shops' monthly activity from XLSX or CSV: check every row, then write
all or nothing.

A row names its producer by id ("Mã chủ thể"), or by its exact name ("Chủ
thể") with its hamlet ("Khóm/Ấp") when two producers of the importer's area
share the name; the marketplace by code or domain ("voso", "voso.vn"); the
month as 11/2026. Orders, revenue ("1.250.000"), the last order's day and the
cancelled orders follow the rules of a month recorded by hand
(``sellers.rules.check_activity``). Only producers in the importer's area are
found; the importer must be a writer there (team roles, officials, admins).

The dry run (the default) says, row by row, what would change: a new month, a
correction (the figures before and after) or nothing. Any wrong row refuses the
whole file, every problem listed with its row, column and a Vietnamese message.
"""

import datetime as dt
from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from ocop_tracker.core import clock
from ocop_tracker.core.errors import AppError, Forbidden, InvalidInput
from ocop_tracker.core.text import fold, normalize
from ocop_tracker.imports.places import folded as place_folded
from ocop_tracker.imports.reader import Row, parse_date, read_table, spellings_of
from ocop_tracker.imports.service import refusal
from ocop_tracker.sellers import activity as seller_activity
from ocop_tracker.sellers import rules as seller_rules
from ocop_tracker.sellers import views as seller_views
from ocop_tracker.sellers.models import SellerAccount
from ocop_tracker.users.models import WRITERS, User

# Canonical column → its header in the template, then other spellings (folded).
COLUMNS: dict[str, tuple[str, ...]] = {
    "producer_id": ("Mã chủ thể", "ma chu the", "producer id"),
    "producer_name": ("Chủ thể", "ten chu the", "producer"),
    "hamlet": ("Khóm/Ấp", "ap khom", "ap", "khom", "hamlet"),
    "marketplace": ("Sàn", "san thuong mai dien tu", "marketplace"),
    "month": ("Tháng", "thang nam", "month"),
    "orders": ("Số đơn", "so don hang", "don hang", "orders"),
    "revenue_vnd": ("Doanh thu (đồng)", "doanh thu", "revenue"),
    "last_order_on": ("Ngày đơn gần nhất", "don gan nhat", "last order"),
    "cancelled_unconfirmed": (
        "Đơn bị hủy do không xác nhận",
        "don bi huy",
        "don huy",
        "cancelled",
    ),
}
HEADERS: dict[str, str] = {column: names[0] for column, names in COLUMNS.items()}
REQUIRED = ("marketplace", "month", "orders")
EXAMPLE: dict[str, str] = {
    "producer_id": "",
    "producer_name": "Hộ Bà Tư Bánh Pía",
    "hamlet": "Khóm 3",
    "marketplace": "voso.vn",
    "month": "11/2026",
    "orders": "12",
    "revenue_vnd": "1.250.000",
    "last_order_on": "28/11/2026",
    "cancelled_unconfirmed": "1",
}
SPELLINGS = spellings_of(COLUMNS)
TEMPLATE_NAME = "mau-so-lieu-ban-hang.xlsx"


@dataclass
class RowProblem:
    """What is wrong with one row (row 1 is the header), in which column."""

    row: int
    column: str  # the column's header, as people read it
    message: str


@dataclass
class PlannedMonth:
    """What a row will do: a new month, a correction, or nothing."""

    row: int
    producer: str
    marketplace: str
    month: dt.date
    orders: int
    revenue_vnd: int
    last_order_on: dt.date | None
    cancelled_unconfirmed: int
    change: str  # "new", "corrected" or "same"
    before: str | None = None  # the figures a correction replaces, in words


@dataclass
class ActivityReport:
    """What an activity import found or did."""

    rows: int = 0
    planned: list[PlannedMonth] = field(default_factory=list)
    problems: list[RowProblem] = field(default_factory=list)
    written: bool = False

    def count(self, change: str) -> int:
        """How many rows make this change."""
        return sum(1 for p in self.planned if p.change == change)


class ActivityImportRefused(InvalidInput):
    """The file has problems: nothing was written; every problem is listed."""

    def __init__(self, report: ActivityReport) -> None:
        super().__init__(
            refusal(
                len(report.problems),
                (
                    f"dòng {p.row}, cột {p.column}: {p.message}"
                    for p in report.problems[:10]
                ),
            )
        )
        self.report = report


def read(data: bytes, filename: str) -> list[Row]:
    """The rows of an activity file; refused when a required column is missing."""

    def missing(keys: object) -> list[str]:
        present = set(keys)  # type: ignore[call-overload]
        absent = [HEADERS[c] for c in REQUIRED if c not in present]
        if "producer_id" not in present and "producer_name" not in present:
            absent.append(f"{HEADERS['producer_id']} hoặc {HEADERS['producer_name']}")
        return absent

    return read_table(data, filename, SPELLINGS, missing)


def _text(row: Row, key: str) -> str:
    value = row.values.get(key)
    if isinstance(value, dt.date):
        return f"{value:%d/%m/%Y}"
    return normalize(value or "").strip()


def _month(row: Row, _column: str = "month") -> dt.date:
    value = row.values.get("month")
    if isinstance(value, dt.date):  # an Excel date cell: its month
        return value.replace(day=1)
    return seller_rules.parse_month(value or "")


def _figures(month: int, revenue: int, last: dt.date | None, cancelled: int) -> str:
    shown = f"{month} đơn, {revenue:,} đ".replace(",", ".")
    if last:
        shown += f", đơn gần nhất {last:%d/%m/%Y}"
    return f"{shown}, {cancelled} hủy"


def import_activity(
    session: Session, actor: User, rows: list[Row], *, dry_run: bool = True
) -> ActivityReport:
    """Check every row (``dry_run``) or write them all; any problem refuses the file."""
    if actor.role not in WRITERS:
        raise Forbidden(
            "Vai trò của bạn không được nhập số liệu bán hàng; việc này do tổ công nghệ số hoặc cán bộ phụ trách làm."
        )
    report = ActivityReport(rows=len(rows))
    ids = [
        int(t)
        for r in rows
        if (t := _text(r, "producer_id")).isdecimal() and len(t) < 10
    ]
    names = {_text(r, "producer_name") for r in rows} - {""}
    lookup = seller_views.import_lookup(session, actor, ids, sorted(names))
    by_id = {p.id: (p, h) for p, h in lookup.producers}
    by_name: dict[str, list[tuple[int, str]]] = {}
    for p, h in lookup.producers:
        by_name.setdefault(fold(p.name), []).append((p.id, place_folded(h.name)))
    markets = {m.code: m for m in lookup.marketplaces}
    markets |= {m.domain.lower(): m for m in lookup.marketplaces}
    today = clock.today()
    seen: dict[tuple[int, dt.date], int] = {}
    work: list[tuple[SellerAccount, PlannedMonth, int | None]] = []
    for row in rows:
        problems: list[RowProblem] = []

        def wrong(
            column: str,
            message: str,
            row: Row = row,
            problems: list[RowProblem] = problems,
        ) -> None:
            problems.append(RowProblem(row.number, HEADERS[column], message))

        # The producer.
        producer_id: int | None = None
        raw_id, raw_name = _text(row, "producer_id"), _text(row, "producer_name")
        if raw_id:
            if raw_id.isdecimal() and int(raw_id) in by_id:
                producer_id = int(raw_id)
            else:
                wrong(
                    "producer_id",
                    f"Không có chủ thể mã {raw_id[:12]} trong địa bàn của bạn.",
                )
        elif raw_name:
            hamlet = (
                place_folded(_text(row, "hamlet")) if _text(row, "hamlet") else None
            )
            found = [
                pid
                for pid, h in by_name.get(fold(raw_name), [])
                if hamlet is None or h == hamlet
            ]
            if len(found) == 1:
                producer_id = found[0]
            elif not found:
                wrong(
                    "producer_name",
                    f"Không tìm thấy chủ thể “{raw_name[:60]}”"
                    + (" ở khóm/ấp này" if hamlet else "")
                    + " trong địa bàn của bạn; hãy ghi đúng tên hoặc mã chủ thể.",
                )
            else:
                wrong(
                    "hamlet",
                    f"Có {len(found)} chủ thể tên “{raw_name[:60]}”; hãy ghi Khóm/Ấp hoặc mã chủ thể.",
                )
        else:
            wrong("producer_name", "Thiếu chủ thể (tên hoặc mã).")
        # The marketplace and the shop.
        raw_market = (
            _text(row, "marketplace").lower().removeprefix("https://").strip("/")
        )
        market = markets.get(raw_market)
        if market is None:
            wrong(
                "marketplace",
                f"Không có sàn “{raw_market[:40]}”; ghi ví dụ voso.vn hoặc postmart.vn.",
            )
        account = None
        if producer_id is not None and market is not None:
            account = lookup.accounts.get((producer_id, market.id))
            if account is None:
                wrong(
                    "marketplace",
                    f"Chủ thể này chưa có tài khoản bán hàng trên {market.domain}.",
                )
        # The figures.
        values: dict[str, object] = {}
        for column, parse in (
            ("month", _month),
            ("orders", _whole),
            ("revenue_vnd", _whole),
            ("cancelled_unconfirmed", _whole),
            ("last_order_on", _day),
        ):
            try:
                values[column] = parse(row, column)
            except (AppError, ValueError) as exc:
                message = exc.message if isinstance(exc, AppError) else str(exc)
                wrong(column, message)
        if account is not None and len(values) == 5:
            month = values["month"]
            assert isinstance(month, dt.date)
            days = lookup.days[account.id]
            for column, message in seller_rules.check_activity(
                month=month,
                orders=int(str(values["orders"])),
                revenue_vnd=int(str(values["revenue_vnd"])),
                last_order_on=values["last_order_on"],  # type: ignore[arg-type]
                cancelled_unconfirmed=int(str(values["cancelled_unconfirmed"])),
                today=today,
                started_on=days.started_on,
                opened_on=days.opened_on,
            ).items():
                wrong(column, message)
            key = (account.id, month)
            if key in seen and not problems:
                wrong(
                    "month", f"Trùng với dòng {seen[key]}: cùng gian hàng, cùng tháng."
                )
            seen.setdefault(key, row.number)
        report.problems.extend(problems)
        if problems or account is None or market is None:
            continue
        producer = by_id.get(account.producer_id) or next(
            (p, h) for p, h in lookup.producers if p.id == account.producer_id
        )
        planned = PlannedMonth(
            row=row.number,
            producer=producer[0].name,
            marketplace=market.domain,
            month=values["month"],  # type: ignore[arg-type]
            orders=values["orders"],  # type: ignore[arg-type]
            revenue_vnd=values["revenue_vnd"],  # type: ignore[arg-type]
            last_order_on=values["last_order_on"],  # type: ignore[arg-type]
            cancelled_unconfirmed=values["cancelled_unconfirmed"],  # type: ignore[arg-type]
            change="new",
        )
        stored = lookup.months.get((account.id, planned.month))
        version = None
        if stored is not None:
            version = stored.version
            same = (
                stored.orders == planned.orders
                and stored.revenue_vnd == planned.revenue_vnd
                and stored.last_order_on == planned.last_order_on
                and stored.cancelled_unconfirmed == planned.cancelled_unconfirmed
            )
            planned.change = "same" if same else "corrected"
            planned.before = _figures(
                stored.orders,
                stored.revenue_vnd,
                stored.last_order_on,
                stored.cancelled_unconfirmed,
            )
        report.planned.append(planned)
        work.append((account, planned, version))
    report.problems.sort(key=lambda p: p.row)
    if report.problems:
        raise ActivityImportRefused(report)
    if dry_run:
        return report
    for account, planned, version in work:
        if planned.change == "same":
            continue
        stored = lookup.months.get((account.id, planned.month))
        seller_activity.record_month(
            session,
            actor,
            account,
            month=planned.month,
            orders=planned.orders,
            revenue_vnd=planned.revenue_vnd,
            last_order_on=planned.last_order_on,
            cancelled_unconfirmed=planned.cancelled_unconfirmed,
            note=stored.note if stored is not None else None,
            version=version,
        )
    report.written = True
    return report


LABELS = {
    "orders": "Số đơn",
    "revenue_vnd": "Doanh thu",
    "cancelled_unconfirmed": "Số đơn bị hủy",
}


def _whole(row: Row, column: str) -> int:
    return seller_rules.parse_whole(
        _text(row, column), field=column, label=LABELS[column]
    )


def _day(row: Row, _column: str = "last_order_on") -> dt.date | None:
    value = row.values.get("last_order_on")
    if value in (None, ""):
        return None
    try:
        return parse_date(value)
    except ValueError:
        raise InvalidInput(
            "Ngày đơn gần nhất phải viết dạng 28/11/2026.", field="last_order_on"
        ) from None
