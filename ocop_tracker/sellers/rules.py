"""The seller account rules, pure: status moves, the "open" claim, its verification.

Nothing here reads the database or the clock. A shop is "open" only once an
official verified the team's claim (DOMAIN.md §4); the team moves the other
statuses by hand, each with the day it happened.
"""

import datetime as dt
import re
from collections.abc import Collection, Mapping

from ocop_tracker.core.errors import Conflict, InvalidInput
from ocop_tracker.core.labels import labels
from ocop_tracker.sellers.models import ClaimStatus, SellerStatus

STATUS_LABELS: Mapping[SellerStatus, str] = labels(SellerStatus)
# Where the team may move a status by hand; "open" is reached only by a
# verified claim, and a suspended shop reopens the same way.
MOVES: Mapping[SellerStatus, frozenset[SellerStatus]] = {
    SellerStatus.not_started: frozenset(
        {SellerStatus.preparing, SellerStatus.applied, SellerStatus.closed}
    ),
    SellerStatus.preparing: frozenset(
        {SellerStatus.not_started, SellerStatus.applied, SellerStatus.closed}
    ),
    SellerStatus.applied: frozenset({SellerStatus.preparing, SellerStatus.closed}),
    SellerStatus.open: frozenset({SellerStatus.suspended, SellerStatus.closed}),
    SellerStatus.suspended: frozenset({SellerStatus.closed}),
    SellerStatus.closed: frozenset({SellerStatus.preparing}),
}
# The statuses an account may start in.
STARTS = frozenset(
    {SellerStatus.not_started, SellerStatus.preparing, SellerStatus.applied}
)
# The statuses from which the team may claim the shop is open.
CLAIMABLE = frozenset(
    {
        SellerStatus.not_started,
        SellerStatus.preparing,
        SellerStatus.applied,
        SellerStatus.suspended,
    }
)
MAX_NOTE = 1000
MAX_SHOP_NAME = 200
MAX_LABEL = 200


def check_start(status: SellerStatus) -> None:
    """A new account starts before the shop is open."""
    if status not in STARTS:
        raise InvalidInput(
            "Tài khoản bán hàng mới chỉ bắt đầu ở trạng thái chưa bắt đầu, đang chuẩn bị "
            "hoặc đã đăng ký; gian hàng “đang mở” cần báo mở và được cán bộ xác minh.",
            field="status",
        )


def check_move(
    current: SellerStatus, new: SellerStatus, claim: ClaimStatus | None
) -> None:
    """A status the team may set by hand from ``current``."""
    if claim is ClaimStatus.pending:
        raise Conflict(
            "Gian hàng đang chờ cán bộ xác minh việc mở; chờ xác minh xong rồi hãy đổi trạng thái.",
            field="status",
        )
    if new is SellerStatus.open:
        raise InvalidInput(
            "Không chuyển tay sang “đang mở”: hãy báo mở gian hàng (kèm đường dẫn) để cán bộ xác minh.",
            field="status",
        )
    if new not in MOVES[current]:
        raise InvalidInput(
            f"Không chuyển được từ “{STATUS_LABELS[current]}” sang “{STATUS_LABELS[new]}”.",
            field="status",
        )


def check_status_on(on: dt.date, *, today: dt.date, previous: dt.date) -> None:
    """The day of a change: not in the future, not before the previous change."""
    if on > today:
        raise InvalidInput(
            "Ngày đổi trạng thái không được sau hôm nay.", field="status_on"
        )
    if on < previous:
        raise InvalidInput(
            f"Ngày đổi trạng thái không được trước lần đổi trước ({previous:%d/%m/%Y}).",
            field="status_on",
        )


def check_shop_url_change(status: SellerStatus, claim: ClaimStatus | None) -> None:
    """The URL of an open shop, or of one waiting for verification, stays as verified."""
    if status is SellerStatus.open or claim is ClaimStatus.pending:
        raise Conflict(
            "Đường dẫn gian hàng đã được báo mở hoặc đã xác minh; muốn đổi, hãy báo mở lại để cán bộ xác minh.",
            field="shop_url",
        )


def check_can_claim(
    status: SellerStatus,
    claim: ClaimStatus | None,
    missing: Collection[str],
) -> None:
    """The team claims "open" once every required prerequisite is done."""
    if claim is ClaimStatus.pending:
        raise Conflict("Gian hàng đã được báo mở và đang chờ cán bộ xác minh.")
    if status not in CLAIMABLE:
        raise Conflict(f"Không báo mở được gian hàng đang “{STATUS_LABELS[status]}”.")
    if missing:
        raise InvalidInput(
            "Chưa báo mở được: còn việc bắt buộc chưa xong — "
            + "; ".join(missing)
            + ".",
            field="checklist",
        )


def check_can_verify(claim: ClaimStatus | None) -> None:
    """Only a pending claim can be approved or rejected."""
    if claim is not ClaimStatus.pending:
        raise Conflict(
            "Gian hàng này không chờ xác minh: chỉ xác minh được khi tổ đã báo mở gian hàng."
        )


