"""Demo payouts: each open demo shop is paid into its producer's open e-payment
account (DOMAIN.md §7), as the hamlet's team records it on the shop's page.

Runs after the demo's shops and payment accounts exist. Idempotent: a shop
that already names its payout account, or whose producer has no open
e-payment account, is left alone.
"""

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from ocop_tracker.areas.models import AdminUnit
from ocop_tracker.producers.models import PaymentAccount, PaymentStatus
from ocop_tracker.sellers import service as seller_service
from ocop_tracker.sellers.models import SellerAccount, SellerStatus
from ocop_tracker.users import repository as user_repository


def load(session: Session, pilots: Sequence[tuple[AdminUnit, str]]) -> list[str]:
    """Point the open demo shops at their producer's first open account."""
    lines: list[str] = []
    for hamlet, key in pilots:
        worker = user_repository.by_login(session, f"thanhvien.{key}")
        if worker is None:
            continue
        rows = session.execute(
            select(SellerAccount, PaymentAccount)
            .join(
                PaymentAccount,
                PaymentAccount.producer_id == SellerAccount.producer_id,
            )
            .where(
                SellerAccount.hamlet_id == hamlet.id,
                SellerAccount.status == SellerStatus.open,
                SellerAccount.payout_account_id.is_(None),
                PaymentAccount.status == PaymentStatus.open,
            )
            .order_by(SellerAccount.id, PaymentAccount.id)
        ).all()
        done: set[int] = set()
        for account, payment in rows:
            if account.id in done:
                continue
            seller_service.update_account(
                session,
                worker,
                account,
                version=account.version,
                payout_account_id=payment.id,
            )
            done.add(account.id)
        if done:
            lines.append(
                f"{hamlet.name}: {len(done)} gian hàng nhận tiền về tài khoản "
                "thanh toán điện tử của chủ thể."
            )
    return lines
