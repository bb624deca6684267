"""Commands on a shop's monthly activity (DOMAIN.md §8) and on the flag rules.

The team reports, per seller account and month, the orders, the revenue in
whole đồng, the last order's day and the orders the marketplace cancelled
because nobody confirmed them in time. Writers are the seller account's
(team roles, officials, admins, in their area); the department and officials
read. A month is created, or corrected with the version read; a correction
sent again after its answer was lost changes nothing (``core.versions``).

The bounds (``sellers.rules.check_activity``): no month in the future, none
before the shop was first tracked or opened (the account's creation day, or
its first verified opening if that came earlier — a migrated shop), orders,
revenue and a last order only for a shop an official verified open, from its
opening month on.
"""

import datetime as dt

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ocop_tracker.auth.scope import check_writer
from ocop_tracker.core import clock
from ocop_tracker.core.errors import FieldErrors, Forbidden, InvalidInput, NotFound
from ocop_tracker.core.text import clean_text
from ocop_tracker.core.versions import (
    StaleVersion,
    check_version,
    flush_versioned,
    is_resend,
)
from ocop_tracker.sellers import repository, rules
from ocop_tracker.sellers import views as seller_views
from ocop_tracker.sellers.models import SellerAccount, SellerActivity, SellerFlagRule
from ocop_tracker.users.models import WRITERS, Role, User

WHAT = "Số liệu tháng"


def record_month(
    session: Session,
    actor: User,
    account: SellerAccount,
    *,
    month: dt.date,
    orders: int,
    revenue_vnd: int = 0,
    last_order_on: dt.date | None = None,
    cancelled_unconfirmed: int = 0,
    note: str | None = None,
    version: int | None = None,
) -> SellerActivity:
    """Record a month (no ``version``) or correct it (the ``version`` read).

    A month already recorded and sent again without a version is a 409,
    unless it is the same actor's resend of the same figures.
    """
    check_writer(
        session,
        actor,
        account.hamlet_id,
        seller_views.WHAT,
        WRITERS,
        "Vai trò của bạn chỉ được xem số liệu bán hàng; việc ghi do tổ công nghệ số hoặc cán bộ phụ trách làm.",
    )
    month = month.replace(day=1)
    days = seller_views.shop_days(session, [account])[account.id]
    errors = FieldErrors()
    clean_note = None
    with errors.check("note"):
        clean_note = clean_text(
            note, field="note", label="Ghi chú", max_len=rules.MAX_NOTE, multiline=True
        )
    wrong = rules.check_activity(
        month=month,
        orders=orders,
        revenue_vnd=revenue_vnd,
        last_order_on=last_order_on,
        cancelled_unconfirmed=cancelled_unconfirmed,
        today=clock.today(),
        started_on=days.started_on,
        opened_on=days.opened_on,
    )
    for field, message in wrong.items():
        with errors.check(field):
            raise InvalidInput(message, field=field)
    errors.raise_any()
    sent: dict[str, object] = {
        "orders": orders,
        "revenue_vnd": revenue_vnd,
        "last_order_on": last_order_on,
        "cancelled_unconfirmed": cancelled_unconfirmed,
        "note": clean_note,
    }
    row = repository.activity_month(session, account.id, month)
    if row is not None:
        stored = row

        def resent() -> bool:
            return is_resend(actor.id, stored.reported_by_id, stored, sent)

        if version is None:
            if resent():
                return row
            raise StaleVersion(
                f"Tháng {month:%m/%Y} đã có số liệu; hãy tải lại rồi sửa.",
                current=row,
            )
        if check_version(row, version, WHAT, resent=resent):
            return row
    else:
        row = SellerActivity(
            seller_account_id=account.id, hamlet_id=account.hamlet_id, month=month
        )
        session.add(row)
    for name, value in sent.items():
        setattr(row, name, value)
    row.reported_by_id = actor.id
    flush_versioned(session, WHAT, also=(IntegrityError,))
    return row


# --- flag rules (admins) -------------------------------------------------------------


def update_flag_rule(
    session: Session,
    actor: User,
    code: str,
    *,
    days: int | None = None,
    is_active: bool | None = None,
    version: int | None = None,
) -> SellerFlagRule:
    """Change a rule's number of days or turn it on or off (admin)."""
    if actor.role is not Role.admin:
        raise Forbidden("Chỉ quản trị viên được sửa các quy tắc cảnh báo.")
    rule = repository.flag_rule(session, code)
    if rule is None:
        raise NotFound("Không có quy tắc cảnh báo này.")
    check_version(rule, version, "Quy tắc cảnh báo")
    if days is not None:
        if not 0 <= days <= rules.MAX_FLAG_DAYS:
            raise InvalidInput(
                f"Số ngày phải từ 0 đến {rules.MAX_FLAG_DAYS}.", field="days"
            )
        rule.days = days
    if is_active is not None:
        rule.is_active = is_active
    flush_versioned(session, "Quy tắc cảnh báo")
    return rule
