"""The seller account rules, pure: status moves, the "open" claim, its verification.

Nothing here reads the database or the clock. A shop is "open" only once an
official verified the team's claim (DOMAIN.md §4); the team moves the other
statuses by hand, each with the day it happened.
"""

import datetime as dt
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
