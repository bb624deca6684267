"""Demo seller accounts: the demo producers' shops on voso.vn and postmart.vn in
each state a team meets (DOMAIN.md §4, §7).

Not started, preparing with part of the checklist done, applied, claimed and
waiting for the official, open and verified, suspended, closed, and a claim the
official sent back with a comment. Everything goes through the services, as the
hamlet's team and its official would do it (the official never verifies a claim
of its own). Idempotent: a producer that already has an account is left alone.
"""

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from ocop_tracker.areas.models import AdminUnit
from ocop_tracker.onboarding.models import Decision, Marketplace
from ocop_tracker.photos.packs import slug
from ocop_tracker.producers.models import Producer
from ocop_tracker.sellers import repository as seller_repository
from ocop_tracker.sellers import service as seller_service
from ocop_tracker.sellers import views as seller_views
from ocop_tracker.sellers.models import SellerAccount, SellerStatus
from ocop_tracker.users.models import User

# What a shop should look like; ``ticks`` is how many checklist items are done
# (None: every required one), ``end`` what happens after the team's steps.
OPEN = "open"  # claimed and approved
PENDING = "pending"  # claimed, waiting for the official
REJECTED = "rejected"  # claimed, sent back with a comment
SUSPENDED = "suspended"  # approved, then suspended by the marketplace
CLOSED = "closed"  # approved, then closed


@dataclass(frozen=True)
class Shop:
    """A demo producer's wished shop on one marketplace."""

    producer: str
    market: str
    status: SellerStatus
    ticks: int | None = 0
    end: str = ""


SHOPS: tuple[Shop, ...] = (
    # Khóm 3: a household preparing on postmart (voso is left for the team to
    # start), a cooperative waiting for the official on voso and with no shop
    # on postmart yet (its product's postmart listing waits for one).
    Shop("Hộ ông Trần Văn Sáu (demo)", "postmart", SellerStatus.preparing, 2),
    Shop("HTX bánh in Phường 5 (demo)", "voso", SellerStatus.applied, None, PENDING),
    # Ấp An Thường: a shop the marketplace suspended, one not started.
    Shop(
        "Tổ hợp tác cá kèo An Thạnh (demo)",
        "voso",
        SellerStatus.applied,
        None,
        SUSPENDED,
    ),
    Shop("Tổ hợp tác cá kèo An Thạnh (demo)", "postmart", SellerStatus.not_started),
    # Ấp Châu Thành: a household's shop closed on postmart, sent back by the
    # official on voso.
    Shop("HTX nông nghiệp Châu Thành (demo)", "voso", SellerStatus.applied, None, OPEN),
    Shop("Hộ bà Lâm Thị Ngọc (demo)", "postmart", SellerStatus.applied, None, CLOSED),
    Shop("Hộ bà Lâm Thị Ngọc (demo)", "voso", SellerStatus.applied, None, REJECTED),
)
# The demo's login and e-mail on the marketplace (a test number, never a real one).
LOGIN_PHONE = "0912 000 {:03d}"


def shop_url(market: Marketplace, name: str, number: int) -> str:
    """A shop page of the producer on ``market``, as its URL rule asks."""
    if market.code == "voso":
        return f"https://{market.domain}/{slug(name)}-s{number}"
    return f"https://{market.domain}/shop/{slug(name)}"


def load(session: Session, pilots: Sequence[tuple[AdminUnit, str]]) -> list[str]:
    """Give the demo producers their shops; returns lines saying what changed.

    ``pilots`` are the pilot hamlets with the tail of their accounts' logins.
    """
    markets = {m.code: m for m in session.scalars(select(Marketplace))}
    teams: dict[int, tuple[User, User]] = {}
    for hamlet, key in pilots:
        worker = session.scalar(select(User).where(User.login == f"thanhvien.{key}"))
        official = session.scalar(select(User).where(User.login == f"canbo.{key}"))
        if worker is not None and official is not None:
            teams[hamlet.id] = (worker, official)
    lines: list[str] = []
    for shop in SHOPS:
        producer = session.scalar(
            select(Producer).where(Producer.name == shop.producer)
        )
        market = markets.get(shop.market)
        if producer is None or market is None or producer.hamlet_id not in teams:
            continue
        worker, official = teams[producer.hamlet_id]
        account = seller_repository.account_of(session, producer.id, market.id)
        if account is not None:
            # Opened by the listings' demo (a live listing needs an open shop):
            # only what the marketplace did since is played on it.
            if _end(session, shop, account, worker):
                lines.append(f"Gian hàng trên {market.domain}: {producer.name}.")
            continue
        _open_shop(session, shop, producer, market, worker, official)
        lines.append(f"Gian hàng trên {market.domain}: {producer.name}.")
    return lines


def _open_shop(
    session: Session,
    shop: Shop,
    producer: Producer,
    market: Marketplace,
    worker: User,
    official: User,
) -> SellerAccount:
    account = seller_service.create_account(
        session,
        worker,
        producer,
        marketplace_id=market.id,
        status=shop.status,
        shop_name=producer.name.removesuffix(" (demo)")
        if shop.status is not SellerStatus.not_started
        else None,
        login_phone=LOGIN_PHONE.format(producer.id % 1000)
        if shop.status is not SellerStatus.not_started
        else None,
    )
    items = seller_views.prerequisites(session, market.id, active_only=True)
    chosen = (
        [i for i in items if i.required] if shop.ticks is None else items[: shop.ticks]
    )
    for item in chosen:
        seller_service.set_item(
            session,
            worker,
            account,
            item_code=item.code,
            done=True,
            note="Đã kiểm tra cùng chủ hộ (demo)",
        )
    if not shop.end:
        return account
    seller_service.claim_open(
        session,
        worker,
        account,
        shop_url=shop_url(market, producer.name, producer.id),
        version=account.version,
    )
    if shop.end == PENDING:
        return account
    if shop.end == REJECTED:
        seller_service.verify(
            session,
            official,
            account,
            decision=Decision.rejected,
            comment="Trang gian hàng chưa ghi tên và địa chỉ của hộ; bổ sung rồi báo lại (demo).",
            version=account.version,
        )
        return account
    seller_service.verify(
        session, official, account, decision=Decision.approved, version=account.version
    )
    _end(session, shop, account, worker)
    return account


def open_verified(
    session: Session,
    account: SellerAccount,
    worker: User,
    official: User,
    *,
    shop_url: str,
    shop_name: str | None = None,
) -> None:
    """Open ``account`` the way every demo does: its required prerequisites
    ticked and the open claimed by the team, then approved by the official.
    ``shop_name`` None keeps the account's own."""
    for item in seller_views.prerequisites(
        session, account.marketplace_id, active_only=True
    ):
        if item.required:
            seller_service.set_item(
                session, worker, account, item_code=item.code, done=True
            )
    seller_service.claim_open(
        session,
        worker,
        account,
        shop_url=shop_url,
        shop_name=shop_name,
        version=account.version,
    )
    seller_service.verify(
        session, official, account, decision=Decision.approved, version=account.version
    )


def _end(session: Session, shop: Shop, account: SellerAccount, worker: User) -> bool:
    """Suspend or close an open shop as the demo wishes; True when it moved."""
    ends = {SUSPENDED: SellerStatus.suspended, CLOSED: SellerStatus.closed}
    if shop.end not in ends or account.status is not SellerStatus.open:
        return False
    seller_service.update_account(
        session, worker, account, version=account.version, status=ends[shop.end]
    )
    return True