def check_undo(done: bool | None, label: str) -> None:
    """Only a done item can be undone."""
    if not done:
        raise Conflict(f"Việc “{label}” chưa đánh dấu xong, không có gì để bỏ.")


# --- monthly activity ---------------------------------------------------------------

MAX_COUNT = 1_000_000  # orders in a month, far above any household's
MAX_FLAG_DAYS = 3650
MAX_REVENUE = 1_000_000_000_000  # một nghìn tỷ đồng: a typo past this is refused
_MONTH_ISO = re.compile(r"^(\d{4})-(\d{1,2})$")
_MONTH_VN = re.compile(r"^(\d{1,2})\s*[/.-]\s*(\d{4})$")
_SEPARATORS = re.compile(r"[\s.,_]")


def parse_month(raw: str, *, field: str = "month") -> dt.date:
    """The first day of a month typed "2026-11" (``<input type=month>``) or "11/2026"."""
    text = raw.strip()
    iso, vn = _MONTH_ISO.match(text), _MONTH_VN.match(text)
    if iso:
        year, month = int(iso.group(1)), int(iso.group(2))
    elif vn:
        month, year = int(vn.group(1)), int(vn.group(2))
    else:
        message = "Hãy nhập tháng." if not text else "Tháng phải viết dạng 11/2026."
        raise InvalidInput(message, field=field)
    if not 1 <= month <= 12 or year < 2000:
        raise InvalidInput(f"Tháng “{text[:20]}” không có; ví dụ 11/2026.", field=field)
    return dt.date(year, month, 1)


def parse_whole(raw: str | int | None, *, field: str, label: str) -> int:
    """A whole number typed by people: "1.250.000", "1 250 000", "12"; empty is 0."""
    if isinstance(raw, int):
        return raw
    digits = _SEPARATORS.sub("", raw or "")
    if not digits:
        return 0
    if digits.startswith("-") and digits[1:].isdecimal():
        raise InvalidInput(f"{label} không được âm.", field=field)
    if not digits.isdecimal() or not digits.isascii():
        example = "1.250.000" if field == "revenue_vnd" else "12"
        raise InvalidInput(f"{label} phải là số nguyên, ví dụ {example}.", field=field)
    return int(digits)


def month_end(month: dt.date) -> dt.date:
    """The last day of the month starting ``month``."""
    following = (month.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    return following - dt.timedelta(days=1)


def check_activity(
    *,
    month: dt.date,
    orders: int,
    revenue_vnd: int,
    last_order_on: dt.date | None,
    cancelled_unconfirmed: int,
    today: dt.date,
    started_on: dt.date,
    opened_on: dt.date | None,
) -> dict[str, str]:
    """What is wrong with one month's report, by field (empty: nothing).

    ``started_on`` is the day the shop was first tracked or opened, whichever
    came first: no month before that one. ``opened_on`` is the day an official
    verified the shop open (None: never open); orders, revenue and a last
    order need an open shop, from its opening month. Cancelled orders are
    counted apart from ``orders`` (no bound between the two).
    """
    wrong: dict[str, str] = {}
    if month > today.replace(day=1):
        wrong["month"] = (
            f"Tháng {month:%m/%Y} chưa tới; chỉ ghi được đến tháng {today:%m/%Y}."
        )
    elif month < started_on.replace(day=1):
        wrong["month"] = (
            f"Gian hàng bắt đầu từ {started_on:%d/%m/%Y}; "
            f"không ghi được tháng {month:%m/%Y}."
        )
    for field, value, label in (
        ("orders", orders, "Số đơn"),
        ("revenue_vnd", revenue_vnd, "Doanh thu"),
        ("cancelled_unconfirmed", cancelled_unconfirmed, "Số đơn bị hủy"),
    ):
        cap = MAX_REVENUE if field == "revenue_vnd" else MAX_COUNT
        if value < 0:
            wrong[field] = f"{label} không được âm."
        elif value > cap:
            wrong[field] = f"{label} lớn quá mức có thể; hãy xem lại."
    sold = orders > 0 or revenue_vnd > 0 or last_order_on is not None
    if sold and "month" not in wrong:
        if opened_on is None:
            wrong.setdefault(
                "orders",
                "Gian hàng chưa từng được xác minh mở nên chưa thể có đơn; "
                "để số đơn, doanh thu là 0.",
            )
        elif month_end(month) < opened_on:
            wrong.setdefault(
                "orders",
                f"Gian hàng mở từ {opened_on:%d/%m/%Y}; tháng {month:%m/%Y} "
                "chưa thể có đơn.",
            )
    if last_order_on is not None:
        if last_order_on > today:
            wrong["last_order_on"] = "Ngày đơn gần nhất không được ở tương lai."
        elif last_order_on > month_end(month):
            wrong["last_order_on"] = (
                f"Ngày đơn gần nhất phải trong hoặc trước tháng {month:%m/%Y}."
            )
        elif opened_on is not None and last_order_on < opened_on:
            wrong["last_order_on"] = (
                f"Ngày đơn gần nhất không thể trước ngày mở gian hàng "
                f"({opened_on:%d/%m/%Y})."
            )
    return wrong
