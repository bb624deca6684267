"""Demo shops with a few months of activity (issue #16 item 5).

In each pilot hamlet, the first two producers get an open shop on voso.vn
(opened through ``sellers.service``: checklist, claim by the team, verified
by the commune official), dated five months back. The first of the first
hamlet is dormant — its last order over 60 days ago — the others sell every
month. A producer whose voso shop already exists keeps it (opened only if it
is not open yet); a shop that already reports a month is left alone, so a
second run changes nothing.
"""

import datetime as dt
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from ocop_tracker.areas.models import AdminUnit
from ocop_tracker.core import clock
from ocop_tracker.demo import sellers as demo_sellers
from ocop_tracker.onboarding.models import Marketplace
from ocop_tracker.producers.models import Producer
from ocop_tracker.sellers import activity as seller_activity
from ocop_tracker.sellers import repository as seller_repository
from ocop_tracker.sellers import service as seller_service
from ocop_tracker.sellers.models import (
    SellerAccount,
    SellerActivity,
    SellerStatus,
    SellerVerification,
)
from ocop_tracker.users import repository as user_repository
from ocop_tracker.users.models import User

OPENED_DAYS_AGO = 150
SHOPS_PER_HAMLET = 2
# (orders, revenue in đồng, cancelled) per month, oldest first, for an active shop.
ACTIVE = [(4, 520_000, 1), (7, 910_000, 0), (9, 1_250_000, 2), (11, 1_480_000, 1)]


def _months_back(today: dt.date, n: int) -> dt.date:
    first = today.replace(day=1)
    for _ in range(n):
        first = (first - dt.timedelta(days=1)).replace(day=1)
    return first


def _open_shop(
    session: Session,
    producer: Producer,
    market: Marketplace,
    worker: User,
    official: User,
    today: dt.date,
) -> SellerAccount:
    account = seller_repository.account_of(session, producer.id, market.id)
    if account is None:
        account = seller_service.create_account(
            session,
            worker,
            producer,
            marketplace_id=market.id,
            status=SellerStatus.applied,
        )
    if account.status is not SellerStatus.open:
        demo_sellers.open_verified(
            session,
            account,
            worker,
            official,
            shop_url=f"https://voso.vn/ho-san-xuat-{producer.id}-s{producer.id}",
            shop_name=producer.name,
        )
    # The demo's shops opened months ago: their days are set back (demo only),
    # those the sellers' demo opened today included.
    opened = today - dt.timedelta(days=OPENED_DAYS_AGO)
    at = dt.datetime.combine(opened, dt.time(9), tzinfo=clock.VIETNAM)
    account.created_at = at
    account.status_on = opened
    account.verified_at = at
    for decision in session.scalars(
        select(SellerVerification).where(
            SellerVerification.seller_account_id == account.id
        )
    ):
        decision.decided_at = at
    session.flush()
    return account


def _report(
    session: Session,
    worker: User,
    account: SellerAccount,
    today: dt.date,
    *,
    dormant: bool,
) -> None:
    for back, (orders, revenue, cancelled) in zip(
        range(len(ACTIVE), 0, -1), ACTIVE, strict=True
    ):
        month = _months_back(today, back)
        if dormant and back <= 2:
            orders, revenue, cancelled = 0, 0, 0
        last = None
        if orders:
            last = min(month + dt.timedelta(days=24), today)
        elif dormant:
            # The last order stays the one of the last month that sold.
            last = _months_back(today, 3) + dt.timedelta(days=24)
        seller_activity.record_month(
            session,
            worker,
            account,
            month=month,
            orders=orders,
            revenue_vnd=revenue,
            last_order_on=last,
            cancelled_unconfirmed=cancelled,
            note="Số liệu mẫu" if back == len(ACTIVE) else None,
        )


def load(session: Session, pilots: Sequence[tuple[AdminUnit, str]]) -> list[str]:
    """Open the demo shops and report their months; returns what changed."""
    today = clock.today()
    market = session.scalar(select(Marketplace).where(Marketplace.code == "voso"))
    if market is None:
        return []
    lines: list[str] = []
    for n, (hamlet, key) in enumerate(sorted(pilots, key=lambda p: p[0].id)):
        worker = user_repository.by_login(session, f"thanhvien.{key}")
        official = user_repository.by_login(session, f"canbo.{key}")
        if worker is None or official is None:
            continue
        # Only open shops report months: those the sellers' demo left in
        # another state (claimed, suspended, closed…) and the producers the
        # team has yet to bring on are kept as they are.
        states: dict[int, SellerStatus] = dict(
            session.execute(
                select(SellerAccount.producer_id, SellerAccount.status).where(
                    SellerAccount.hamlet_id == hamlet.id,
                    SellerAccount.marketplace_id == market.id,
                )
            ).all()
        )
        producers = [
            p
            for p in session.scalars(
                select(Producer)
                .where(Producer.hamlet_id == hamlet.id)
                .order_by(Producer.id)
            )
            if states.get(p.id) is SellerStatus.open
        ][:SHOPS_PER_HAMLET]
        for i, producer in enumerate(producers):
            reported = session.scalar(
                select(SellerActivity.id)
                .join(
                    SellerAccount, SellerAccount.id == SellerActivity.seller_account_id
                )
                .where(
                    SellerAccount.producer_id == producer.id,
                    SellerAccount.marketplace_id == market.id,
                )
                .limit(1)
            )
            if reported is not None:
                continue
            account = _open_shop(session, producer, market, worker, official, today)
            dormant = n == 0 and i == 0
            _report(session, worker, account, today, dormant=dormant)
            lines.append(
                f"Số liệu bán hàng {len(ACTIVE)} tháng: {producer.name} trên voso.vn"
                + (" (lâu chưa có đơn)." if dormant else ".")
            )
    return lines
